# title: a VMA bound to node 1 faulted by a thread whose cpuset mems are node 0 alone: SIGBUS before 6.7; from 6.7 the bind mask is ignored and the faults fall back
# prediction: exact
# vm: --nodes 2 --mem 256 --cpus 2 --append no_timer_check
# kernels: default linux-image-6.12-amd64
. /vm/lib.sh
vm_begin 27-bind-outside-mems "a helper thread maps 2 pages and binds them to node 1 (mems 0-1); the main thread, which faults them, sits in a threaded cgroup with cpuset.mems=0"

# The VMA policy is the process's (numa_maps: bind:1), the cpuset is each thread's (status of
# the main thread: Mems_allowed_list 0). Moving a thread that is not the leader rebinds no VMA
# policy; here the leader moves before the mapping exists, and the helper that mbinds stays
# under the root's mems 0-1. Both nodes have free pages.
pool 2M 4 4
cg=/sys/fs/cgroup
echo +cpuset > $cg/cgroup.subtree_control
mkdir -p $cg/t
echo threaded > $cg/t/cgroup.type
echo 0 > $cg/t/cpuset.mems
expect "the threaded cgroup has mems 0" "$(cat $cg/t/cgroup.type):$(cat $cg/t/cpuset.mems.effective)" = threaded:0
hold a --kind anon-private --pages 2 --vma-policy bind:1 --main-thread-cgroup $cg/t
expect "a's mmap and mbind succeed (in the helper, mems 0-1)" "$(field a mmap):$(field a mbind)" = ok:ok
expect "a's main thread has Mems_allowed_list 0" "$(sed -n 's/^Mems_allowed_list:[[:space:]]*//p' /proc/$(pid_of a)/status)" = 0
expect "a has one thread left" "$(ls /proc/$(pid_of a)/task | wc -l)" = 1
ask a info > "$OUT/holders/a.info"
expect "a's VMA keeps bind:1 (numa_maps)" "$(kv "$OUT/holders/a.info" numa_maps_policy)" = bind:1

observe
touch_pages a
settle

if kernel_at_least 6 7; then
    expect "from 6.7 the bind mask outside the task's mems is ignored: both pages on node 0" \
        "$(field a failed):$(field a nodes)" = 0:0:2
    note "$(uname -r): VMA bind:1, task mems 0 (node 1 has 4 free): the bind mask is ignored (policy_nodemask), both pages on node 0"
else
    expect "before 6.7 the bind mask is kept: no node is both bound and allowed, both pages SIGBUS" \
        "$(field a failed_pages)" = 0,1
    expect "node 1's 4 free pages stay free" "$(pool_value 2M 1 free_hugepages)" = 4
    note "$(uname -r): VMA bind:1, task mems 0 (node 1 has 4 free): both pages SIGBUS (bind mask kept, cpuset forbids node 1)"
fi
vm_end
