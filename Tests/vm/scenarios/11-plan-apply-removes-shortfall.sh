# title: the seed case again (two tasks bound to node 1, 3 pages each, 4 free there): hugectl check fails, hugectl plan --apply grows node 1's pool, then check passes and every touch succeeds
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 11-plan-apply-removes-shortfall "plan --apply removes a real shortfall"

pool 2M 8 4
hold a --kind anon-private --pages 3 --task-policy bind:1
hold b --kind file-shared --path /dev/hugepages/b --pages 3 --task-policy bind:1
expect "both mmaps succeed" "$(field a mmap),$(field b mmap)" = ok,ok

hugectl check > /tmp/check-before.txt 2>&1
expect "check fails before the plan (2 pages short on node 1)" "$?" = 1
expect "check names the shortfall" "$(grep -c 'reserve-policy-shortfall' /tmp/check-before.txt)" -ge 1
hugectl plan > /tmp/plan.txt 2>&1
expect "the plan grows node 1 to 6 pages" "$(grep -c 'hugectl pool set 2M 0:8,1:6' /tmp/plan.txt)" = 1
hugectl plan --apply > /tmp/apply.txt 2>&1
expect "plan --apply succeeds" "$?" = 0
expect "node 1 now has 6 pages" "$(pool_value 2M 1 nr_hugepages)" = 6
hugectl check > /tmp/check-after.txt 2>&1
expect "check passes after the plan" "$?" = 0

observe
touch_pages a
touch_pages b
settle

expect "a gets its 3 pages" "$(field a ok)" = 3
expect "b gets its 3 pages" "$(field b ok)" = 3
expect "nothing is left reserved" "$(pool_value 2M global resv_hugepages)" = 0
note "plan --apply wrote node1 nr_hugepages=6 (from 4); the 6 owed pages on node 1 were then all served; no SIGBUS"
vm_end
