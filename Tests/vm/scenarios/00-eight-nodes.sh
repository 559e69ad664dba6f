# title: the harness boots 8 nodes; hugectl sees all of them; an interleaved mapping spreads over them
# vm: --nodes 8 --mem 192 --cpus 2
. /vm/lib.sh
vm_begin 00-eight-nodes "8 nodes, one free page each; a mapping interleaved over all of them"

expect "8 nodes online" "$(cat /sys/devices/system/node/online)" = 0-7
pool 2M 1 1 1 1 1 1 1 1
hold spread --kind anon-private --pages 8 --vma-policy interleave:0-7
expect "the mmap succeeds" "$(field spread mmap)" = ok

observe
expect "hugectl status --json lists 8 nodes" "$(grep -c '"distances": ' $OUT/reports/status.json)" = 8
touch_pages spread
settle

expect "no page fails" "$(field spread failed)" = 0
expect "one page on each node" "$(field spread nodes)" = 0:1,1:1,2:1,3:1,4:1,5:1,6:1,7:1
note "interleave:0-7 over 8 nodes with 1 free page each: $(field spread nodes)"
vm_end
