#!/bin/bash
# timeout: 3600
# Enforcement fidelity of hrun, crun and runc: the same limit set through
# config.json, the same load, requested vs measured.
#   cpu.max     0.25 / 0.5 / 1.5 CPUs, 2 busy threads; usage from cpu.stat
#   cpu.weight  shares 512 vs 1024, one busy thread each, both on CPU 0
#   memory.max  16M / 64M, allocate + touch until killed: memory.peak,
#               oom_kill, and (hrun, runc) kill -> `events` oom latency
#   pids.max    16 / 64, fork until EAGAIN: tasks reached
#   io.max      wbps/rbps 2 and 8 MiB/s (64 KiB blocks), wiops/riops 200
#               (4 KiB blocks), O_DIRECT on the VM's virtio-blk /dev/vda, after
#               1 s of warm-up (the throttle's first slice)
. "${HRUN_LIB:?run this via integration/vm.sh}"
. "$REPO/integration/bench/lib.sh"

SECS=${HRUN_BENCH_SECONDS:-$(b_pick 5 2)}
CPUS=($(b_pick "0.25 0.5 1.5" "0.5"))
MEMS=($(b_pick "16 64" "16"))
PIDS=($(b_pick "16 64" "16"))
# what rate block_size
IOS=($(b_pick "wbps:2 wbps:8 rbps:2 rbps:8 wiops:200 riops:200" "wbps:8 riops:200"))
PERIOD=100000
DENY='{"allow": false, "access": "rwm"}'

