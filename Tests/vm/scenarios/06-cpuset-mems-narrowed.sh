# title: a task moved into a cpuset whose cpuset.mems lacks free pages after it reserved: SIGBUS beyond that node's free pages
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 06-cpuset-mems-narrowed "a task reserves 4 pages, then moves into a cpuset with mems=1 (node 1 has 2 free, node 0 has 8)"

pool 2M 8 2
cg=/sys/fs/cgroup
echo +cpuset > $cg/cgroup.subtree_control
mkdir -p $cg/narrow
echo 1 > $cg/narrow/cpuset.mems
expect "cpuset.mems of the child cgroup is 1" "$(cat $cg/narrow/cpuset.mems.effective)" = 1

hold a --kind anon-private --pages 4
expect "a's mmap succeeds (mems 0-1 when it reserved)" "$(field a mmap)" = ok
echo "$(pid_of a)" > $cg/narrow/cgroup.procs
expect "a now has Mems_allowed_list 1" "$(sed -n 's/^Mems_allowed_list:[[:space:]]*//p' /proc/$(pid_of a)/status)" = 1

# b starts inside the cpuset: the reservation check counts only node 1's free pages.
HOLD_CGROUP=$cg/narrow hold b --kind anon-private --pages 3
expect "b's mmap of 3 pages inside mems=1 fails (2 free on node 1)" "$(field b mmap)" = ENOMEM

observe
touch_pages a
settle

expect "a gets 2 pages, on node 1" "$(field a ok):$(field a nodes)" = 2:1:2
expect "a's pages 2 and 3 fail with SIGBUS" "$(field a failed_pages)" = 2,3
expect "node 0 keeps its 8 free pages" "$(pool_value 2M 0 free_hugepages)" = 8
note "reserved 4 with mems 0-1, moved to cpuset mems=1 (node1 2 free): 2 ok on N1, 2 SIGBUS; no fallback to node0 (8 free)"
note "mmap of 3 inside cpuset mems=1 with 2 free on node1: $(field b mmap) (the reservation check counts cpuset mems)"
vm_end
