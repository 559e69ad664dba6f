# title: an interleaved mapping and a task bound to node 0 that fit in every fault order: no warning
# prediction: exact
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 26-interleave-no-order-fails "interleave:0-1 over 4 pages (2 per node) and a task bound to node 0 owed 2; node 0 has 4 free, node 1 has 2"

# Whatever the order, the interleaved pages start at their own node: node 1's 2 pages are
# wanted only by them, so none falls back onto node 0, which holds its 2 and the bound 2.
pool 2M 4 2
interleave_beside_bind interleave:0-1
expect "a gets 2 pages on each node" "$(field a failed):$(field a nodes)" = 0:0:2,1:2
expect "every page is used" "$(pool_value 2M global free_hugepages)" = 0
note "interleave:0-1 (4 pages, 2 per node) then bind:0 (2 pages), node0 4 node1 2: all 6 served; no order can fail since the interleaved pages never fall back onto node 0"
vm_end
