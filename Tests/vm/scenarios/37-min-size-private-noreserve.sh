# title: MAP_NORESERVE faults of a private mapping on a min_size= mount still need free - reserved headroom (up to 6.13)
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 37-min-size-private-noreserve "a min_size=8M mount reserves the pool's 4 pages (free - reserved = 0); a MAP_NORESERVE private mapping of a file of 2 pages on it"

pool 2M 4 0
hugetlbfs_mount /mnt/min pagesize=2M,min_size=8M
expect "the mount reserves the 4 pages at mount time" "$(pool_value 2M global resv_hugepages)" = 4
hold p --kind file-private --path /mnt/min/p --pages 2 --noreserve
expect "the mmap reserves nothing" "$(field p mmap):$(pool_value 2M global resv_hugepages)" = ok:4

observe
touch_pages p
settle

expect "both private NORESERVE faults SIGBUS although the mount holds a reserve" "$(field p failed)" = 2
expect "the mount's reserve is untouched" \
    "$(pool_value 2M global free_hugepages):$(pool_value 2M global resv_hugepages)" = 4:4
note "min_size reserve, private NORESERVE mapping of a file on the mount: the subpool gives its reserve (gbl_chg 0), but vma_has_reserves is false for a private VMA, so free - resv = 0 refuses both faults: SIGBUS x2"
vm_end
