# Scenario library for the guest (busybox sh), sourced by Tests/vm/scenarios/*.sh as /vm/lib.sh.
#
# A scenario sets the pools, starts holders (vmhold), lets hugectl look (snapshot and reports,
# before any page is touched), then touches the pages and records what the kernel really did.
# Everything goes to /out, which Tests/vm/vm-test brings back to the host:
#   /out/outcome.json     the observed outcome (the fixture's ground truth), by /vm/outcome.awk
#   /out/snapshot.tar     `hugectl snapshot --tar`, taken before the touch
#   /out/reports/*        what hugectl said then (hugectl_reports below)
#   /out/holders/*        the raw reply lines of every holder
#   /out/pools/*          the pool counters at each step, as the kernel's files say
# It prints one `ok - ...` or `not ok - ...` line per expectation and exits 1 if any failed.
#
#   . /vm/lib.sh
#   vm_begin NAME "what it shows"
#   pool 2M 8 0                      per-node nr_hugepages (node 0, node 1, ...)
#   hold a --kind anon-private --pages 4 --vma-policy bind:1
#   observe                          pools + snapshot + reports, nothing touched yet
#   touch_pages a
#   settle                           pools after the touches
#   expect "a's touch fails" "$(field a failed)" = 4
#   vm_end

OUT=/out
HOLDERS=
TOUCHED=
EXPECT_OK=0
EXPECT_FAILED=0
SCENARIO=
TITLE=
SKIPPED=
REPORTS=

# What hugectl is asked about each scenario, before the touch: FILE COMMAND... per line. Each
# report's stdout, stderr and exit status are kept (none of them fails the scenario); a new
# command is one more line here.
hugectl_reports() {
    report status.json status --json
    report status.txt status
    report procs.txt procs -v
    report check.json check --json
    report check.txt check
}

vm_begin() {
    SCENARIO=$1 TITLE=$2
    mkdir -p "$OUT/holders" "$OUT/pools" "$OUT/reports" /tmp/vm-h
    echo "# $SCENARIO: $TITLE (kernel $(uname -r), nodes $(cat /sys/devices/system/node/online))"
}

# note TEXT: a line for the outcome's "notes" (what the kernel did, for docs/vm-scenarios.md).
note() {
    echo "note: $*"
    printf '%s\n' "$*" >> "$OUT/notes.txt"
}

size_kb() {
    case $1 in
    2M|2048) echo 2048 ;;
    1G|1048576) echo 1048576 ;;
    *) echo "$1" ;;
    esac
}
hdir() {
    case $1 in 2M) echo /sys/kernel/mm/hugepages/hugepages-2048kB ;; 1G) echo /sys/kernel/mm/hugepages/hugepages-1048576kB ;;
    *) echo "/sys/kernel/mm/hugepages/hugepages-$(size_kb "$1")kB" ;; esac
}
ndir() {
    case $1 in 2M) echo "/sys/devices/system/node/node$2/hugepages/hugepages-2048kB" ;;
    1G) echo "/sys/devices/system/node/node$2/hugepages/hugepages-1048576kB" ;;
    *) echo "/sys/devices/system/node/node$2/hugepages/hugepages-$(size_kb "$1")kB" ;; esac
}
ONLINE_NODES=$(awk -F, '{ for (i = 1; i <= NF; i++) { n = split($i, r, "-"); a = r[1]; b = (n > 1) ? r[2] : r[1];
               for (j = a; j <= b; j++) printf "%d ", j } }' /sys/devices/system/node/online)
online_nodes() { echo $ONLINE_NODES; }

