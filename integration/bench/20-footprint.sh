#!/bin/bash
# timeout: 1800
# Footprint of hrun, crun and runc: peak RSS of the runtime process during
# create, run and exec (GNU time's maximum resident set size), the RSS of
# the process that stays with a detached container (hrun-shim; crun and
# runc leave none), binary sizes, and the smallest memory.max under which
# `run /bin/true` still succeeds.
. "${HRUN_LIB:?run this via integration/vm.sh}"
. "$REPO/integration/bench/lib.sh"

N=$(b_pick 5 1)
# memory limits (KiB) tried, doubling, for the smallest one that works
MINMEM_KB=$(b_pick "32 64 128 256 512 1024 2048 4096 8192 16384 32768 65536" \
    "128 256 512 1024 2048 4096 8192 16384 32768 65536")
BISECT=$(b_pick 2 0)

setup() {
    b_setup || return 1
    B_SECCOMP=$(b_seccomp_json) || return 1
    b_template full --resources "$B_RES" --linux-extra "\"seccomp\": $B_SECCOMP" \
        -- /bin/true || return 1
    b_template sleeper --resources "$B_RES" \
        --linux-extra "\"seccomp\": $B_SECCOMP" -- /bin/sleep 1000000 || return 1
    [ -x /usr/bin/time ] || {
        echo "GNU time (/usr/bin/time, Debian package time) is missing" >&2
        return 1
    }
}

# maxrss_kb CMD...: GNU time's maximum resident set size of CMD in KiB
maxrss_kb() {
    local f=$T_TMP/.b-time
    /usr/bin/time -o "$f" -f %M "$@" </dev/null >/dev/null || return 1
    echo "$(<"$f")"
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

emit_rss() { # METRIC RUNTIME SAMPLES...
    local m=$1 r=$2
    shift 2
    b_log "$m $r: $* KiB (median $(median "$@"))"
    b_emit "{\"kind\": \"footprint\", \"metric\": \"$m\", \"runtime\": \"$r\", \"kb\": $(b_json_arr "$@")}"
}

test_rss() {
    local r i s_create s_run s_exec kb
    for r in "${B_RUNTIMES[@]}"; do
        s_create=() s_run=() s_exec=()
        for ((i = 0; i < N; i++)); do
            b_id "rss-$r"
            b_bundle full "$B_ID"
            kb=$(maxrss_kb "${B_BIN[$r]}" --root "/run/bench-$r" create -b "$B_BUNDLE" "$B_ID")
            s_create+=("$kb")
            rt "$r" delete -f "$B_ID" >/dev/null
            b_id "rss-$r"
            b_bundle full "$B_ID"
            kb=$(maxrss_kb "${B_BIN[$r]}" --root "/run/bench-$r" run -b "$B_BUNDLE" "$B_ID")
            s_run+=("$kb")
        done
        b_id "rss-exec-$r"
        b_bundle sleeper "$B_ID"
        rt "$r" run -d -b "$B_BUNDLE" "$B_ID" </dev/null >/dev/null 2>&1
        for ((i = 0; i < N; i++)); do
            kb=$(maxrss_kb "${B_BIN[$r]}" --root "/run/bench-$r" exec "$B_ID" /bin/true)
            s_exec+=("$kb")
        done
        rt "$r" delete -f "$B_ID" >/dev/null
        emit_rss create_peak_rss "$r" "${s_create[@]}"
        emit_rss run_peak_rss "$r" "${s_run[@]}"
        emit_rss exec_peak_rss "$r" "${s_exec[@]}"
    done
}

# the process left beside a detached container: its init's parent, unless
# that is the VM's pid 1 (crun and runc leave no monitor of their own).
# Rss and Pss from smaps_rollup (VmRSS lags: per-thread counters).
test_monitor_rss() {
    local r pid ppid rss pss k v comm
    for r in "${B_RUNTIMES[@]}"; do
        b_id "mon-$r"
        b_bundle sleeper "$B_ID"
        rt "$r" run -d -b "$B_BUNDLE" "$B_ID" </dev/null >/dev/null 2>&1
        pid=$(rt "$r" state "$B_ID" | jq -r .pid)
        ppid=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$pid/status")
        rss=null pss=null comm=none
        if [ "$ppid" -gt 1 ]; then
            comm=$(<"/proc/$ppid/comm")
            while read -r k v _; do
                case $k in Rss:) rss=$v ;; Pss:) pss=$v ;; esac
            done <"/proc/$ppid/smaps_rollup"
        fi
        b_log "monitor of a detached container, $r: $comm rss $rss KiB pss $pss KiB"
        b_emit "{\"kind\": \"monitor\", \"runtime\": \"$r\", \"process\": \"$comm\", \"rss_kb\": $rss, \"pss_kb\": $pss}"
        rt "$r" delete -f "$B_ID" >/dev/null
    done
}

