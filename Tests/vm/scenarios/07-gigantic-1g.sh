# title: 1 GiB pages (gigantic: never overcommitted): a VMA bound to a node without a free 1G page
# vm: --nodes 2 --mem 1600,512 --cpus 2 --append 'hugepagesz=1G hugepages=0:1,1:0'
# timeout: 300
. /vm/lib.sh
vm_begin 07-gigantic-1g "1 GiB pages: one on node 0 (allocated at boot), none on node 1; a VMA bound to node 1"

G=$(hdir 1G)
if [ ! -d "$G" ]; then vm_skip "the guest kernel has no 1 GiB page size"; fi
if [ "$(cat "$(ndir 1G 0)/nr_hugepages")" != 1 ]; then
    vm_skip "the guest could not allocate a 1 GiB page on node 0 at boot (hugepages=0:1)"
fi
pool 2M 4 0
if echo 1 > "$G/nr_overcommit_hugepages" 2>/dev/null; then oc=accepted; else oc=refused; fi
expect "writing nr_overcommit_hugepages of the 1G size is refused" "$oc:$(cat $G/nr_overcommit_hugepages)" = refused:0
note "echo 1 > hugepages-1048576kB/nr_overcommit_hugepages: $oc (gigantic pages are never overcommitted)"

hold big --kind anon-private --page-size 1G --pages 1 --vma-policy bind:1
hold small --kind anon-shared --pages 2
expect "the 1G mmap succeeds (1 free 1G page on node 0)" "$(field big mmap)" = ok
expect "Rsvd of 1G is 1" "$(pool_value 1G global resv_hugepages)" = 1

observe
touch_pages big
touch_pages small
settle

expect "the 1G page bound to node 1 fails with SIGBUS" "$(field big failed)" = 1
expect "no 1G surplus appears" "$(pool_value 1G global surplus_hugepages)" = 0
expect "node 0's 1G page stays free" "$(pool_value 1G 0 free_hugepages)" = 1
expect "the 2M pages of the other holder succeed on node 0" "$(field small failed):$(field small nodes)" = 0:0:2
note "1G vma bind:1, node0 has the only 1G page, node1 none: mmap OK, fault SIGBUS; no overcommit possible (write refused); Rsvd stays 1"
vm_end
