# bash completion for hugectl(8)                           -*- shell-script -*-
#
# Installed as share/bash-completion/completions/hugectl; it also works when
# sourced by hand without bash-completion (with plainer file name handling).

_hugectl()
{
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null 2>&1; then
        # -s: "--color=al" gives prev=--color, cur=al, split=true
        _init_completion -s || return
    else
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=
        ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
        # '=' is in COMP_WORDBREAKS: "--color=al" arrives as "--color" "=" "al".
        if [[ $cur == = ]]; then
            cur= split=true
        elif [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
            prev=${COMP_WORDS[COMP_CWORD - 2]} split=true
        fi
    fi

    local commands='status procs check admit pool plan features snapshot help'
    local global_opts='--root --help --version'
    local output_opts='--json --format --color= --no-headers'
    local view_opts='--output --watch'   # status and procs
    local procs_opts='--verbose --sort'
    local check_opts='--fail-on --expect --require --min-free --max-surplus --ignore'
    local pool_opts='--node --overcommit --dry-run --force --compact --wait --policy-aware --interleave --lock-timeout'
    local plan_opts='--headroom --apply --dry-run --force --lock-timeout'
    local features_opts='--probe --no-grow'
    local admit_opts='--fail-on --shared --private --noreserve --mbind --cpuset --cgroup --mount --as --pools'

    # Find the command and count its operands, skipping options and their
    # arguments as hugectl's own parser does.
    local i word command= operands=0 options_ended=false
    for ((i = 1; i < cword; i++)); do
        word=${words[i]}
        if [[ $options_ended == false ]]; then
            case $word in
                --) options_ended=true; continue ;;
                --root | --format | --tar | --sort | --fail-on | --expect | --require | --min-free | \
                    --max-surplus | --ignore | --output | -o | --watch | --node | --overcommit | --wait | \
                    --interleave | --headroom | --lock-timeout | --cpuset | --cgroup | --mount | --as | --pools)
                    [[ ${words[i + 1]} == = ]] && ((i++))
                    ((i++))
                    continue
                    ;;
                =) ((i++)); continue ;;   # "--opt" "=" "value" without bash-completion
                -?*) continue ;;
            esac
        fi
        if [[ -z $command ]]; then
            command=$word
        else
            ((operands++))
        fi
    done

    # Option arguments.
    case $prev in
        --root)
            _hugectl_files -d
            return
            ;;
        --tar)
            _hugectl_files
            return
            ;;
        --format)
            case ${command:-status} in
                check) COMPREPLY=($(compgen -W 'text json junit tap prometheus' -- "$cur")) ;;
                admit) COMPREPLY=($(compgen -W 'text json tap junit' -- "$cur")) ;;
                status) COMPREPLY=($(compgen -W 'text json prometheus' -- "$cur")) ;;
                *) COMPREPLY=($(compgen -W 'text json' -- "$cur")) ;;
            esac
            return
            ;;
        --output | -o)
            _hugectl_output_columns "${command:-status}"
            return
            ;;
        --node | --interleave | --cpuset)
            _hugectl_nodes
            return
            ;;
        --headroom)
            _hugectl_page_sizes
            COMPREPLY+=($(compgen -W '10%' -- "$cur"))
            return
            ;;
        --mount)
            _hugectl_files -d
            return
            ;;
        --as)
            _hugectl_pids
            return
            ;;
        --pools)
            _hugectl_page_sizes
            return
            ;;
        --cgroup)
            # A cgroup path (/a/b): nothing to offer.
            return
            ;;
        --watch | --overcommit | --wait | --lock-timeout)
            # A number: nothing to offer.
            return
            ;;
        --fail-on)
            COMPREPLY=($(compgen -W 'error warning info' -- "$cur"))
            return
            ;;
        --expect)
            _hugectl_files
            return
            ;;
        --require | --min-free | --max-surplus)
            _hugectl_page_sizes
            return
            ;;
        --ignore)
            _hugectl_finding_ids
            return
            ;;
        --sort)
            _hugectl_sort_columns
            return
            ;;
        --color)
            # Only "--color=WHEN" takes a value; "--color WHEN" does not.
            if [[ $split == true ]]; then
                COMPREPLY=($(compgen -W 'auto always never' -- "$cur"))
                return
            fi
            ;;
    esac
    [[ $split == true ]] && return

    if [[ $cur == -* && $options_ended == false ]]; then
        local opts
        case ${command:-none} in
            none | status) opts="$global_opts $output_opts $view_opts" ;;
            procs) opts="$global_opts $output_opts $view_opts $procs_opts" ;;
            check) opts="$global_opts $output_opts $check_opts" ;;
            admit) opts="$global_opts $output_opts $admit_opts" ;;
            pool) opts="$global_opts $output_opts $pool_opts" ;;
            plan) opts="$global_opts $output_opts $plan_opts" ;;
            features) opts="$global_opts $output_opts $features_opts" ;;
            snapshot) opts="$global_opts --tar --redact" ;;
            *) opts=$global_opts ;;
        esac
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace 2>/dev/null
        return
    fi

    case $command in
        '') COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
        snapshot) ((operands == 0)) && _hugectl_files -d ;;
        procs) _hugectl_pids ;;
        admit) _hugectl_page_sizes ;;   # SIZE=PAGES[@POLICY]
        pool)
            case $operands in
                0) COMPREPLY=($(compgen -W 'set reset' -- "$cur")) ;;
                1) _hugectl_page_sizes plain ;;   # pool set SIZE COUNT, pool reset SIZE
            esac
            ;;
        help) ((operands == 0)) && COMPREPLY=($(compgen -W "$commands" -- "$cur")) ;;
    esac
} &&
    complete -F _hugectl hugectl