test_sizes() {
    local r b libs l sz lsz static
    for r in "${B_RUNTIMES[@]}" hrun-shim; do
        case $r in
        hrun-shim) b=$(hrun_shim_bin) ;;
        *) b=${B_BIN[$r]} ;;
        esac
        sz=$(stat -c %s "$b")
        # shared libraries other than libc and the loader
        libs= lsz=0
        while read -r l; do
            case ${l##*/} in "" | libc.so* | ld-linux* | linux-vdso*) continue ;; esac
            libs+="${libs:+, }\"${l##*/}\""
            lsz=$((lsz + $(stat -L -c %s "$l")))
        done <<<"$(ldd "$b" 2>/dev/null | awk '$3 ~ /^\// { print $3 }')"
        static=false
        case $(ldd "$b" 2>&1) in *"statically linked"* | *"not a dynamic executable"*) static=true ;; esac
        b_log "size $r: $sz bytes, static $static, libraries (without libc) $lsz bytes: $libs"
        b_emit "{\"kind\": \"size\", \"binary\": \"$r\", \"bytes\": $sz, \"static\": $static, \"lib_bytes\": $lsz, \"libs\": [$libs]}"
    done
}

# try_mem RUNTIME KIB: does `run /bin/true` succeed under memory.max KIB?
try_mem() {
    local r=$1 kb=$2
    b_template "mem$kb" --resources "{\"memory\": {\"limit\": $((kb * 1024))},
        \"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}" \
        --linux-extra "\"seccomp\": $B_SECCOMP" -- /bin/true
    b_id "mem-$r"
    b_bundle "mem$kb" "$B_ID"
    if timeout 300 "${B_BIN[$r]}" --root "/run/bench-$r" run -b "$B_BUNDLE" "$B_ID" \
        </dev/null >/dev/null 2>&1; then
        TRIED+="${TRIED:+, }{\"kb\": $kb, \"ok\": true}"
        return 0
    fi
    rt "$r" delete -f "$B_ID" >/dev/null 2>&1 || true
    TRIED+="${TRIED:+, }{\"kb\": $kb, \"ok\": false}"
    return 1
}

# doubling from 32 KiB to the first limit that works, then two bisection
# steps between it and the last one that failed (25 % resolution); QUICK:
# doubling from 128 KiB only
test_minmem() {
    local r lo hi mid i
    for r in "${B_RUNTIMES[@]}"; do
        TRIED= lo=0 hi=
        for kb in $MINMEM_KB; do
            if try_mem "$r" "$kb"; then
                hi=$kb
                break
            fi
            lo=$kb
        done
        if [ -n "$hi" ] && [ "$lo" -gt 0 ]; then
            for ((i = 0; i < BISECT; i++)); do
                mid=$(((lo + hi) / 2))
                if try_mem "$r" "$mid"; then hi=$mid; else lo=$mid; fi
            done
        fi
        b_log "smallest memory.max for run /bin/true, $r: ${hi:-none} KiB (largest failing: $lo KiB)"
        b_emit "{\"kind\": \"minmem\", \"runtime\": \"$r\", \"kb\": ${hi:-null}, \"fail_kb\": $lo, \"tried\": [$TRIED]}"
    done
}

HRUN_VERBOSE=1
b_setup_or_exit setup
b_test "footprint: peak RSS of create, run, exec" test_rss
b_test "footprint: RSS of the process kept per detached container" test_monitor_rss
b_test "footprint: binary sizes" test_sizes
b_test "footprint: smallest memory limit that still starts" test_minmem
b_delete_all
b_clock_mark end
