# title: pages free only on node 0; a VMA bound to node 1 after mmap: mmap succeeds, the touch gets SIGBUS
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 01-vma-bind-empty-node "pages free only on node 0; VMA bound to node 1 after mmap"

pool 2M 8 0
hold a --kind anon-private --pages 4 --vma-policy bind:1
expect "mmap succeeds (the reservation check ignores VMA policies)" "$(field a mmap)" = ok
expect "mbind to node 1 succeeds" "$(field a mbind)" = ok
expect "Rsvd counts the 4 pages" "$(pool_value 2M global resv_hugepages)" = 4

observe
touch_pages a
settle

expect "every page of a faults with SIGBUS" "$(field a failed)" = 4
expect "no page of a lands anywhere" "$(field a nodes)" = -
expect "the reservation stays (Rsvd 4)" "$(pool_value 2M global resv_hugepages)" = 4
expect "node 0 keeps its 8 free pages" "$(pool_value 2M 0 free_hugepages)" = 8
note "bind set by mbind after mmap: mmap OK, Rsvd=4; every fault SIGBUS although node 0 has 8 free; no fallback; the reservation stays"
vm_end
