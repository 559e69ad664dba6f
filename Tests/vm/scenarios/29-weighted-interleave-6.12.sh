# title: weighted interleave with node weights 1 and 3 (sysfs) and a task bound to node 0 that fit in every fault order: no warning (6.12)
# prediction: exact
# vm: --nodes 2 --mem 256 --cpus 2
# kernels: linux-image-6.12-amd64
. /vm/lib.sh
vm_begin 29-weighted-interleave-6.12 "weighted_interleave:0-1 with weights node0=1 node1=3 over 4 pages (1 + 3) and a task bound to node 0 owed 2; node 0 has 3 free, node 1 has 3"

wi=/sys/kernel/mm/mempolicy/weighted_interleave
[ -f $wi/node1 ] || vm_skip "no $wi (weighted interleave is new in 6.9; kernel $(uname -r))"
echo 1 > $wi/node0
echo 3 > $wi/node1
expect "the weights read back 1 and 3" "$(cat $wi/node0):$(cat $wi/node1)" = 1:3

# Indexes 0..3 over a period of 1 + 3: index 0 on node 0, 1-3 on node 1. Node 1's 3 pages are
# wanted only by them, so none falls back onto node 0, which holds the other and the bound 2.
# Plain interleave would put 2 on node 0, and then some order would leave the bound task short.
pool 2M 3 3
interleave_beside_bind weighted_interleave:0-1
expect "a gets 1 page on node 0 and 3 on node 1, as the weights say" "$(field a failed):$(field a nodes)" = 0:0:1,1:3
note "$(uname -r): weighted_interleave:0-1, weights 1 and 3, 4 pages: N0=1 N1=3 (index mod 4: 0 -> node 0, 1-3 -> node 1); with bind:0 owed 2 and node0 3 node1 3 free nothing fails"
vm_end
