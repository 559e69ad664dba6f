# title: a task bound to node 1 reserves 6 pages there, 8 free on each node; hugectl pool set 2M 1:2 is refused although the global counters allow it (10 pages left for 6 reserved), and forced it makes exactly the 4 faults it predicted fail with SIGBUS
# vm: --nodes 2 --mem 256 --cpus 2
. /vm/lib.sh
vm_begin 12-shrink-refused-owed-pages "pool refuses a shrink that takes a node's owed pages; --force makes the predicted SIGBUS"

pool 2M 8 8
hold a --kind anon-private --pages 6 --task-policy bind:1
expect "a's mmap succeeds (8 free on node 1)" "$(field a mmap)" = ok

hugectl pool set 2M 1:2 > /tmp/refused.txt 2>&1
expect "shrinking node 1 to 2 is refused" "$?" = 1
expect "the refusal names node 1, the 4 owed pages and the finding" \
    "$(grep -c "node 1: 4 owed 2M pages could not be served .*(reserve-policy-shortfall)" /tmp/refused.txt)" = 1
expect "nothing is written" "$(pool_value 2M 1 nr_hugepages)" = 8
hugectl pool set 2M 1:2 --force > /tmp/forced.txt 2>&1
expect "forced, it is made" "$?" = 0
expect "forced, it says what it goes on against" "$(grep -c '^hugectl: --force: going on although' /tmp/forced.txt)" = 1
expect "node 1 has 2 pages" "$(pool_value 2M 1 nr_hugepages)" = 2

observe
touch_pages a
settle

expect "a gets 2 pages" "$(field a ok)" = 2
expect "a's other 4 pages fail with SIGBUS" "$(field a failed_pages)" = 2,3,4,5
expect "the 4 failed pages stay reserved" "$(pool_value 2M global resv_hugepages)" = 4
note "pool 8+8, a bind:1 reserves 6 (none touched); pool set 2M 1:2 refused (reserve-policy-shortfall, 4 pages on node 1) though global free 16 - 6 >= reserved; --force: node 1 freed to 2; touches: 2 ok, 4 SIGBUS"
vm_end
