# Writes a scenario's outcome.json (see docs/vm-scenarios.md) from the files lib.sh left in
# DIR (/out): holders/NAME.{ready,touch,args,mems,owed}, pools/*.json, reports/*.exit,
# notes.txt, expectations.txt. One awk process for it all: under TCG every fork counts.
#
#   awk -v dir=/out -v scenario=.. -v title=.. -v kernel=.. -v skipped=.. -v cpus=N \
#       -v mem_total_kb=N -v online=0-1 -v holders="a b" -v touched="a b" -v reports="f g" \
#       -f outcome.awk
# (busybox awk: no gawk extensions)

function esc(s) {
    gsub(/\\/, "\\\\", s)
    gsub(/"/, "\\\"", s)
    gsub(/\t/, "\\t", s)
    return s
}

function first_line(path,    line) {
    line = ""
    if ((getline line < path) <= 0) line = ""
    close(path)
    return line
}

function whole(path,    line, out, n) {
    out = ""
    n = 0
    while ((getline line < path) > 0) out = out (n++ ? "\n" : "") line
    close(path)
    return out
}

# kv(line, map): map[key] = value for every key=value word of line
function kv(line, map,    n, i, words, eq) {
    split("", map)
    n = split(line, words, " ")
    for (i = 1; i <= n; i++) {
        eq = index(words[i], "=")
        if (eq > 1) map[substr(words[i], 1, eq - 1)] = substr(words[i], eq + 1)
    }
}

# "0-1,3" -> [0, 1, 3]; "" or "-" -> []
function nodes_json(text,    out, m, i, parts, r, n, a, b, j) {
    out = ""
    if (text != "" && text != "-") {
        m = split(text, parts, ",")
        for (i = 1; i <= m; i++) {
            n = split(parts[i], r, "-")
            a = r[1] + 0
            b = (n > 1) ? r[2] + 0 : a
            for (j = a; j <= b; j++) out = out (out == "" ? "" : ", ") j
        }
    }
    return "[" out "]"
}

# "0:2,1:1" -> {"0": 2, "1": 1}; "-" -> {}
function counts_json(text,    out, m, i, parts, pair) {
    out = ""
    if (text != "" && text != "-") {
        m = split(text, parts, ",")
        for (i = 1; i <= m; i++) {
            split(parts[i], pair, ":")
            out = out (out == "" ? "" : ", ") "\"" pair[1] "\": " pair[2]
        }
    }
    return "{" out "}"
}

# "bind=static|relative:0-1" -> {"mode": "bind", "nodes": [0, 1], "flags": ["static", "relative"]}
function policy_json(text,    mode, nodes, flags, c, fl, n, i, parts) {
    if (text == "" || text == "-") return "null"
    nodes = ""
    c = index(text, ":")
    if (c) { nodes = substr(text, c + 1); text = substr(text, 1, c - 1) }
    flags = ""
    c = index(text, "=")
    if (c) { flags = substr(text, c + 1); text = substr(text, 1, c - 1) }
    fl = ""
    if (flags != "") {
        n = split(flags, parts, "|")
        for (i = 1; i <= n; i++) fl = fl (i > 1 ? ", " : "") "\"" parts[i] "\""
    }
    return "{\"mode\": \"" text "\", \"nodes\": " nodes_json(nodes) ", \"flags\": [" fl "]}"
}

function str_or_null(v) { return (v == "" || v == "none" || v == "-") ? "null" : "\"" esc(v) "\"" }
function bool(v) { return (v == "1" || v == "true") ? "true" : "false" }
function json_kind(k) { if (k == "sysv") return "sysv_shm"; gsub(/-/, "_", k); return k }

function words_json(text,    n, i, w, out) {
    n = split(text, w, " ")
    out = ""
    for (i = 1; i <= n; i++) out = out (i > 1 ? ", " : "") "\"" esc(w[i]) "\""
    return "[" out "]"
}

function lines_json(path, indent,    line, out, n) {
    out = ""
    n = 0
    while ((getline line < path) > 0) {
        if (line == "") continue
        out = out (n++ ? "," : "") "\n" indent "\"" esc(line) "\""
    }
    close(path)
    return "[" out (n ? "\n  " : "") "]"
}

function expectations_json(path,    line, out, n, tab) {
    out = ""
    n = 0
    while ((getline line < path) > 0) {
        tab = index(line, "\t")
        if (!tab) continue
        out = out (n++ ? "," : "") "\n    {\"expectation\": \"" esc(substr(line, tab + 1)) "\", \"passed\": " \
              (substr(line, 1, tab - 1) == "1" ? "true" : "false") "}"
    }
    close(path)
    return "[" out (n ? "\n  " : "") "]"
}

