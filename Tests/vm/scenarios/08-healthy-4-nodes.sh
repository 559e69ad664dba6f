# title: a healthy 4-node layout with mixed users (every mapping kind, several policies and mode flags): no failures
# vm: --nodes 4 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 08-healthy-4-nodes "4 nodes with 8 free pages each, eight users of every kind and several policies"

pool 2M 8 8 8 8
hold db --kind file-shared --path /dev/hugepages/db --pages 4 --prefault 1 --task-policy bind:0-1
hold cache --kind anon-shared --pages 2
hold shm --kind sysv --pages 2 --vma-policy preferred:3
hold buf --kind memfd-shared --pages 4 --vma-policy interleave:0-3
hold work --kind anon-private --pages 3 --task-policy bind=static:2
hold scratch --kind memfd-private --pages 2 --vma-policy preferred_many=relative:2-3
hold tmp --kind file-private --path /dev/hugepages/tmp --pages 2 --noreserve
hold pinned --kind anon-private --pages 2 --vma-policy bind:3 --cpu 1
for h in $HOLDERS; do expect "$h: mmap succeeds" "$(field $h mmap)" = ok; done
expect "Rsvd is 18 (db 3 + cache 2 + shm 2 + buf 4 + work 3 + scratch 2 + pinned 2; tmp has none)" \
    "$(pool_value 2M global resv_hugepages)" = 18

observe
for h in $HOLDERS; do touch_pages "$h"; done
settle

failed=0
for h in $HOLDERS; do failed=$((failed + $(field $h failed))); done
expect "no page fails" "$failed" = 0
expect "db's pages stay on nodes 0-1" "$(field db nodes | tr ',' '\n' | cut -d: -f1 | grep -cv '^[01]$')" = 0
expect "work's pages are on node 2" "$(field work nodes)" = 2:3
expect "pinned's pages are on node 3" "$(field pinned nodes)" = 3:2
expect "buf interleaves one page per node" "$(field buf nodes)" = 0:1,1:1,2:1,3:1
expect "nothing stays reserved" "$(pool_value 2M global resv_hugepages)" = 0
for h in $HOLDERS; do note "$h ($(field $h policy)): placed $(field $h nodes), failed $(field $h failed)"; done
vm_end