# pool SIZE N0 [N1 ...]: sets every node's persistent pool (overcommit 0), and expects the
# kernel to give what was asked. try_pool does the same without the expectation; both return 1
# when the kernel fell short.
pool() {
    POOL_EXPECT=1 try_pool "$@"
}
try_pool() {
    local size=$1 node=0 want got short=0
    shift
    echo 0 > "$(hdir "$size")/nr_overcommit_hugepages" 2>/dev/null
    for node in $(online_nodes); do echo 0 > "$(ndir "$size" "$node")/nr_hugepages"; done
    node=0
    for want in "$@"; do
        echo "$want" > "$(ndir "$size" "$node")/nr_hugepages"
        got=$(cat "$(ndir "$size" "$node")/nr_hugepages")
        if [ "$got" != "$want" ]; then
            echo "pool $size node $node: asked $want, got $got"
            [ "${POOL_EXPECT:-0}" = 1 ] && expect "pool $size node $node has the $want pages asked" "$got" = "$want"
            short=1
        fi
        node=$((node + 1))
    done
    return $short
}

# overcommit SIZE N: nr_overcommit_hugepages; prints the write's error and returns 1 if refused.
overcommit() {
    echo "$2" > "$(hdir "$1")/nr_overcommit_hugepages"
}

# hugetlbfs_mount DIR OPTIONS: one more hugetlbfs mount (pagesize=2M,size=8M,min_size=...).
hugetlbfs_mount() {
    mkdir -p "$1"
    mount -t hugetlbfs -o "$2" none "$1"
    expect "hugetlbfs mounts on $1 with $2" "$?" = 0
}

# interleave_beside_bind POLICY: holder a maps 4 private pages under the VMA policy POLICY (an
# interleave over nodes 0-1), holder b 2 pages under the task policy bind:0; hugectl looks,
# then a and b touch every page. Expects both mmaps to work and b's 2 pages on node 0; the
# scenario says where a's went (26, 29: interleaved pages beside a bound task).
interleave_beside_bind() {
    hold a --kind anon-private --pages 4 --vma-policy "$1"
    hold b --kind anon-private --pages 2 --task-policy bind:0
    expect "a's mmap and mbind succeed" "$(field a mmap):$(field a mbind)" = ok:ok
    expect "b's mmap succeeds" "$(field b mmap)" = ok
    observe
    touch_pages a
    touch_pages b
    settle
    expect "b gets its 2 pages on node 0" "$(field b failed):$(field b nodes)" = 0:0:2
}

# hold NAME [vmhold options...]: starts a holder and waits for its ready line. With
# HOLD_CGROUP=DIR it starts inside that cgroup (before it maps anything).
hold() {
    local name=$1 dir=/tmp/vm-h/$1 line
    shift
    mkdir -p "$dir"
    mkfifo "$dir/in" "$dir/out"
    if [ -n "${HOLD_CGROUP:-}" ]; then
        sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' sh "$HOLD_CGROUP" \
            vmhold --name "$name" --ctl "$dir" "$@" 2>>"$OUT/holders/$name.stderr" &
    else
        vmhold --name "$name" --ctl "$dir" "$@" 2>>"$OUT/holders/$name.stderr" &
    fi
    local tries=0
    until read -r line 2>/dev/null < "$dir/out"; do
        tries=$((tries + 1))
        [ $tries -lt 50 ] || { line="error no ready line"; break; }
    done
    echo "$line" > "$OUT/holders/$name.ready"
    printf '%s\n' "$*" > "$OUT/holders/$name.args"
    echo "hold $name: $line"
    case $line in
    ready*) HOLDERS="$HOLDERS $name" ;;
    *) expect "holder $name starts" "$line" = "ready ..."; return 1 ;;
    esac
}

# ask NAME COMMAND: one command to a holder; prints its reply line. Opening the reply FIFO
# blocks until the holder writes; a SIGCHLD (another holder exiting) can interrupt that open,
# and then it is simply opened again.
ask() {
    local dir=/tmp/vm-h/$1 line tries=0
    echo "$2" > "$dir/in"
    until read -r line 2>/dev/null < "$dir/out"; do
        tries=$((tries + 1))
        [ $tries -lt 50 ] || { echo "error no reply from $1"; return 1; }
    done
    echo "$line"
}

# touch_pages NAME: writes every page of the holder's mapping; keeps the reply.
touch_pages() {
    local line
    line=$(ask "$1" touch)
    echo "$line" > "$OUT/holders/$1.touch"
    TOUCHED="$TOUCHED $1"
    echo "touch $1: $line"
}

