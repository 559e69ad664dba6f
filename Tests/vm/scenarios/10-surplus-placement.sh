# title: where surplus pages gathered at mmap land (overcommit only, empty pools), and the stranded surplus a bound VMA leaves behind
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 10-surplus-placement "empty pools, overcommit 8: surplus gathered at mmap for a task bound to node 0 running on node 1's CPU, and for a default-policy mapping bound to node 1 afterwards"

pool 2M 0 0
overcommit 2M 8
# x runs on CPU 1 (node 1) under a task policy bound to node 0.
hold x --kind anon-private --pages 2 --task-policy bind:0 --cpu 1
note "task bind:0 on CPU 1, empty pools, overcommit 8: mmap $(field x mmap); surplus after it: node0 $(pool_value 2M 0 surplus_hugepages), node1 $(pool_value 2M 1 surplus_hugepages)"
case $(uname -r) in
6.1.*) expect "6.1 gathers the surplus on the CPU's node (1), so the bind:0 check finds none free: ENOMEM" "$(field x mmap)" = ENOMEM ;;
*) expect "since 6.11 the surplus is gathered on the bind nodes: the mmap succeeds, node 0 has 2 surplus" \
       "$(field x mmap):$(pool_value 2M 0 surplus_hugepages)" = ok:2 ;;
esac
# w reserves under the default policy on CPU 1 (node 1) and keeps that policy.
s0=$(pool_value 2M 0 surplus_hugepages) s1=$(pool_value 2M 1 surplus_hugepages)
hold w --kind anon-private --pages 2 --cpu 1
w0=$(( $(pool_value 2M 0 surplus_hugepages) - s0 )) w1=$(( $(pool_value 2M 1 surplus_hugepages) - s1 ))
note "default policy on CPU 1, mmap 2: surplus gathered at mmap on node0 $w0, node1 $w1"
case $(uname -r) in
6.1.*) expect "6.1 gathers a default-policy task's surplus on its CPU's node (1)" "$(field w mmap):$w0:$w1" = ok:0:2 ;;
*) expect "since 6.11 the surplus is gathered node by node over the cpuset's nodes: node 0 first" "$(field w mmap):$w0:$w1" = ok:2:0 ;;
esac
s0=$(pool_value 2M 0 surplus_hugepages)
# z reserves under the default policy on CPU 0, then binds its VMA to node 1.
hold z --kind anon-private --pages 2 --cpu 0 --vma-policy bind:1
note "default policy on CPU 0, mmap 2 then mbind bind:1: surplus gathered at mmap on node0 $(( $(pool_value 2M 0 surplus_hugepages) - s0 )), node1 $(pool_value 2M 1 surplus_hugepages)"
expect "z's mmap succeeds, its 2 surplus pages gathered on node 0" "$(field z mmap):$(( $(pool_value 2M 0 surplus_hugepages) - s0 ))" = ok:2

observe
for h in $HOLDERS; do touch_pages $h; done
settle

expect "no page fails" "$(($(field x failed) + $(field w failed) + $(field z failed)))" = 0
expect "z's pages are on node 1 (fresh surplus there)" "$(field z nodes)" = 1:2
expect "nothing stays reserved" "$(pool_value 2M global resv_hugepages)" = 0
# The persistent pool is empty, so every free page is a surplus page.
expect "stranded: node 0 keeps 2 free surplus pages nobody reserved (Surp > 0 while Free > Rsvd)" \
    "$(pool_value 2M 0 free_hugepages):$(pool_value 2M global resv_hugepages):$(pool_value 2M global nr_hugepages)" \
    = "2:0:$(pool_value 2M global surplus_hugepages)"
note "after the touches: global total $(pool_value 2M global nr_hugepages) free $(pool_value 2M global free_hugepages) resv $(pool_value 2M global resv_hugepages) surp $(pool_value 2M global surplus_hugepages); node0 free $(pool_value 2M 0 free_hugepages) surp $(pool_value 2M 0 surplus_hugepages); node1 free $(pool_value 2M 1 free_hugepages) surp $(pool_value 2M 1 surplus_hugepages)"
vm_end
