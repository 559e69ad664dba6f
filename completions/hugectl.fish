# fish completion for hugectl(8). Installed as share/fish/vendor_completions.d/hugectl.fish.

set -l commands status procs check admit pool plan features snapshot help

# The command hugectl will run: the first word that is neither an option nor an
# option's argument ("status" when there is none yet).
function __hugectl_command
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for word in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $word
            case --root --format --tar --sort --fail-on --expect --require --min-free --max-surplus --ignore \
                --output -o --watch --node --overcommit --wait --interleave --headroom --lock-timeout \
                --cpuset --cgroup --mount --as --pools
                set skip 1
            case '-?*'
            case '*'
                echo $word
                return 0
        end
    end
    return 1
end

# True when hugectl's command is one of the arguments; "none" stands for no command yet.
function __hugectl_command_is
    set -l command (__hugectl_command; or echo none)
    contains -- $command $argv
end

# True when the command line holds the command and $argv[1] more operands.
function __hugectl_operands_are
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    set -l count -1
    for word in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $word
            case --root --format --tar --sort --fail-on --expect --require --min-free --max-surplus --ignore \
                --output -o --watch --node --overcommit --wait --interleave --headroom --lock-timeout \
                --cpuset --cgroup --mount --as --pools
                set skip 1
            case '-?*'
            case '*'
                set count (math $count + 1)
        end
    end
    test $count -eq $argv[1]
end

# The columns of the table procs prints, one a line: more with -v/--verbose on the line.
function __hugectl_procs_columns
    for word in (commandline -opc)
        if test "$word" = --
            break
        end
        if string match -qr -- '^(--verbose|-[^-]*v.*)$' $word
            string split ' ' 'pid name address kind size pages faulted owed flags nodes policy path'
            return
        end
    end
    string split ' ' 'pid name size mapped faulted owed nodes policy'
end

# The columns --sort takes: those of the table procs prints, more with -v; -COLUMN sorts
# in descending order.
function __hugectl_sort_columns
    set -l columns (__hugectl_procs_columns)
    set -l token (commandline -ct)
    if string match -q -- '--sort=*' $token
        set token (string replace -- '--sort=' '' $token)
    end
    if string match -q -- '-*' $token
        printf '%s\n' -$columns
    else
        printf '%s\n' $columns
    end
end

# The huge page sizes of this kernel as SIZE= (2M=, 1G=), from /sys/kernel/mm/hugepages,
# for --require, --min-free, --max-surplus and --headroom; with "plain" as SIZE (2M, 1G),
# for pool's SIZE operand.
function __hugectl_page_sizes
    set -l suffix =
    test "$argv[1]" = plain; and set suffix
    for dir in /sys/kernel/mm/hugepages/hugepages-*kB
        set -l kb (string replace -r '^.*/hugepages-([0-9]+)kB$' '$1' -- $dir)
        string match -qr '^[0-9]+$' -- $kb; or continue
        if test (math "$kb % 1048576") -eq 0
            echo (math "$kb / 1048576")G"$suffix"
        else if test (math "$kb % 1024") -eq 0
            echo (math "$kb / 1024")M"$suffix"
        else
            echo {$kb}K"$suffix"
        end
    end
end

# The part of the current token up to its last comma (after --opt= if there is one), for
# the comma lists of --node, --interleave and -o/--output.
function __hugectl_list_head
    set -l token (string replace -r -- '^--[a-z-]+=' '' (commandline -ct))
    string match -qr -- ',' $token; and string replace -r -- '[^,]*$' '' $token
end

# The NUMA nodes, from /sys/devices/system/node, for --node and --interleave.
function __hugectl_nodes
    set -l head (__hugectl_list_head)
    for dir in /sys/devices/system/node/node*
        set -l node (string replace -r '^.*/node([0-9]+)$' '$1' -- $dir)
        string match -qr '^[0-9]+$' -- $node; and echo "$head"$node
    end
end

