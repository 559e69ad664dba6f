# title: a fork child's copy-on-write pages of a private file mapping are refused beyond the mount's size= limit
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 38-mount-size-limit-fork-child "a size=6M mount (3 pages): a private mapping of 2 pages of a file on it, written, then forked; the child writes both pages; the pool has 8 free"

pool 2M 8 0
hugetlbfs_mount /mnt/lim pagesize=2M,size=6M
hold c --kind file-private --path /mnt/lim/c --pages 2 --prefault 2 --fork
expect "the parent's mmap reserved its 2 pages and its writes consumed them" \
    "$(field c mmap):$(field c prefaulted):$(pool_value 2M global resv_hugepages):$(pool_value 2M global free_hugepages)" = ok:2:0:6
owed c 0

observe
touch_pages c
settle

expect "the child's first copy fits in the limit (3 of 3 used), its second copy SIGBUS" "$(field c failed_pages)" = 1
expect "the pool still has 5 free, unreserved pages" \
    "$(pool_value 2M global free_hugepages):$(pool_value 2M global resv_hugepages)" = 5:0
note "size=6M (3 pages), a private file mapping of 2 pages written by its owner (2 used), then forked: the child's copy-on-write of page 0 takes the third page of the limit, its copy of page 1 is refused by the subpool (the child's VMA has no reservation map, so every copy asks it): SIGBUS with 5 free unreserved pages in the pool"
vm_end
