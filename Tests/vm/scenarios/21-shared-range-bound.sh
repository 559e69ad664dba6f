# title: one shared mapping of 4 pages, pages 2-3 mbind'ed to node 1 (1 free): exactly 1 SIGBUS in any order
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 21-shared-range-bound "one anonymous shared mapping of 4 pages on CPU 0; mbind(bind:1) on pages 2-3 only; node 0 has 3 free, node 1 has 1"

pool 2M 3 1
hold s --kind anon-shared --pages 4 --cpu 0 --vma-policy-range 2:4:bind:1
expect "mmap reserves 4 pages (4 free)" "$(field s mmap):$(pool_value 2M global resv_hugepages)" = ok:4
expect "mbind on pages 2-3 succeeds" "$(field s range_mbind)" = ok
expect "pages 0-1 keep the default policy" "$(field s policy)" = default

observe
touch_pages s
settle

expect "page 3 fails: page 2 took node 1's only page" "$(field s failed_pages)" = 3
expect "pages 0-1 landed on node 0 (1 free left there)" "$(pool_value 2M 0 free_hugepages)" = 1
expect "node 1 has none left; pages 0-1 on node 0, page 2 on node 1" "$(pool_value 2M 1 free_hugepages):$(field s nodes)" = 0:0:2,1:1
expect "the failed page stays reserved" "$(pool_value 2M global resv_hugepages)" = 1
note "vma_policy per VMA: mbind on pages 2-3 of one shared mapping splits the VMA; each page faults under the VMA covering it: pages 0-1 default (N0), page 2 bind:1 takes N1's page, page 3 SIGBUS with 1 free page left on N0"
vm_end
