# title: admit says a second task bound to node 1 (3 pages) is admitted, but node 1's 4 free pages cannot serve both its 3 and the 3 a running task is owed: 2 pages fail, and if the new one faults first they are the running task's; the kernel agrees
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 42-admit-existing-sigbus "admit predicts collateral: the new mapping makes a running task SIGBUS"

pool 2M 8 4
hold a --kind anon-private --pages 3 --task-policy bind:1
observe
admit 2M=3@bind:1
expect "admit exits 1 (a finding created)" "$(cat /out/reports/admit.json.exit)" = 1
expect "admit names a's PID in the collateral" "$(grep -c "created error reserve-policy-shortfall 2M node 1: 2 pages, pids $(pid_of a)\$" /out/reports/admit.txt)" = 1
hold_new n --kind anon-private --pages 3 --task-policy bind:1
expect "n's mmap succeeds" "$(field n mmap)" = ok
touch_pages n
touch_pages a
settle

expect "n gets its 3 pages" "$(field n ok)" = 3
expect "a gets 1 page" "$(field a ok)" = 1
expect "a's pages 1 and 2 fail with SIGBUS" "$(field a failed_pages)" = 1,2
note "pool 8+4, a bind:1 owes 3; admitted n bind:1 3 pages: mmap $(field n mmap); n touches first: $(field n ok) ok; a: $(field a ok) ok, $(field a failed) SIGBUS"
vm_end
