# title: MAP_NORESERVE faults on a hugetlbfs mount with size= are refused beyond the limit, with free unreserved pages in the pool
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 35-mount-size-limit-noreserve "a size=8M mount (4 pages of 2M): a file reserves 1 page, a MAP_NORESERVE file maps 5; the pool has 8 free pages"

pool 2M 8 0
hugetlbfs_mount /mnt/lim pagesize=2M,size=8M
hold r --kind file-shared --path /mnt/lim/r --pages 1
hold n --kind file-shared --path /mnt/lim/n --pages 5 --noreserve
expect "r's mmap reserves 1 page (it counts in the subpool), n's mmap reserves nothing" \
    "$(field r mmap):$(field n mmap):$(pool_value 2M global resv_hugepages)" = ok:ok:1

observe
touch_pages n
touch_pages r
settle

expect "n's first 3 pages fit beside r's reserved page; pages 3 and 4 SIGBUS" "$(field n failed_pages)" = 3,4
expect "r faults its reserved page" "$(field r failed)" = 0
expect "the pool still has 4 free, unreserved pages" \
    "$(pool_value 2M global free_hugepages):$(pool_value 2M global resv_hugepages)" = 4:0
note "size=8M (4 pages) with 1 page reserved by another file: a NORESERVE shared mapping of 5 pages gets 3, its last 2 faults SIGBUS (hugepage_subpool_get_pages refuses) while 4 free unreserved pages stay in the pool"
vm_end