BEGIN {
    H = dir "/holders/"
    # The holders that are mappings `admit` was asked about (hold_new), started after the snapshot.
    while ((getline line < (dir "/admitted.txt")) > 0) ADMITTED[line] = 1
    close(dir "/admitted.txt")
    n_holders = split(holders, names, " ")
    t_holders = t_mmap_failed = t_pages = t_touched = t_failed = t_sigbus = 0
    out = ""
    for (i = 1; i <= n_holders; i++) {
        name = names[i]
        kv(first_line(H name ".ready"), R)
        touch_line = first_line(H name ".touch")
        has_touch = touch_line != ""
        kv(touch_line, T)
        mmap_ok = R["mmap"] == "ok"
        owed_text = first_line(H name ".owed")
        if (owed_text != "") owed = owed_text + 0
        else if (mmap_ok && R["noreserve"] == "0") owed = R["pages"] - R["prefaulted"]
        else owed = 0
        ok = has_touch ? T["ok"] + 0 : 0
        failed = has_touch ? T["failed"] + 0 : 0
        t_holders++
        if (!mmap_ok) t_mmap_failed++
        else t_pages += R["pages"]
        t_touched += ok
        t_failed += failed
        if (has_touch && T["sigbus"] == "1") t_sigbus++

        h = "    {\n"
        h = h "      \"name\": \"" esc(name) "\",\n"
        h = h "      \"pid\": " (R["pid"] + 0) ",\n"
        h = h "      \"kind\": \"" json_kind(R["kind"]) "\",\n"
        h = h "      \"page_size_kb\": " (R["page_size_kb"] + 0) ",\n"
        h = h "      \"pages\": " (R["pages"] + 0) ",\n"
        h = h "      \"noreserve\": " bool(R["noreserve"]) ",\n"
        h = h "      \"args\": \"" esc(first_line(H name ".args")) "\",\n"
        h = h "      \"mmap\": \"" esc(R["mmap"]) "\",\n"
        h = h "      \"admitted\": " (name in ADMITTED ? "true" : "false") ",\n"
        h = h "      \"set_mempolicy\": " str_or_null(R["task_policy_set"]) ",\n"
        h = h "      \"mbind\": " str_or_null(R["mbind"]) ",\n"
        h = h "      \"prefaulted\": " (R["prefaulted"] + 0) ",\n"
        h = h "      \"task_policy\": " policy_json(R["task_policy"]) ",\n"
        h = h "      \"vma_policy\": " policy_json(R["vma_policy"]) ",\n"
        h = h "      \"policy\": " (mmap_ok ? policy_json(R["policy"]) : "null") ",\n"
        h = h "      \"mems_allowed\": " nodes_json(first_line(H name ".mems")) ",\n"
        h = h "      \"reserved_pending\": " owed ",\n"
        h = h "      \"touched\": " ok ",\n"
        h = h "      \"failed\": " failed ",\n"
        h = h "      \"failed_pages\": " (has_touch ? nodes_json(T["failed_pages"]) : "[]") ",\n"
        h = h "      \"sigbus\": " (has_touch ? bool(T["sigbus"]) : "false") ",\n"
        h = h "      \"node_pages\": " (has_touch ? counts_json(T["nodes"]) : "{}") "\n"
        h = h "    }"
        out = out (i > 1 ? ",\n" : "\n") h
    }

    n_online = split(substr(nodes_json(online), 2, length(nodes_json(online)) - 2), junk, ",")
    if (nodes_json(online) == "[]") n_online = 0
    rep = ""
    n_rep = split(reports, rnames, " ")
    for (i = 1; i <= n_rep; i++)
        rep = rep (i > 1 ? ", " : "") "{\"file\": \"" esc(rnames[i]) "\", \"exit\": " \
              (first_line(dir "/reports/" rnames[i] ".exit") + 0) "}"
    at_snapshot = whole(dir "/pools/at_snapshot.json")
    if (at_snapshot == "") at_snapshot = "[]"

    printf "{\n"
    printf "  \"scenario\": \"%s\",\n", esc(scenario)
    printf "  \"title\": \"%s\",\n", esc(title)
    printf "  \"kernel_release\": \"%s\",\n", esc(kernel)
    printf "  \"skipped\": %s,\n", (skipped == "" ? "null" : "\"" esc(skipped) "\"")
    printf "  \"vm\": {\"nodes\": %d, \"cpus\": %d, \"mem_total_kb\": %d},\n", n_online, cpus, mem_total_kb
    printf "  \"nodes_online\": %s,\n", nodes_json(online)
    printf "  \"snapshot\": %s,\n", (snapshot == "1" ? "\"snapshot.tar.xz\"" : "null")
    printf "  \"hugectl_reports\": [%s],\n", rep
    printf "  \"pools_at_snapshot\": %s,\n", at_snapshot
    printf "  \"pools_after_touch\": %s,\n", whole(dir "/pools/after_touch.json")
    printf "  \"touch_order\": %s,\n", words_json(touched)
    admit_args = first_line(dir "/admit.args")
    printf "  \"admit_args\": %s,\n", (admit_args == "" ? "null" : "\"" esc(admit_args) "\"")
    printf "  \"holders\": [%s\n  ],\n", out
    printf "  \"totals\": {\"holders\": %d, \"mmap_failed\": %d, \"pages_mapped\": %d, \"pages_touched\": %d, \"pages_failed\": %d, \"holders_with_sigbus\": %d},\n", \
        t_holders, t_mmap_failed, t_pages, t_touched, t_failed, t_sigbus
    printf "  \"notes\": %s,\n", lines_json(dir "/notes.txt", "    ")
    printf "  \"expectations\": %s\n", expectations_json(dir "/expectations.txt")
    printf "}\n"
}
