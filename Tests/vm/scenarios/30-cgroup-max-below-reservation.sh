# title: a task in a hugetlb cgroup with max = 2 pages reserves 4 (mmap succeeds) and touches them: 2 SIGBUS with a reservation and a free pool
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 30-cgroup-max-below-reservation "a task in a cgroup with hugetlb.2MB.max = 2 pages reserves 4 private pages, 8 free on each node"

pool 2M 8 8
cg=/sys/fs/cgroup
echo +hugetlb > $cg/cgroup.subtree_control
mkdir -p $cg/small
echo $((2 * 2097152)) > $cg/small/hugetlb.2MB.max
expect "hugetlb.2MB.max of the cgroup is 2 pages" "$(cat $cg/small/hugetlb.2MB.max)" = 4194304
expect "its rsvd.max is unset" "$(cat $cg/small/hugetlb.2MB.rsvd.max)" != 4194304

HOLD_CGROUP=$cg/small hold a --kind anon-private --pages 4
expect "a's mmap of 4 pages succeeds (max is charged at fault, not at mmap)" "$(field a mmap)" = ok
expect "Rsvd is 4" "$(pool_value 2M global resv_hugepages)" = 4

observe
touch_pages a
settle

expect "a gets 2 pages and SIGBUS on 2" "$(field a ok):$(field a failed)" = 2:2
expect "the pool still has free pages after the failures" "$(pool_value 2M global free_hugepages)" -ge 14
expect "the failed pages stay reserved" "$(pool_value 2M global resv_hugepages)" = 2
note "cgroup hugetlb.2MB.max = 2 pages, 4 reserved at mmap: $(field a ok) ok, $(field a failed) SIGBUS with $(pool_value 2M global free_hugepages) free and $(pool_value 2M global resv_hugepages) still reserved"
note "events: $(tr '\n' ' ' < $cg/small/hugetlb.2MB.events)"
vm_end