setup() {
    b_setup || return 1
    B_SECCOMP=$(b_seccomp_json) || return 1
    local c n
    for c in "${CPUS[@]}"; do
        n=$(awk -v c="$c" 'BEGIN { printf "%d", c * '$PERIOD' }')
        b_template "cpu$c" --resources "{\"cpu\": {\"quota\": $n, \"period\": $PERIOD},
            \"devices\": [$DENY]}" --linux-extra "\"seccomp\": $B_SECCOMP" \
            -- /bin/benchload spin 2 || return 1
    done
    for n in 512 1024; do
        b_template "shares$n" --resources "{\"cpu\": {\"shares\": $n, \"cpus\": \"0\"},
            \"devices\": [$DENY]}" --linux-extra "\"seccomp\": $B_SECCOMP" \
            -- /bin/benchload spin 1 || return 1
    done
    for n in "${MEMS[@]}"; do
        b_template "mem$n" --resources "{\"memory\": {\"limit\": $((n << 20))},
            \"devices\": [$DENY]}" --linux-extra "\"seccomp\": $B_SECCOMP" \
            -- /bin/benchload alloc 1024 || return 1
    done
    for n in "${PIDS[@]}"; do
        b_template "pids$n" --resources "{\"pids\": {\"limit\": $n},
            \"devices\": [$DENY]}" --linux-extra "\"seccomp\": $B_SECCOMP" \
            -- /bin/benchload forks || return 1
    done
    [ -b "$T_DISK" ] || {
        echo "no scratch disk $T_DISK" >&2
        return 1
    }
    DMAJ=$((16#$(stat -c %t "$T_DISK"))) DMIN=$((16#$(stat -c %T "$T_DISK")))
    local spec what rate key bs dir val
    for spec in "${IOS[@]}"; do
        what=${spec%%:*} rate=${spec#*:}
        case $what in
        wbps) key=throttleWriteBpsDevice bs=65536 dir=write val=$((rate << 20)) ;;
        rbps) key=throttleReadBpsDevice bs=65536 dir=read val=$((rate << 20)) ;;
        wiops) key=throttleWriteIOPSDevice bs=4096 dir=write val=$rate ;;
        riops) key=throttleReadIOPSDevice bs=4096 dir=read val=$rate ;;
        esac
        b_template "io-$what-$rate" --resources "{\"blockIO\": {\"$key\":
            [{\"major\": $DMAJ, \"minor\": $DMIN, \"rate\": $val}]},
            \"devices\": [$DENY, {\"allow\": true, \"type\": \"b\", \"major\": $DMAJ,
            \"minor\": $DMIN, \"access\": \"rw\"}]}" \
            --linux-extra "\"seccomp\": $B_SECCOMP, \"devices\": [{\"path\": \"$T_DISK\",
            \"type\": \"b\", \"major\": $DMAJ, \"minor\": $DMIN, \"fileMode\": 432,
            \"uid\": 0, \"gid\": 0}]" \
            -- /bin/benchload dio "$dir" "$T_DISK" "$bs" "$SECS" 1 || return 1
    done
}

# usage RUNTIME_ID...: "usage_usec" of each container's cpu.stat, then now
usage_now() {
    local id
    for id in "$@"; do echo -n "$(b_cg_get "$id" cpu.stat usage_usec) "; done
    b_now
}

test_cpu_max() {
    local c r u0 u1 t0 t1 cpu thr cgmax
    for c in "${CPUS[@]}"; do
        for r in "${B_RUNTIMES[@]}"; do
            b_id "cpu-$r"
            b_bundle "cpu$c" "$B_ID"
            rt "$r" run -d -b "$B_BUNDLE" "$B_ID" </dev/null >/dev/null 2>&1
            b_sleep 1 # both threads running, the first period over
            read -r u0 t0 <<<"$(usage_now "$B_ID")"
            b_sleep "$SECS"
            read -r u1 t1 <<<"$(usage_now "$B_ID")"
            thr=$(b_cg_get "$B_ID" cpu.stat nr_throttled)
            cgmax=$(<"$(b_cgdir "$B_ID")/cpu.max")
            rt "$r" delete -f "$B_ID" >/dev/null
            cpu=$(awk -v u=$((u1 - u0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.4f", u / t }')
            b_log "cpu.max $c CPUs ($cgmax), $r: measured $cpu CPUs (throttled $thr periods)"
            b_emit "{\"kind\": \"cpu_max\", \"runtime\": \"$r\", \"requested\": $c, \"cpu_max\": \"$cgmax\", \"measured\": $cpu, \"nr_throttled\": $thr}"
        done
    done
}

test_cpu_weight() {
    local r a b ua0 ub0 ua1 ub1 t0 t1 wa wb ratio
    for r in "${B_RUNTIMES[@]}"; do
        b_id "w512-$r"
        a=$B_ID
        b_bundle shares512 "$a"
        b_id "w1024-$r"
        b=$B_ID
        b_bundle shares1024 "$b"
        rt "$r" run -d -b "$B_DIR/bundles/$a" "$a" </dev/null >/dev/null 2>&1
        rt "$r" run -d -b "$B_DIR/bundles/$b" "$b" </dev/null >/dev/null 2>&1
        b_sleep 1
        read -r ua0 ub0 t0 <<<"$(usage_now "$a" "$b")"
        b_sleep "$SECS"
        read -r ua1 ub1 t1 <<<"$(usage_now "$a" "$b")"
        wa=$(<"$(b_cgdir "$a")/cpu.weight") wb=$(<"$(b_cgdir "$b")/cpu.weight")
        rt "$r" delete -f "$a" >/dev/null
        rt "$r" delete -f "$b" >/dev/null
        ratio=$(awk -v a=$((ua1 - ua0)) -v b=$((ub1 - ub0)) 'BEGIN { printf "%.4f", a ? b / a : 0 }')
        b_log "cpu.weight shares 1024 vs 512, $r: weights $wb/$wa, usage ratio $ratio"
        b_emit "{\"kind\": \"cpu_weight\", \"runtime\": \"$r\", \"shares\": [512, 1024], \"weights\": [$wa, $wb], \"usage_us\": [$((ua1 - ua0)), $((ub1 - ub0))], \"requested\": 2, \"measured\": $ratio}"
    done
}

# stamp: prefix each line of stdin with the wall clock in microseconds
stamp() {
    local l
    while IFS= read -r l; do printf '%s %s\n' "${EPOCHREALTIME/./}" "$l"; done
}

test_memory() {
    local m r out ev evpid peak kills max last first lat
    for m in "${MEMS[@]}"; do
        for r in "${B_RUNTIMES[@]}"; do
            b_id "mem-$r"
            b_bundle "mem$m" "$B_ID"
            out=$T_TMP/mem-$B_ID.out ev=$T_TMP/mem-$B_ID.ev
            rt "$r" create -b "$B_BUNDLE" "$B_ID" </dev/null >"$out" 2>&1
            evpid=
            case $r in
            hrun | runc)
                rt "$r" events "$B_ID" 2>/dev/null | stamp >"$ev" &
                evpid=$!
                b_sleep 1.5 # the events reader has read the initial oom count
                ;;
            esac
            rt "$r" start "$B_ID"
            b_wait_exit "$B_ID" 120 || t_fail "$r: memory $m M: still running"
            [ -z "$evpid" ] || b_sleep 1
            peak=$(<"$(b_cgdir "$B_ID")/memory.peak")
            max=$(<"$(b_cgdir "$B_ID")/memory.max")
            kills=$(b_cg_get "$B_ID" memory.events oom_kill)
            [ -z "$evpid" ] || kill "$evpid" 2>/dev/null || true
            rt "$r" delete -f "$B_ID" >/dev/null
            # the last allocation step the program reported, the first oom event
            last=$(awk 'NF == 2 { t = $1 } END { print t ? t : 0 }' "$out")
            lat=null
            if [ -n "$evpid" ]; then
                first=$(awk '/"type": *"oom"/ { print $1; exit }' "$ev")
                [ -n "$first" ] && [ "$last" -gt 0 ] && lat=$(((first - last) / 1000))
            fi
            b_log "memory.max ${m}M, $r: max $max peak $peak oom_kill $kills, oom event after ${lat} ms"
            b_emit "{\"kind\": \"memory\", \"runtime\": \"$r\", \"limit\": $((m << 20)), \"memory_max\": $max, \"peak\": $peak, \"oom_kill\": $kills, \"event_ms\": $lat}"
        done
    done
}

test_pids() {
    local p r out tasks
    for p in "${PIDS[@]}"; do
        for r in "${B_RUNTIMES[@]}"; do
            b_id "pids-$r"
            b_bundle "pids$p" "$B_ID"
            out=$(timeout 600 "${B_BIN[$r]}" --root "/run/bench-$r" run -b "$B_BUNDLE" "$B_ID" </dev/null 2>&1)
            tasks=$(awk '$1 == "forks" { print $6 }' <<<"$out")
            b_log "pids.max $p, $r: $out"
            [ -n "$tasks" ] || {
                t_fail "$r: no result from benchload forks: $out"
                tasks=null
            }
            b_emit "{\"kind\": \"pids\", \"runtime\": \"$r\", \"limit\": $p, \"tasks\": $tasks, \"output\": $(json_str "$out")}"
        done
    done
}

# rate of "bytes B ops N usec U": bytes/s for *bps, ops/s for *iops
io_rate() {
    awk -v w="$1" '$1 == "bytes" { printf "%.1f", (w ~ /iops/ ? $4 : $2) * 1e6 / $6 }' <<<"$2"
}

test_io_baseline() {
    local d bs out
    for d in write read; do
        for bs in $(b_pick "65536 4096" "$([ $d = write ] && echo 65536 || echo 4096)"); do
            out=$("$B_DIR/rootfs/bin/benchload" dio "$d" "$T_DISK" "$bs" "$SECS")
            b_log "io unthrottled $d ${bs}B blocks: $out"
            b_emit "{\"kind\": \"io_baseline\", \"dir\": \"$d\", \"bs\": $bs, \"bytes_per_s\": $(io_rate bps "$out"), \"ops_per_s\": $(io_rate iops "$out")}"
        done
    done
}

test_io() {
    local spec what rate r out m req
    for spec in "${IOS[@]}"; do
        what=${spec%%:*} rate=${spec#*:}
        case $what in *bps) req=$((rate << 20)) ;; *) req=$rate ;; esac
        for r in "${B_RUNTIMES[@]}"; do
            b_id "io-$r"
            b_bundle "io-$what-$rate" "$B_ID"
            out=$(timeout 600 "${B_BIN[$r]}" --root "/run/bench-$r" run -b "$B_BUNDLE" "$B_ID" </dev/null 2>&1)
            m=$(io_rate "$what" "$out")
            b_log "io.max $what $rate, $r: $out -> $m"
            [ -n "$m" ] || {
                t_fail "$r: no result from benchload dio: $out"
                m=null
            }
            b_emit "{\"kind\": \"io\", \"runtime\": \"$r\", \"what\": \"$what\", \"requested\": $req, \"measured\": $m}"
        done
    done
}

HRUN_VERBOSE=1
b_setup_or_exit setup
b_test "enforcement: cpu.max" test_cpu_max
b_test "enforcement: cpu.weight" test_cpu_weight
b_test "enforcement: memory.max" test_memory
b_test "enforcement: pids.max" test_pids
b_test "enforcement: io baseline (no limit, no container)" test_io_baseline
b_test "enforcement: io.max" test_io
b_delete_all
b_clock_mark end