# The columns of the table procs prints: more with -v/--verbose anywhere before the word.
_hugectl_procs_columns()
{
    local i
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --) break ;;
            --verbose | -v* | -[!-]*v*)
                echo 'pid name address kind size pages faulted owed flags nodes policy path'
                return
                ;;
        esac
    done
    echo 'pid name size mapped faulted owed nodes policy'
}

# The column names --sort takes (those of the table procs prints: more with -v), and
# -COLUMN for descending order when the word starts with "-".
_hugectl_sort_columns()
{
    local columns
    columns=$(_hugectl_procs_columns)
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -P - -W "$columns" -- "${cur#-}"))
    else
        COMPREPLY=($(compgen -W "$columns" -- "$cur"))
    fi
}

# The finding IDs --ignore takes: FindingCatalog.all in
# Sources/HugectlCore/Analyse/FindingCatalog.swift, in its order (Tests/shell/test-docs
# checks that this list is that one).
_hugectl_finding_ids()
{
    local ids='reserve-policy-shortfall reserve-policy-at-risk overcommit-rescue
        noreserve-exceeds-headroom private-mapping-inherited cgroup-limit-shortfall mount-size-exceeded
        surplus-stranded
        surplus-outside-policy counter-inconsistent reservation-unattributed
        mount-limit-unmet scan-incomplete expectation-unmet
        counter-unreadable surplus-in-use unmapped-files-hold-pages'
    COMPREPLY=($(compgen -W "$ids" -- "$cur"))
}

# The huge page sizes of this kernel as SIZE= (2M=, 1G=), from /sys/kernel/mm/hugepages,
# for --require, --min-free, --max-surplus and --headroom; with "plain", as SIZE (2M, 1G)
# for pool's SIZE operand.
_hugectl_page_sizes()
{
    local dir kb size sizes=() suffix='='
    [[ ${1-} == plain ]] && suffix=
    for dir in /sys/kernel/mm/hugepages/hugepages-*kB; do
        [[ -d $dir ]] || continue
        kb=${dir##*/hugepages-}
        kb=${kb%kB}
        [[ $kb =~ ^[0-9]+$ ]] || continue
        if ((kb % 1048576 == 0)); then
            size=$((kb / 1048576))G
        elif ((kb % 1024 == 0)); then
            size=$((kb / 1024))M
        else
            size=${kb}K
        fi
        sizes+=("$size$suffix")
    done
    COMPREPLY=($(compgen -W "${sizes[*]}" -- "$cur"))
    [[ -n $suffix ]] && compopt -o nospace 2>/dev/null
}

# The NUMA nodes, from /sys/devices/system/node, for --node and --interleave: a comma list,
# so the word's part up to its last comma is kept.
_hugectl_nodes()
{
    local dir nodes=() head=
    for dir in /sys/devices/system/node/node[0-9]*; do
        [[ -d $dir ]] && nodes+=("${dir##*/node}")
    done
    [[ $cur == *,* ]] && head=${cur%,*},
    COMPREPLY=($(compgen -P "$head" -W "${nodes[*]}" -- "${cur##*,}"))
}

# The column names -o/--output takes: those of the pool table for status, of the procs table
# (more with -v) for procs. A comma list, optionally after "+" (add to the default columns):
# the word's part up to its last comma is kept, and no space follows, for the next comma.
_hugectl_output_columns()
{
    local columns head=
    case $1 in
        procs) columns=$(_hugectl_procs_columns) ;;
        *) columns='size total free rsvd surp overcommit inuse mempolicy memory default' ;;
    esac
    if [[ $cur == *,* ]]; then
        head=${cur%,*},
    elif [[ $cur == +* ]]; then
        head=+
    fi
    COMPREPLY=($(compgen -P "$head" -W "$columns" -- "${cur#"$head"}"))
    compopt -o nospace 2>/dev/null
}

# The PIDs of the running processes, from /proc.
_hugectl_pids()
{
    local pids=() dir
    for dir in /proc/[0-9]*; do
        [[ -d $dir ]] && pids+=("${dir#/proc/}")
    done
    COMPREPLY=($(compgen -W "${pids[*]}" -- "$cur"))
}

# Directories (-d) or files: bash-completion's _filedir when loaded, else compgen.
_hugectl_files()
{
    if declare -F _filedir >/dev/null 2>&1; then
        _filedir "$@"
        return
    fi
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    if [[ ${1-} == -d ]]; then
        COMPREPLY=($(compgen -d -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}

# ex: filetype=sh
