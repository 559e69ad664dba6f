# title: a shared file mapped by tasks in two cgroups, one with max = 1 page: its pages are charged to whichever task faults first, so failures depend on the order (at risk, not certain)
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 33-cgroup-shared-across-groups "a shared 2-page file mapped by a task in a cgroup with hugetlb.2MB.max = 1 page and by a task in a cgroup without a limit; the limited one faults first"

pool 2M 8 8
cg=/sys/fs/cgroup
echo +hugetlb > $cg/cgroup.subtree_control
mkdir -p $cg/tight $cg/open
echo 2097152 > $cg/tight/hugetlb.2MB.max

HOLD_CGROUP=$cg/tight hold tight --kind file-shared --path /dev/hugepages/s --pages 2
HOLD_CGROUP=$cg/open hold open --kind file-shared --path /dev/hugepages/s --pages 2
expect "both mmaps succeed, 2 pages reserved for the file" "$(field tight mmap):$(field open mmap):$(pool_value 2M global resv_hugepages)" = ok:ok:2
owed open 0

observe
touch_pages tight
touch_pages open
settle

expect "the limited task gets 1 page and SIGBUS on the other" "$(field tight ok):$(field tight failed)" = 1:1
expect "the other task then faults the second page in its own cgroup" "$(field open failed)" = 0
expect "the limited cgroup is charged 1 page, the other 1" "$(cat $cg/tight/hugetlb.2MB.current):$(cat $cg/open/hugetlb.2MB.current)" = 2097152:2097152
note "shared file, mappers in /tight (max 1 page) and /open: tight faulting first got $(field tight ok), $(field tight failed) SIGBUS; open then faulted the rest ($(field open failed) failed): each page is charged to the cgroup of the task that faults it first"
vm_end