# The columns -o/--output takes: the pool table's for status (and no command), the procs
# table's for procs (more with -v); a comma list, "+" first to add to the default columns.
function __hugectl_output_columns
    set -l columns size total free rsvd surp overcommit inuse mempolicy memory default
    if __hugectl_command_is procs
        set columns (__hugectl_procs_columns)
    end
    set -l head (__hugectl_list_head)
    if test -z "$head"; and string match -q -- '+*' (string replace -r -- '^--[a-z-]+=' '' (commandline -ct))
        set head +
    end
    printf '%s\n' "$head"$columns
end

# The PIDs of the running processes, from /proc, with their command names.
function __hugectl_pids
    for dir in /proc/*
        set -l pid (string replace /proc/ '' $dir)
        string match -qr '^[0-9]+$' -- $pid; or continue
        # A process may exit meanwhile: its name is then left out, and so are the warnings.
        set -l comm (string trim -- (cat $dir/comm 2>/dev/null))
        printf '%s\t%s\n' $pid "$comm"
    end
end

complete -c hugectl -f

# Commands.
complete -c hugectl -n '__hugectl_command_is none; and not __fish_prev_arg_in -o' -a status -d 'Show pools, nodes, mounts and a verdict (the default)'
complete -c hugectl -n '__hugectl_command_is none; and not __fish_prev_arg_in -o' -a procs -d 'Show the processes holding hugetlb memory'
complete -c hugectl -n '__hugectl_command_is none; and not __fish_prev_arg_in -o' -a check -d 'Predict failing reservations; exit 1 at --fail-on'
complete -c hugectl -n '__hugectl_command_is none; and not __fish_prev_arg_in -o' -a admit -d 'Would new mappings or a pool change fit; what they break'
complete -c hugectl -n '__hugectl_command_is none; and not __fish_prev_arg_in -o' -a pool -d 'Resize a pool and read back what the kernel gave'
complete -c hugectl -n '__hugectl_command_is none; and not __fish_prev_arg_in -o' -a plan -d 'Size the pools per node so that nothing fails'
complete -c hugectl -n '__hugectl_command_is none; and not __fish_prev_arg_in -o' -a features -d 'What this kernel does with hugetlb memory'
complete -c hugectl -n '__hugectl_command_is none; and not __fish_prev_arg_in -o' -a snapshot -d 'Capture every file hugectl reads, for --root'
complete -c hugectl -n '__hugectl_command_is none; and not __fish_prev_arg_in -o' -a help -d 'Show help for hugectl or for a command'

# Global options.
complete -c hugectl -l root -x -a '(__fish_complete_directories (commandline -ct))' -d 'Read the system under DIR instead of /'
complete -c hugectl -s h -l help -d 'Display help'
complete -c hugectl -s V -l version -d 'Display version'

# Output options: status, procs, check, pool, plan, or no command yet.
complete -c hugectl -n '__hugectl_command_is none status procs check admit pool plan features' -s J -l json -d 'Print the JSON document'
complete -c hugectl -n '__hugectl_command_is none status' -l format -x -a 'text json prometheus' -d 'Output format'
complete -c hugectl -n '__hugectl_command_is procs pool plan features' -l format -x -a 'text json' -d 'Output format'
complete -c hugectl -n '__hugectl_command_is check' -l format -x -a 'text json junit tap prometheus' -d 'Output format'
complete -c hugectl -n '__hugectl_command_is admit' -l format -x -a 'text json tap junit' -d 'Output format'
complete -c hugectl -n '__hugectl_command_is none status procs check admit pool plan features' -l color -f -a 'auto always never' -d 'Colorize output (--color=WHEN)'
complete -c hugectl -n '__hugectl_command_is none status procs check admit pool plan features' -s n -l no-headers -d 'Do not print table headers'
# status and procs (or no command yet): columns and repeating.
complete -c hugectl -n '__hugectl_command_is none status procs' -l output -x -a '(__hugectl_output_columns)' -d 'Choose and order table columns (+COLS: add)'
# -o is not declared as a short option: fish would then read "--sort -owed" as -o plus "wed".
# Its argument, as a word of its own, still completes.
complete -c hugectl -n '__hugectl_command_is none status procs; and __fish_prev_arg_in -o' -x -a '(__hugectl_output_columns)'
complete -c hugectl -n '__hugectl_command_is none status procs' -l watch -x -d 'Repeat every SECONDS'

# procs [PID|NAME...]
complete -c hugectl -n '__hugectl_command_is procs' -s v -l verbose -d 'One row per hugetlb mapping (VMA)'
complete -c hugectl -n '__hugectl_command_is procs' -l sort -x -a '(__hugectl_sort_columns)' -d 'Sort by COLUMN (-COLUMN: descending)'
# fish offers no option argument for a word starting with "-": "--sort -owed" needs its own line.
complete -c hugectl -n '__hugectl_command_is procs; and __fish_prev_arg_in --sort' -x -a '(__hugectl_sort_columns)'
complete -c hugectl -n '__hugectl_command_is procs; and not __fish_prev_arg_in --sort -o' -x -a '(__hugectl_pids)'

# check [--fail-on LEVEL] [EXPECTATIONS]
complete -c hugectl -n '__hugectl_command_is check' -l fail-on -x -a 'error warning info' -d 'Fail on findings at or above LEVEL'
complete -c hugectl -n '__hugectl_command_is check' -l expect -r -F -d 'Read expectations from FILE'
complete -c hugectl -n '__hugectl_command_is check' -l require -x -a '(__hugectl_page_sizes)' -d 'SIZE=N[@NODES]: at least N pages'
complete -c hugectl -n '__hugectl_command_is check' -l min-free -x -a '(__hugectl_page_sizes)' -d 'SIZE=N: at least N free unreserved pages'
complete -c hugectl -n '__hugectl_command_is check' -l max-surplus -x -a '(__hugectl_page_sizes)' -d 'SIZE=N: at most N surplus pages'
# The finding IDs: FindingCatalog.all in Sources/HugectlCore/Analyse/FindingCatalog.swift, in
# its order (Tests/shell/test-docs checks that this list is that one).
complete -c hugectl -n '__hugectl_command_is check' -l ignore -x -d 'Leave out findings with ID[:PID]' -a '
    reserve-policy-shortfall\t"reserved pages that will fail whatever the fault order"
    reserve-policy-at-risk\t"reserved pages that may fail, depending on fault order"
    overcommit-rescue\t"reserved pages only new surplus pages can serve"
    noreserve-exceeds-headroom\t"MAP_NORESERVE pages beyond the free unreserved pages of their nodes"
    private-mapping-inherited\t"copy-on-write pages of fork children beyond free unreserved pages"
    cgroup-limit-shortfall\t"pages a hugetlb cgroup limit will refuse at fault time"
    mount-size-exceeded\t"faults without a reservation beyond a hugetlbfs size= limit"
    surplus-stranded\t"free, unreserved surplus pages that were not returned"
    surplus-outside-policy\t"surplus pages on nodes no owed mapping may use"
    counter-inconsistent\t"pool counters that contradict each other"
    reservation-unattributed\t"reserved pages no holder explains"
    mount-limit-unmet\t"hugetlbfs size= limits the pool cannot meet"
    scan-incomplete\t"processes that could not be read"
    expectation-unmet\t"an expectation not met"
    counter-unreadable\t"a pool counter the verdict depends on could not be read"
    surplus-in-use\t"surplus pages in use that leave the pool when freed"
    unmapped-files-hold-pages\t"hugetlbfs files nobody maps that hold pages"'

# admit SIZE=PAGES[@POLICY]... [--pools SIZE=COUNT]
complete -c hugectl -n '__hugectl_command_is admit' -x -a '(__hugectl_page_sizes)'
complete -c hugectl -n '__hugectl_command_is admit' -l fail-on -x -a 'error warning info' -d 'Fail on new findings at or above LEVEL'
complete -c hugectl -n '__hugectl_command_is admit' -l shared -d 'The mappings are MAP_SHARED'
complete -c hugectl -n '__hugectl_command_is admit' -l private -d 'The mappings are MAP_PRIVATE (the default)'
complete -c hugectl -n '__hugectl_command_is admit' -l noreserve -d 'The mappings are MAP_NORESERVE'
complete -c hugectl -n '__hugectl_command_is admit' -l mbind -d 'The policy is set by mbind after mmap'
complete -c hugectl -n '__hugectl_command_is admit' -l cpuset -x -a '(__hugectl_nodes)' -d 'The mapping task\'s cpuset.mems'
complete -c hugectl -n '__hugectl_command_is admit' -l cgroup -x -d 'The hugetlb cgroup the task charges (/a/b)'
complete -c hugectl -n '__hugectl_command_is admit' -l mount -x -a '(__fish_complete_directories (commandline -ct))' -d 'Map a new file on this hugetlbfs mount'
complete -c hugectl -n '__hugectl_command_is admit' -l as -x -a '(__hugectl_pids)' -d 'Use the cpuset, cgroup and policy of PID'
complete -c hugectl -n '__hugectl_command_is admit' -l pools -x -a '(__hugectl_page_sizes)' -d 'First change a pool (2M=0:8,1:12)'

# pool set SIZE COUNT | pool reset SIZE
complete -c hugectl -n '__hugectl_command_is pool; and __hugectl_operands_are 0' -x -a 'set\t"Set a pool to COUNT pages (16, +16, -8, 0:4,1:8)" reset\t"Empty a pool and its overcommit"'
complete -c hugectl -n '__hugectl_command_is pool; and __hugectl_operands_are 1' -x -a '(__hugectl_page_sizes plain)'
complete -c hugectl -n '__hugectl_command_is pool' -l node -x -a '(__hugectl_nodes)' -d 'Write the per-node pools of NODES'
complete -c hugectl -n '__hugectl_command_is pool' -l overcommit -x -d 'Set nr_overcommit_hugepages to N'
complete -c hugectl -n '__hugectl_command_is pool' -l dry-run -d 'Write nothing; print the writes and the undo command'
complete -c hugectl -n '__hugectl_command_is pool' -l force -d 'Shrink below the pages in use, reserved or owed on a node'
complete -c hugectl -n '__hugectl_command_is pool' -l compact -d 'Compact memory and try again when short'
complete -c hugectl -n '__hugectl_command_is pool' -l wait -x -d 'With --compact: keep trying for SECONDS'
complete -c hugectl -n '__hugectl_command_is pool' -l policy-aware -d 'Write nr_hugepages_mempolicy under --interleave'
complete -c hugectl -n '__hugectl_command_is pool' -l interleave -x -a '(__hugectl_nodes)' -d 'With --policy-aware: spread over NODES'
complete -c hugectl -n '__hugectl_command_is pool' -l lock-timeout -x -d 'Wait at most SECONDS for the pool lock, then exit 3'

# plan [--headroom 10%|SIZE=N] [--apply]
complete -c hugectl -n '__hugectl_command_is plan' -l headroom -x -a '10% (__hugectl_page_sizes)' -d 'P% per node, or N pages of SIZE'
complete -c hugectl -n '__hugectl_command_is plan' -l apply -d 'Apply the plan with pool set (root)'
complete -c hugectl -n '__hugectl_command_is plan' -l dry-run -d 'With --apply: write nothing'
complete -c hugectl -n '__hugectl_command_is plan' -l force -d 'With --apply: passed to pool set'
complete -c hugectl -n '__hugectl_command_is plan' -l lock-timeout -x -d 'With --apply: wait at most SECONDS for the pool lock'

# features [--probe [--no-grow]]
complete -c hugectl -n '__hugectl_command_is features' -l probe -d 'Try userfaultfd, discards and mount options'
complete -c hugectl -n '__hugectl_command_is features' -l no-grow -d 'With --probe: never grow a pool for a probe'

# snapshot [DIR] [--tar FILE]
complete -c hugectl -n '__hugectl_command_is snapshot' -l tar -r -F -d 'Also write a tar archive FILE'
complete -c hugectl -n '__hugectl_command_is snapshot' -l redact -d 'Leave out command lines, file names and the host name'
complete -c hugectl -n '__hugectl_command_is snapshot; and __hugectl_operands_are 0' -x -a '(__fish_complete_directories (commandline -ct))'

# help [COMMAND]
complete -c hugectl -n '__hugectl_command_is help; and __hugectl_operands_are 0' -x -a "$commands"
