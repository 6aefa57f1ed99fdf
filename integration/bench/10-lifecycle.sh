#!/bin/bash
# timeout: 3600
# Lifecycle speed of hrun, crun and runc: run, run without a network
# namespace, create+start+wait+delete, exec into a running container, and
# 20 concurrent runs.  Interleaved: iteration i runs every runtime once, in an
# order that rotates with i.  One warm-up per runtime and workload first.
. "${HRUN_LIB:?run this via integration/vm.sh}"
. "$REPO/integration/bench/lib.sh"

N=${HRUN_BENCH_N:-$(b_pick 30 3)}
CONC=${HRUN_BENCH_CONC:-$(b_pick 20 10)}
CONC_REPS=$(b_pick 3 1)

setup() {
    b_setup || return 1
    B_SECCOMP=$(b_seccomp_json) || return 1
    b_template full --resources "$B_RES" --linux-extra "\"seccomp\": $B_SECCOMP" \
        -- /bin/true || return 1
    b_template nonet --ns pid,ipc,uts,mount,cgroup --resources "$B_RES" \
        --linux-extra "\"seccomp\": $B_SECCOMP" -- /bin/true || return 1
    # no linux.seccomp: hrun applies its built-in default profile
    b_template native --resources "$B_RES" -- /bin/true || return 1
    b_template sleeper --resources "$B_RES" \
        --linux-extra "\"seccomp\": $B_SECCOMP" -- /bin/sleep 1000000 || return 1
    # every runtime must run each config
    local r t
    for t in full nonet; do
        for r in "${B_RUNTIMES[@]}"; do
            b_id "chk-$r"
            b_bundle "$t" "$B_ID"
            rt "$r" run -b "$B_BUNDLE" "$B_ID" </dev/null || return 1
        done
    done
    b_id chk-native
    b_bundle native "$B_ID"
    rt hrun run -b "$B_BUNDLE" "$B_ID" </dev/null
}

# one_run RUNTIME TEMPLATE: time `run` of one container; sets B_US
one_run() {
    b_id "$2-$1"
    b_bundle "$2" "$B_ID"
    local t0 t1
    t0=$(b_now)
    rt "$1" run -b "$B_BUNDLE" "$B_ID" </dev/null >/dev/null
    t1=$(b_now)
    B_US=$((t1 - t0))
}

# one_cycle RUNTIME: create, start, wait for the exit, delete
one_cycle() {
    b_id "cyc-$1"
    b_bundle full "$B_ID"
    local t0 t1
    t0=$(b_now)
    rt "$1" create -b "$B_BUNDLE" "$B_ID" </dev/null >/dev/null
    rt "$1" start "$B_ID"
    b_wait_exit "$B_ID" 60
    rt "$1" delete "$B_ID"
    t1=$(b_now)
    B_US=$((t1 - t0))
}

one_exec() {
    local t0 t1
    t0=$(b_now)
    rt "$1" exec "exec-$1" /bin/true </dev/null >/dev/null
    t1=$(b_now)
    B_US=$((t1 - t0))
}

# latency WORKLOAD FUNC [ARGS]: N interleaved samples per runtime.  With
# EXTRA set (a workload name) each iteration also times `run` of hrun with
# the template of that name, in the same rotation, as runtime "hrun-EXTRA".
latency() {
    local w=$1 f=$2 i k r
    shift 2
    declare -A s=()
    local rts=("${B_RUNTIMES[@]}")
    [ -z "${EXTRA:-}" ] || rts+=("hrun-$EXTRA")
    sample() { # RUNTIME ARGS...
        if [ "$1" = "hrun-${EXTRA:-}" ]; then one_run hrun "$EXTRA"; else "$f" "$@"; fi
    }
    for r in "${rts[@]}"; do sample "$r" "$@"; done # warm-up
    for ((i = 0; i < N; i++)); do
        for ((k = 0; k < ${#rts[@]}; k++)); do
            r=${rts[$(((i + k) % ${#rts[@]}))]}
            sample "$r" "$@"
            s[$r]+=" $B_US"
        done
    done
    for r in "${rts[@]}"; do
        local name=$w rt=$r
        [ "$r" = "hrun-${EXTRA:-}" ] && name=run_$EXTRA rt=hrun
        # shellcheck disable=SC2086
        b_log "$name $rt: $(b_stats ${s[$r]})"
        # shellcheck disable=SC2086
        b_emit "{\"kind\": \"latency\", \"workload\": \"$name\", \"runtime\": \"$rt\", \"us\": $(b_json_arr ${s[$r]})}"
    done
}

# hrun with its built-in profile (template "native", no linux.seccomp)
# is timed in the same rotation as the three runtimes with the profile in
# config.json.  Timed back to back instead, hrun-only runs were 2.3x slower
# (656 against 282 ms), most likely waiting on the kernel's asynchronous
# teardown of the previous run's network namespace.
test_run() { EXTRA=native latency run one_run full; }
test_run_nonet() { latency run_nonet one_run nonet; }
test_cycle() { latency create_start_wait_delete one_cycle; }

test_exec() {
    local r
    for r in "${B_RUNTIMES[@]}"; do
        b_bundle sleeper "exec-$r"
        rt "$r" run -d -b "$B_BUNDLE" "exec-$r" </dev/null >/dev/null 2>&1
    done
    t_defer 'for r in "${B_RUNTIMES[@]}"; do rt "$r" delete -f "exec-$r" >/dev/null 2>&1; done'
    latency exec one_exec
}

# concurrency: CONC runs started at once; wall time until all have ended
test_concurrency() {
    local rep r k t0 t1 pids fails
    declare -A s=()
    for ((rep = 0; rep < CONC_REPS; rep++)); do
        for r in $(b_rotate "$rep"); do
            local ids=()
            for ((k = 0; k < CONC; k++)); do
                b_id "conc-$r"
                b_bundle full "$B_ID"
                ids+=("$B_ID")
            done
            pids=() fails=0
            t0=$(b_now)
            for k in "${ids[@]}"; do
                rt "$r" run -b "$B_DIR/bundles/$k" "$k" </dev/null >/dev/null 2>&1 &
                pids+=($!)
            done
            for k in "${pids[@]}"; do wait "$k" || fails=$((fails + 1)); done
            t1=$(b_now)
            s[$r]+=" $((t1 - t0))"
            b_log "concurrency $r: $CONC runs in $(((t1 - t0) / 1000)) ms, $fails failed"
            [ "$fails" = 0 ] || t_fail "$r: $fails of $CONC concurrent runs failed"
        done
    done
    for r in "${B_RUNTIMES[@]}"; do
        # shellcheck disable=SC2086
        b_emit "{\"kind\": \"concurrency\", \"n\": $CONC, \"runtime\": \"$r\", \"us\": $(b_json_arr ${s[$r]})}"
    done
}

HRUN_VERBOSE=1
# setup runs in this shell (t_run's subshell would lose B_BIN and friends)
b_setup_or_exit setup
b_test "latency: run /bin/true (same config.json, seccomp in it)" test_run
b_test "latency: run /bin/true without a network namespace" test_run_nonet
b_test "latency: create+start+wait+delete" test_cycle
b_test "latency: exec /bin/true into a running container" test_exec
b_test "concurrency: $CONC runs at once" test_concurrency
b_delete_all
b_clock_mark end
