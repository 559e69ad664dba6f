# title: the same two tasks bound to node 1 with 6 free on node 1: nothing fails
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 03-two-tasks-bind-node1-enough "two tasks bound to node 1 reserve 3 pages each; node 1 has 6 free, node 0 has 8"

pool 2M 8 6
hold a --kind anon-private --pages 3 --task-policy bind:1
hold b --kind file-shared --path /dev/hugepages/b --pages 3 --task-policy bind:1
expect "a's mmap succeeds" "$(field a mmap)" = ok
expect "b's mmap succeeds" "$(field b mmap)" = ok

observe
touch_pages a
touch_pages b
settle

expect "a gets its 3 pages on node 1" "$(field a nodes)" = 1:3
expect "b gets its 3 pages on node 1" "$(field b nodes)" = 1:3
expect "no page fails" "$(($(field a failed) + $(field b failed)))" = 0
expect "nothing stays reserved" "$(pool_value 2M global resv_hugepages)" = 0
note "task bind:1, 2 tasks x 3 pages, node1 6 free: all 6 pages on N1, no SIGBUS"
vm_end
