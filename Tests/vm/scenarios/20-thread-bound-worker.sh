# title: a process whose main thread has the default policy and whose worker thread, bound to node 1 (1 free), does the faults
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 20-thread-bound-worker "main thread default, worker thread set_mempolicy(bind:1) faults 3 reserved pages; node 1 has 1 free, node 0 has 8"

pool 2M 8 1
hold w --kind anon-private --pages 3 --thread-policy bind:1
expect "the main thread keeps the default policy" "$(field w task_policy)" = default
expect "the worker thread is bound to node 1" "$(field w thread_policy_set):$(field w thread_policy)" = ok:bind:1
expect "mmap reserves 3 pages (the main thread maps; 9 free)" "$(field w mmap):$(pool_value 2M global resv_hugepages)" = ok:3

observe
touch_pages w
settle

expect "the worker gets node 1's page, then SIGBUS on pages 1 and 2" "$(field w failed_pages):$(field w nodes)" = 1,2:1:1
expect "node 0 keeps its 8 free pages" "$(pool_value 2M 0 free_hugepages)" = 8
expect "the 2 failed pages stay reserved" "$(pool_value 2M global resv_hugepages)" = 2
note "get_task_policy(current): the worker thread's bind:1 decides its faults although the main thread (whose numa_maps /proc/PID/numa_maps shows) has the default policy; 3 reserved pages, node1 1 free: 1 ok on N1, 2 SIGBUS"
vm_end
