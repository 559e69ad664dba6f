# title: admit --pools 2M=0:8,1:2 says shrinking node 1 to 2 pages makes 4 pages of a task bound to node 1 fail (the global counters allow it); the pool is changed and the kernel agrees
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 43-admit-pool-change-breaks-bound "admit predicts what a pool change breaks"

pool 2M 8 8
hold a --kind anon-private --pages 6 --task-policy bind:1
observe
admit --pools 2M=0:8,1:2
expect "admit exits 1 (a finding created)" "$(cat /out/reports/admit.json.exit)" = 1
expect "admit names a's PID" "$(grep -c "created error reserve-policy-shortfall 2M node 1: 4 pages, pids $(pid_of a)\$" /out/reports/admit.txt)" = 1
echo 2 > "$(ndir 2M 1)/nr_hugepages"
expect "node 1 has 2 pages" "$(pool_value 2M 1 nr_hugepages)" = 2
touch_pages a
settle

expect "a gets 2 pages" "$(field a ok)" = 2
expect "a's other 4 pages fail with SIGBUS" "$(field a failed_pages)" = 2,3,4,5
note "pool 8+8, a bind:1 owes 6; node 1 shrunk to 2: a $(field a ok) ok, $(field a failed) SIGBUS"
vm_end
