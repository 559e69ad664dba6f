# title: overcommit > 0 rescues a VMA bound to an empty node with surplus pages on that node; a task-bound mmap is still refused
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 05-overcommit-rescues-bind "overcommit 4: a VMA bound to node 1 (no free pages) is served by surplus pages on node 1"

pool 2M 4 0
overcommit 2M 4
hold a --kind anon-private --pages 2 --vma-policy bind:1
expect "a's mmap succeeds without surplus (4 free cover it)" "$(field a mmap):$(pool_value 2M global surplus_hugepages)" = ok:0
hold b --kind anon-private --pages 2 --task-policy bind:1
note "task bind:1 mmap of 2 pages with 4 free on node 0, none on node 1, overcommit 4: mmap $(field b mmap), surplus after it $(pool_value 2M global surplus_hugepages)"
expect "a task bound to node 1 cannot reserve: 0 free there, and no surplus is gathered while node 0's free pages cover the global check" "$(field b mmap)" = ENOMEM

observe
touch_pages a
settle

expect "a's 2 pages succeed" "$(field a failed)" = 0
expect "a's pages are on node 1" "$(field a nodes)" = 1:2
expect "Surp rises to 2" "$(pool_value 2M global surplus_hugepages)" = 2
expect "the surplus pages are node 1's" "$(pool_value 2M 1 surplus_hugepages)" = 2
expect "node 0's 4 persistent pages stay free" "$(pool_value 2M 0 free_hugepages)" = 4
note "vma bind:1 + overcommit 4: faults allocate surplus on N1 (Surp 0 -> 2, node1 surplus 2); node0's 4 free untouched; reservation consumed"
vm_end
