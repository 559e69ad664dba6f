# title: a hugetlb limit on a parent cgroup applies to its children: two children reserve 2 pages each under a parent max of 3: exactly 1 SIGBUS in any order
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 32-cgroup-parent-limit "two tasks in two child cgroups (no limit of their own) of a parent with hugetlb.2MB.max = 3 pages reserve 2 pages each, 8 free on each node"

pool 2M 8 8
cg=/sys/fs/cgroup
echo +hugetlb > $cg/cgroup.subtree_control
mkdir -p $cg/parent
echo +hugetlb > $cg/parent/cgroup.subtree_control
mkdir -p $cg/parent/a $cg/parent/b
echo $((3 * 2097152)) > $cg/parent/hugetlb.2MB.max
expect "the parent's hugetlb.2MB.max is 3 pages" "$(cat $cg/parent/hugetlb.2MB.max)" = 6291456
expect "child a has no limit of its own" "$(cat $cg/parent/a/hugetlb.2MB.max)" = max

HOLD_CGROUP=$cg/parent/a hold a --kind anon-private --pages 2
HOLD_CGROUP=$cg/parent/b hold b --kind file-shared --path /dev/hugepages/b --pages 2
expect "both mmaps succeed" "$(field a mmap):$(field b mmap)" = ok:ok

observe
touch_pages a
touch_pages b
settle

expect "3 pages are had, 1 SIGBUS in all" "$(( $(field a ok) + $(field b ok) )):$(( $(field a failed) + $(field b failed) ))" = 3:1
expect "the parent's usage is 3 pages" "$(cat $cg/parent/hugetlb.2MB.current)" = 6291456
note "parent max 3 pages, children a (private) and b (shared file) reserve 2 each: a $(field a ok) ok/$(field a failed) failed, b $(field b ok) ok/$(field b failed) failed (the page counter charges every ancestor)"
vm_end
