# title: two tasks bound to node 1 reserve 3 pages each; node 1 has 4 free, node 0 has 8: both mmaps succeed, exactly 2 pages fail
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 02-two-tasks-bind-node1-short "two tasks bound to node 1 reserve 3 pages each; node 1 has 4 free, node 0 has 8"

pool 2M 8 4
hold a --kind anon-private --pages 3 --task-policy bind:1
hold b --kind file-shared --path /dev/hugepages/b --pages 3 --task-policy bind:1
expect "a's mmap succeeds (its check sees 4 free on node 1)" "$(field a mmap)" = ok
expect "b's mmap succeeds too (the node check is per request, not cumulative)" "$(field b mmap)" = ok
expect "Rsvd is 6 with 4 free on node 1" "$(pool_value 2M global resv_hugepages)" = 6

observe
touch_pages a
touch_pages b
settle

expect "a gets its 3 pages" "$(field a ok)" = 3
expect "a's pages are on node 1" "$(field a nodes)" = 1:3
expect "b gets 1 page" "$(field b ok)" = 1
expect "b's pages 1 and 2 fail with SIGBUS" "$(field b failed_pages)" = 1,2
expect "node 0 keeps its 8 free pages" "$(pool_value 2M 0 free_hugepages)" = 8
expect "b's 2 failed pages stay reserved" "$(pool_value 2M global resv_hugepages)" = 2
note "task bind:1 before mmap, 2 tasks x 3 pages, node1 4 free, node0 8 free: both mmaps OK (Rsvd 6); touches: a 3 ok on N1, b 1 ok + 2 SIGBUS; shortfall = 6 - 4 = 2 pages; Rsvd stays 2"
vm_end
