# title: admit says a 6-page mmap bound to node 1 (task policy) is refused with ENOMEM by allowed_mems_nr, node 1 having 4 free pages, although the pool has 6 free unreserved; the real mmap gets ENOMEM
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 40-admit-mmap-refused "admit predicts an ENOMEM from the mmap-time node check (allowed_mems_nr)"

pool 2M 4 4
hold a --kind anon-private --pages 2 --task-policy bind:0
expect "a's mmap succeeds" "$(field a mmap)" = ok

observe
admit 2M=6@bind:1
expect "admit exits 1 (refused)" "$(cat /out/reports/admit.json.exit)" = 1
expect "admit names allowed_mems_nr" "$(grep -c 'allowed_mems_nr' /out/reports/admit.txt)" -ge 1
hold_new n --kind anon-private --pages 6 --task-policy bind:1
expect "n's mmap fails with ENOMEM" "$(field n mmap)" = ENOMEM
touch_pages a
settle

expect "a gets its 2 pages" "$(field a ok)" = 2
note "pool 4+4, a bind:0 reserves 2 (6 free unreserved); a task bound to node 1 maps 6: $(field n mmap) (allowed_mems_nr counts node 1's 4 free pages)"
vm_end
