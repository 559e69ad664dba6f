# title: a task in a hugetlb cgroup with rsvd.max = 2 pages maps 4 MAP_NORESERVE pages: the faults charge rsvd, 2 SIGBUS with a free pool
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 31-cgroup-rsvd-refuses-noreserve "a task in a cgroup with hugetlb.2MB.rsvd.max = 2 pages maps 4 MAP_NORESERVE private pages, 8 free on each node"

pool 2M 8 8
cg=/sys/fs/cgroup
echo +hugetlb > $cg/cgroup.subtree_control
mkdir -p $cg/norsv
echo $((2 * 2097152)) > $cg/norsv/hugetlb.2MB.rsvd.max
expect "hugetlb.2MB.rsvd.max of the cgroup is 2 pages" "$(cat $cg/norsv/hugetlb.2MB.rsvd.max)" = 4194304

HOLD_CGROUP=$cg/norsv hold a --kind anon-private --pages 4 --noreserve
expect "a's MAP_NORESERVE mmap of 4 pages succeeds (nothing reserved, nothing charged)" "$(field a mmap)" = ok
expect "rsvd.current is 0 before the touches" "$(cat $cg/norsv/hugetlb.2MB.rsvd.current)" = 0
HOLD_CGROUP=$cg/norsv hold b --kind anon-private --pages 3
expect "b's reserving mmap of 3 pages is refused by rsvd.max (ENOMEM)" "$(field b mmap)" = ENOMEM

observe
touch_pages a
settle

expect "a gets 2 pages and SIGBUS on 2" "$(field a ok):$(field a failed)" = 2:2
expect "rsvd.current is 2 pages after the touches" "$(cat $cg/norsv/hugetlb.2MB.rsvd.current)" = 4194304
expect "the pool still has free pages" "$(pool_value 2M global free_hugepages)" -ge 14
note "cgroup hugetlb.2MB.rsvd.max = 2 pages, 4 NORESERVE pages: $(field a ok) ok, $(field a failed) SIGBUS (rsvd is charged by faults without a reservation); rsvd.current after: $(cat $cg/norsv/hugetlb.2MB.rsvd.current)"
note "a reserving mmap of 3 pages in the same cgroup: $(field b mmap)"
vm_end
