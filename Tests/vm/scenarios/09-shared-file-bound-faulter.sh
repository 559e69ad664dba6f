# title: a shared hugetlbfs file reserved by a default-policy task, faulted by a task bound to an empty node
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 09-shared-file-bound-faulter "a shared file reserved by a default-policy task (node 0 has 4 free), faulted first by a task bound to node 1 (none free)"

pool 2M 4 0
hold owner --kind file-shared --path /dev/hugepages/shared --pages 2
hold bound --kind file-shared --path /dev/hugepages/shared --pages 2 --task-policy bind:1
expect "the owner's mmap reserves 2 pages" "$(field owner mmap):$(pool_value 2M global resv_hugepages)" = ok:2
expect "the bound task's mmap succeeds and reserves nothing more (the inode's reservation covers it)" \
    "$(field bound mmap):$(pool_value 2M global resv_hugepages)" = ok:2
owed bound 0

observe
touch_pages bound
touch_pages owner
settle

expect "the bound task gets SIGBUS on both pages" "$(field bound failed)" = 2
expect "the owner then faults both pages on node 0" "$(field owner failed):$(field owner nodes)" = 0:0:2
expect "nothing stays reserved" "$(pool_value 2M global resv_hugepages)" = 0
note "shared file reserved under default policy, then faulted by a task bound to node1 (empty): SIGBUS x2 even though the file's reservation exists; the default-policy owner then faults both on N0"
vm_end
