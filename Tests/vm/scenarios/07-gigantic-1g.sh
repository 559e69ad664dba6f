# title: 1 GiB pages (gigantic: never overcommitted): a VMA bound to a node without a free 1G page
# The 1G page is allocated at boot on node 1, the big node: node 1 then holds the whole 1G-aligned
# range 0x40000000-0x7fffffff, clear of the kernel (node 0, low) and of the initramfs (above 2G).
# vm: --nodes 2 --mem 512,1600 --cpus 2 --append 'hugepagesz=1G hugepages=0:0,1:1'
# timeout: 300
. /vm/lib.sh
vm_begin 07-gigantic-1g "1 GiB pages: one on node 1 (allocated at boot), none on node 0; a VMA bound to node 0"

G=$(hdir 1G)
if [ ! -d "$G" ]; then vm_skip "the guest kernel has no 1 GiB page size"; fi
if [ "$(cat "$(ndir 1G 1)/nr_hugepages")" != 1 ]; then
    vm_skip "the guest could not allocate a 1 GiB page on node 1 at boot (hugepages=0:0,1:1)"
fi
pool 2M 4 0
if echo 1 > "$G/nr_overcommit_hugepages" 2>/dev/null; then oc=accepted; else oc=refused; fi
expect "writing nr_overcommit_hugepages of the 1G size is refused" "$oc:$(cat $G/nr_overcommit_hugepages)" = refused:0
note "echo 1 > hugepages-1048576kB/nr_overcommit_hugepages: $oc (gigantic pages are never overcommitted)"

hold big --kind anon-private --page-size 1G --pages 1 --vma-policy bind:0
hold small --kind anon-shared --pages 2
expect "the 1G mmap succeeds (1 free 1G page, on node 1)" "$(field big mmap)" = ok
expect "Rsvd of 1G is 1" "$(pool_value 1G global resv_hugepages)" = 1

observe
touch_pages big
touch_pages small
settle

expect "the 1G page bound to node 0 fails with SIGBUS" "$(field big failed)" = 1
expect "no 1G surplus appears" "$(pool_value 1G global surplus_hugepages)" = 0
expect "node 1's 1G page stays free and reserved" "$(pool_value 1G 1 free_hugepages):$(pool_value 1G global resv_hugepages)" = 1:1
expect "the 2M pages of the other holder succeed on node 0" "$(field small failed):$(field small nodes)" = 0:0:2
note "1G vma bind:0, node1 has the only 1G page, node0 none: mmap OK (Rsvd 1), fault SIGBUS; no overcommit possible (write refused); Rsvd stays 1"
vm_end
