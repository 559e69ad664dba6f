# title: MAP_NORESERVE faults of a shared file on a min_size= mount take the mount's own reserve, with no free - reserved headroom
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 36-min-size-noreserve "a min_size=8M mount reserves the pool's 4 pages (free - reserved = 0); a MAP_NORESERVE shared file of 4 pages on it, and an anonymous MAP_NORESERVE page"

pool 2M 4 0
hugetlbfs_mount /mnt/min pagesize=2M,min_size=8M
expect "the mount reserves the 4 pages at mount time" "$(pool_value 2M global resv_hugepages)" = 4
hold n --kind file-shared --path /mnt/min/n --pages 4 --noreserve
hold a --kind anon-private --pages 1 --noreserve
expect "neither mmap reserves anything" "$(field n mmap):$(field a mmap):$(pool_value 2M global resv_hugepages)" = ok:ok:4

observe
touch_pages a
touch_pages n
settle

expect "the anonymous NORESERVE page SIGBUS: free - reserved is 0" "$(field a failed)" = 1
expect "the file's 4 NORESERVE faults all succeed from the mount's reserve" "$(field n failed)" = 0
expect "the mount's reserve is used up" \
    "$(pool_value 2M global free_hugepages):$(pool_value 2M global resv_hugepages)" = 0:0
note "min_size=8M reserves 4 of 4 pages: a NORESERVE shared file's 4 faults are served from the mount's reserve (hugepage_subpool_get_pages returns 0, vma_has_reserves) while an anonymous NORESERVE fault finds free - resv = 0 and SIGBUS"
vm_end
