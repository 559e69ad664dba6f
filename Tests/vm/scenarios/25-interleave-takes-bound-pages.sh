# title: an interleaved mapping faulted first takes the node-1 pages its interleave index gives it, which a task bound to node 1 needs: SIGBUS depending on the order
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 25-interleave-takes-bound-pages "interleave:0-1 over file pages 1-3 (node 1, 0, 1 by index) faulted before a task bound to node 1; node 1 has 2 free, node 0 has 8"

pool 2M 8 2
# The file is 4 pages; the mapping starts at page 1, so its interleave indexes are 1, 2, 3
# (vm_pgoff >> order, plus the page): nodes 1, 0, 1. Mapped at offset 0 it would be 0, 1, 0.
hold a --kind file-shared --path /dev/hugepages/a --offset 1 --pages 3 --vma-policy interleave:0-1
hold b --kind anon-private --pages 2 --task-policy bind:1
expect "a's mmap and mbind succeed" "$(field a mmap):$(field a mbind)" = ok:ok
expect "b's mmap succeeds (node 1 has its 2 free pages)" "$(field b mmap)" = ok
expect "Rsvd is 5" "$(pool_value 2M global resv_hugepages)" = 5

observe
touch_pages a
touch_pages b
settle

expect "a gets its 3 pages: 1 on node 0, 2 on node 1 (by interleave index, not lowest node first)" \
    "$(field a failed):$(field a nodes)" = 0:0:1,1:2
expect "b's 2 pages fail with SIGBUS: a took node 1's pages" "$(field b failed_pages)" = 0,1
expect "node 0 keeps 7 free pages" "$(pool_value 2M 0 free_hugepages)" = 7
note "interleave:0-1 mapping at file page 1 (indexes 1,2,3 -> nodes 1,0,1) faulted first: N0=1 N1=2; then a task bind:1 owed 2 pages: both SIGBUS (node 0 keeps 7 free). In the other order (not run) the interleaved pages 1 and 3 would fall back to node 0: order-dependent"
vm_end
