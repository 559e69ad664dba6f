# title: admit says a 4-page mapping bound to node 1 by mbind after mmap (as QEMU's host-nodes) passes mmap (the node check does not see a VMA policy) but 2 of its pages fail, node 1 having 2 free; the kernel agrees
# vm: --nodes 2 --mem 256 --cpus 2
# prediction: exact
. /vm/lib.sh
vm_begin 41-admit-faults-fail "admit predicts an mmap that succeeds and faults that fail (VMA bind policy)"

pool 2M 8 2
hold a --kind anon-private --pages 2 --task-policy bind:0
observe
admit 2M=4@bind:1 --mbind
expect "admit exits 1 (pages certain to fail)" "$(cat /out/reports/admit.json.exit)" = 1
hold_new n --kind anon-private --pages 4 --vma-policy bind:1
expect "n's mmap succeeds" "$(field n mmap)" = ok
touch_pages n
touch_pages a
settle

expect "n gets 2 pages on node 1" "$(field n ok):$(field n nodes)" = 2:1:2
expect "n's pages 2 and 3 fail with SIGBUS" "$(field n failed_pages)" = 2,3
expect "a gets its 2 pages" "$(field a ok)" = 2
note "pool 8+2, mmap of 4 then mbind bind:1: mmap $(field n mmap); touches: $(field n ok) ok, $(field n failed) SIGBUS"
vm_end