# (Shell builtins only from here on where it is cheap to do so: under TCG every fork+exec of a
# helper costs tens of milliseconds, and a scenario asks hundreds of these questions.)

# kv FILE KEY: the value of KEY=... in the first line of FILE; status 1 when absent.
kv() {
    local line
    [ -f "$1" ] && read -r line < "$1" || return 1
    case " $line " in
    *" $2="*) line=${line##* $2=}; printf '%s\n' "${line%% *}" ;;
    *) return 1 ;;
    esac
}

# field NAME KEY: a key's value from the holder's last touch reply, else its ready line.
field() { kv "$OUT/holders/$1.touch" "$2" || kv "$OUT/holders/$1.ready" "$2"; }
ready_field() { kv "$OUT/holders/$1.ready" "$2"; }
pid_of() { ready_field "$1" pid; }

# pool_value SIZE NODE|global FILE
pool_value() {
    local v
    if [ "$2" = global ]; then read -r v < "$(hdir "$1")/$3"; else read -r v < "$(ndir "$1" "$2")/$3"; fi
    printf '%s\n' "$v"
}

# record_pools LABEL: every pool's counters as JSON in $OUT/pools/LABEL.json, and one line each
# on stdout.
record_pools() {
    local label=$1 first=1 d kb node nfirst nd t f r su oc line json=
    for d in /sys/kernel/mm/hugepages/hugepages-*kB; do
        kb=${d##*hugepages-}; kb=${kb%kB}
        read -r t < $d/nr_hugepages; read -r f < $d/free_hugepages; read -r r < $d/resv_hugepages
        read -r su < $d/surplus_hugepages; read -r oc < $d/nr_overcommit_hugepages
        [ $first = 1 ] || json="$json,"
        first=0
        json="$json
      {\"page_size_kb\": $kb, \"total\": $t, \"free\": $f, \"reserved\": $r, \"surplus\": $su, \"overcommit\": $oc, \"nodes\": ["
        line=$(printf '  %7skB total=%s free=%s resv=%s surp=%s overcommit=%s |' "$kb" "$t" "$f" "$r" "$su" "$oc")
        nfirst=1
        for node in $ONLINE_NODES; do
            nd=/sys/devices/system/node/node$node/hugepages/hugepages-${kb}kB
            [ -d "$nd" ] || continue
            read -r t < $nd/nr_hugepages; read -r f < $nd/free_hugepages; read -r su < $nd/surplus_hugepages
            [ $nfirst = 1 ] || json="$json, "
            nfirst=0
            json="$json{\"node\": $node, \"total\": $t, \"free\": $f, \"surplus\": $su}"
            line="$line N$node $t/$f/$su"
        done
        json="$json]}"
        echo "pools $label: $line"
    done
    printf '[%s\n    ]' "$json" > "$OUT/pools/$label.json"
}

# report FILE ARGS...: runs hugectl ARGS, keeps stdout in /out/reports/FILE, and its exit
# status and stderr next to it.
report() {
    local file=$1 rc
    shift
    hugectl "$@" > "$OUT/reports/$file" 2> "$OUT/reports/$file.stderr"
    rc=$?
    echo "$rc" > "$OUT/reports/$file.exit"
    echo "hugectl $*: exit $rc"
    REPORTS="$REPORTS $file"
}

# admit ARGS...: what `hugectl admit ARGS` predicts before the change it is asked about (after
# observe, before hold_new or the pool change): /out/reports/admit.json (--json) and admit.txt,
# with their exit status. vm-test judges admit.json, instead of check.json, against the touches.
admit() {
    printf '%s\n' "$*" > "$OUT/admit.args"
    report admit.json admit "$@" --json
    report admit.txt admit "$@"
}

# hold_new NAME [vmhold options...]: a holder that is one of the mappings admit was asked about,
# in the order of admit's SIZE=N arguments; started after observe (the snapshot predates it).
hold_new() {
    echo "$1" >> "$OUT/admitted.txt"
    hold "$@"
}

# observe: the moment hugectl looks. Pools, every holder's cpuset nodes, the snapshot, the
# reports; nothing has been touched yet.
observe() {
    local name pid rc
    record_pools at_snapshot
    for name in $HOLDERS; do
        pid=$(pid_of "$name")
        sed -n 's/^Mems_allowed_list:[[:space:]]*//p' "/proc/$pid/status" > "$OUT/holders/$name.mems"
    done
    hugectl snapshot --tar /tmp/snapshot.tar > /dev/null 2> "$OUT/reports/snapshot.stderr"
    rc=$?
    echo "hugectl snapshot: exit $rc"
    expect "hugectl snapshot succeeds" "$rc" = 0
    [ -f /tmp/snapshot.tar ] && mv /tmp/snapshot.tar "$OUT/snapshot.tar"
    REPORTS=
    hugectl_reports
}

# settle: the pools after the touches.
settle() { record_pools after_touch; }

# expect DESCRIPTION ACTUAL OP EXPECTED   (OP as test(1): = != -eq -ne -gt -ge -lt -le)
expect() {
    local desc=$1 actual=$2 op=$3 want=$4 ok=1
    if [ "$op" = = ] || [ "$op" = != ]; then
        [ "$actual" "$op" "$want" ] || ok=0
    else
        [ -n "$actual" ] && [ "$actual" "$op" "$want" ] 2>/dev/null || ok=0
    fi
    printf '%s\t%s\n' "$ok" "$desc" >> "$OUT/expectations.txt"
    if [ $ok = 1 ]; then
        EXPECT_OK=$((EXPECT_OK + 1))
        echo "ok - $desc"
    else
        EXPECT_FAILED=$((EXPECT_FAILED + 1))
        echo "not ok - $desc (got '$actual', want $op '$want')"
    fi
}

# owed NAME N: the reserved-but-unfaulted pages hugectl should put on this holder's mapping at
# the snapshot, when it is not simply pages - prefaulted (say, a second mapper of a shared file).
owed() { echo "$2" > "$OUT/holders/$1.owed"; }

# vm_end: writes /out/outcome.json (Tests/vm/guest/outcome.awk), stops the holders, and exits 0
# when every expectation held (77 after vm_skip).
vm_end() {
    local n
    [ -f "$OUT/pools/after_touch.json" ] || record_pools after_touch > /dev/null
    touch "$OUT/notes.txt" "$OUT/expectations.txt"
    awk -v dir="$OUT" -v scenario="$SCENARIO" -v title="$TITLE" -v kernel="$(uname -r)" \
        -v skipped="$SKIPPED" -v cpus="$(nproc)" \
        -v mem_total_kb="$(sed -n 's/^MemTotal:[[:space:]]*\([0-9]*\).*/\1/p' /proc/meminfo)" \
        -v online="$(cat /sys/devices/system/node/online)" -v holders="$HOLDERS" -v touched="$TOUCHED" \
        -v reports="$REPORTS" -v snapshot="$( [ -f "$OUT/snapshot.tar" ] && echo 1)" \
        -f /vm/outcome.awk > "$OUT/outcome.json"
    for n in $HOLDERS; do echo exit > "/tmp/vm-h/$n/in"; done
    wait
    if [ -n "$SKIPPED" ]; then
        echo "# $SCENARIO: skipped: $SKIPPED"
        exit 77
    fi
    echo "# $SCENARIO: $EXPECT_OK expectations held, $EXPECT_FAILED failed"
    [ "$EXPECT_FAILED" = 0 ]
    exit $?
}

# vm_skip REASON: the guest cannot run this scenario; ends it with status 77, which vm-test
# reports as a skip with the reason (outcome.json records it too).
vm_skip() {
    SKIPPED=$1
    vm_end
}

# kernel_at_least MAJOR MINOR: status 0 when the guest's kernel is that version or later.
kernel_at_least() {
    local r=$(uname -r) major minor
    major=${r%%.*}; r=${r#*.}; minor=${r%%[!0-9]*}
    [ "$major" -gt "$1" ] || { [ "$major" -eq "$1" ] && [ "${minor:-0}" -ge "$2" ]; }
}
