# title: admit says a shared 4-page mapping interleaved over nodes 0-1 fits next to a task bound to node 0 and breaks nothing (exit 0); every page of both is served
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 44-admit-clean "admit predicts a clean admission"

pool 2M 4 4
hold a --kind anon-private --pages 2 --task-policy bind:0
observe
admit 2M=4@interleave:0-1 --shared
expect "admit exits 0" "$(cat /out/reports/admit.json.exit)" = 0
hold_new n --kind anon-shared --pages 4 --task-policy interleave:0-1
expect "n's mmap succeeds" "$(field n mmap)" = ok
touch_pages n
touch_pages a
settle

expect "n gets its 4 pages" "$(field n ok)" = 4
expect "a gets its 2 pages" "$(field a ok)" = 2
note "pool 4+4, a bind:0 owes 2; n shared interleave:0-1 4 pages: mmap $(field n mmap), $(field n ok) ok ($(field n nodes)); a $(field a ok) ok"
vm_end
