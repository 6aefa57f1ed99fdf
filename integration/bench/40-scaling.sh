#!/bin/bash
# timeout: 7200
# Scaling: latency of one more `run /bin/true` with 0, 50, 200 and 500
# containers already running (QUICK: 0 and 50).  The running containers
# (`run -d` of sleep) are started round-robin by hrun, crun and runc, so
# each runtime meets a third of them in its own state and all of them in
# the kernel (mount tables, cgroups, namespaces).
. "${HRUN_LIB:?run this via integration/vm.sh}"
. "$REPO/integration/bench/lib.sh"

LEVELS=(${HRUN_BENCH_LEVELS:-$(b_pick "0 50 200 500" "0 50")})
M=${HRUN_BENCH_N:-$(b_pick 10 3)}

setup() {
    b_setup || return 1
    B_SECCOMP=$(b_seccomp_json) || return 1
    b_template full --resources "$B_RES" --linux-extra "\"seccomp\": $B_SECCOMP" \
        -- /bin/true || return 1
    b_template sleeper --resources "$B_RES" \
        --linux-extra "\"seccomp\": $B_SECCOMP" -- /bin/sleep 1000000 || return 1
}

RUNNING=0
# grow_to N: start background containers until N run
grow_to() {
    local want=$1 ids=() k r p fails=0 t0
    t0=$(b_now)
    for ((k = RUNNING; k < want; k++)); do ids+=("bg-$k"); done
    [ ${#ids[@]} -gt 0 ] || return 0
    (cd "$B_DIR" && mkdir -p "${ids[@]/#/bundles/}")
    # two at a time (two vCPUs); the runtimes take turns
    local pids=()
    for ((k = RUNNING; k < want; k++)); do
        r=${B_RUNTIMES[$((k % ${#B_RUNTIMES[@]}))]}
        b_bundle sleeper "bg-$k"
        rt "$r" run -d -b "$B_BUNDLE" "bg-$k" </dev/null >/dev/null 2>&1 &
        pids+=($!)
        if [ ${#pids[@]} = 2 ] || [ $k = $((want - 1)) ]; then
            for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
            pids=()
        fi
    done
    RUNNING=$want
    b_log "started $((want - ${#ids[@]}))..$want running containers in $((($(b_now) - t0) / 1000)) ms ($fails failed)"
    [ $fails = 0 ] || t_fail "$fails background containers failed to start"
    local n
    n=$(cat "$CG/$B_CG"/bg-*/cgroup.procs 2>/dev/null | wc -l)
    [ "$n" -ge "$want" ] || t_fail "only $n processes in the background containers' cgroups, want $want"
}

measure() {
    local level=$1 i r t0 t1
    declare -A s=()
    for ((i = 0; i < M; i++)); do
        for r in $(b_rotate "$i"); do
            b_id "sc-$r"
            b_bundle full "$B_ID"
            t0=$(b_now)
            rt "$r" run -b "$B_BUNDLE" "$B_ID" </dev/null >/dev/null
            t1=$(b_now)
            s[$r]+=" $((t1 - t0))"
        done
    done
    for r in "${B_RUNTIMES[@]}"; do
        # shellcheck disable=SC2086
        b_log "scaling $level running, $r: $(b_stats ${s[$r]})"
        # shellcheck disable=SC2086
        b_emit "{\"kind\": \"scaling\", \"level\": $level, \"runtime\": \"$r\", \"us\": $(b_json_arr ${s[$r]})}"
    done
}

# run in this shell: the running containers carry over from level to level
HRUN_VERBOSE=1
b_setup_or_exit setup
for level in "${LEVELS[@]}"; do
    t_begin "scaling: run with $level containers running"
    grow_to "$level"
    measure "$level"
    t_end
done
t_begin "scaling: tear down"
echo 1 >"$CG/$B_CG/cgroup.kill"
b_delete_all
t_end
b_clock_mark end
