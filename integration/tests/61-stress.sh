#!/bin/bash
# timeout: 900
# Stress, scaled down for CI: N sequential create/start/delete cycles, then
# M rounds of K containers created, started and deleted at once. Afterwards
# nothing may be left: state dirs, cgroups, mounts in the VM's namespace,
# zombie or orphan processes. Prints the counts. Then the shim of a
# detached container must not grow its fds over execs and OOM kills.
# Full size (2000 cycles, 200 rounds of 20) runs behind `make stress`
# (integration/stress.sh sets HRUN_STRESS_FULL=1).
. "${HRUN_LIB:?run this via integration/vm.sh}"
. "$REPO/integration/leaks.sh"

if [ "${HRUN_STRESS_FULL:-0}" = 1 ]; then
    CYCLES=${HRUN_STRESS_CYCLES:-2000} ROUNDS=${HRUN_STRESS_ROUNDS:-200}
    WIDTH=${HRUN_STRESS_WIDTH:-20} SHIM_ROUNDS=${HRUN_STRESS_SHIM_ROUNDS:-100}
else
    CYCLES=${HRUN_STRESS_CYCLES:-100} ROUNDS=${HRUN_STRESS_ROUNDS:-10}
    WIDTH=${HRUN_STRESS_WIDTH:-5} SHIM_ROUNDS=${HRUN_STRESS_SHIM_ROUNDS:-5}
fi
ROOT=$T_TMP/state
RFS=$T_TMP/rootfs

# stress_bundle DIR: a read-only root shared by all bundles (no copy per
# bundle), a tmpfs /tmp; the program writes and reads a marker there, so
# every cycle shows the container really ran
stress_bundle() {
    [ -d "$RFS" ] || mk_rootfs "$RFS"
    mkdir -p "$1/rootfs"
    mk_bundle "$1" --mounts-extra '{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}' \
        -- sh -c 'echo ran >/tmp/marker; cat /tmp/marker'
    rmdir "$1/rootfs"
    sed -i "s|\"path\": \"rootfs\"|\"path\": $(json_str "$RFS")|" "$1/config.json"
}

# gone PID: the process has exited (and was reaped, or is a zombie)
gone() {
    local l
    IFS= read -r l 2>/dev/null <"/proc/$1/stat" || return 0
    l=${l##*) }
    [ "${l:0:1}" = Z ]
}

# cycle ID BUNDLE LOG: create, start, wait until the program has run,
# delete (not --force: the container must be stopped by then). The wait
# polls /proc with builtins: under emulation every exec counts.
cycle() {
    local id=$1 b=$2 log=$3 pid i
    hrun --root "$ROOT" create --bundle "$b" --pid-file "$log.pid" "$id" \
        >"$log" 2>&1 </dev/null || return 1
    pid=$(<"$log.pid")
    hrun --root "$ROOT" start "$id" >>"$log" 2>&1 || return 1
    for ((i = 0; i < 1000; i++)); do
        gone "$pid" && break
        sleep 0.02
    done
    hrun --root "$ROOT" delete "$id" >>"$log" 2>&1
}

test_sequential() {
    require_hrun
    local before n fail=0 start leaks
    stress_bundle b
    before=$(leak_snapshot "$ROOT")
    start=$SECONDS
    for ((n = 1; n <= CYCLES; n++)); do
        if ! cycle "seq-$n" "$T_TMP/b" "$T_TMP/seq.log"; then
            fail=$((fail + 1))
            t_log "cycle $n failed: $(cat "$T_TMP/seq.log")"
            hrun --root "$ROOT" delete -f "seq-$n" >/dev/null 2>&1
            [ $fail -lt 5 ] || break
        elif [[ $(<"$T_TMP/seq.log") != ran ]]; then
            fail=$((fail + 1))
            t_log "cycle $n: the program did not run: $(cat "$T_TMP/seq.log")"
        fi
    done
    t_log "$((n - 1)) sequential cycles in $((SECONDS - start))s, $fail failed"
    local nleaks=0
    leaks=$(leak_check "$before" "$ROOT") || nleaks=$(grep -c . <<<"$leaks")
    echo "# stress: $((n - 1)) sequential create/start/delete cycles, $fail failed; left behind: $(leak_counts "$before" "$ROOT")" >>"$T_TMP/figures"
    assert_eq "$fail" 0 "every cycle succeeds"
    assert_eq "$nleaks" 0 "nothing left behind: $leaks"
}
t_run "$CYCLES sequential create/start/delete cycles leave nothing behind" test_sequential

test_concurrent() {
    require_hrun
    local before r k fail=0 start leaks pids=()
    stress_bundle b
    before=$(leak_snapshot "$ROOT")
    start=$SECONDS
    for ((r = 1; r <= ROUNDS; r++)); do
        pids=()
        for ((k = 1; k <= WIDTH; k++)); do
            cycle "par-$r-$k" "$T_TMP/b" "$T_TMP/par-$k.log" &
            pids+=($!)
        done
        for k in "${!pids[@]}"; do
            if ! wait "${pids[$k]}"; then
                fail=$((fail + 1))
                t_log "round $r container $((k + 1)) failed: $(cat "$T_TMP/par-$((k + 1)).log")"
                hrun --root "$ROOT" delete -f "par-$r-$((k + 1))" >/dev/null 2>&1
            elif [[ $(<"$T_TMP/par-$((k + 1)).log") != ran ]]; then
                fail=$((fail + 1))
                t_log "round $r container $((k + 1)): the program did not run: $(cat "$T_TMP/par-$((k + 1)).log")"
            fi
        done
        [ $fail -lt 5 ] || break
        # every container of the round is gone before the next one
        if [ -n "$(ls "$ROOT")" ]; then
            t_fail "round $r left state: $(ls "$ROOT")"
            break
        fi
    done
    t_log "$((r - 1)) rounds of $WIDTH concurrent containers in $((SECONDS - start))s, $fail failed"
    local nleaks=0
    leaks=$(leak_check "$before" "$ROOT") || nleaks=$(grep -c . <<<"$leaks")
    echo "# stress: $((r - 1)) rounds x $WIDTH concurrent containers, $fail failed; left behind: $(leak_counts "$before" "$ROOT")" >>"$T_TMP/figures"
    assert_eq "$fail" 0 "every concurrent cycle succeeds"
    assert_eq "$nleaks" 0 "nothing left behind: $leaks"
}
t_run "$ROUNDS rounds of $WIDTH concurrent containers leave nothing behind" test_concurrent

# fds_of PID: number of open fds
fds_of() {
    local fds=(/proc/"$1"/fd/*)
    echo ${#fds[@]}
}
# fd_list PID: "FD->TARGET ..." (for the log)
fd_list() {
    local f
    for f in /proc/"$1"/fd/*; do printf '%s->%s ' "${f##*/}" "$(readlink "$f")"; done
}

test_shim_fds() {
    require_hrun
    local id before pid shim l n0 n1 i rc ooms
    id=$(unique_id shim)
    [ -d "$RFS" ] || mk_rootfs "$RFS"
    mkdir -p s/rootfs
    mk_bundle s --resources '{"memory": {"limit": 33554432, "swap": 33554432}}' -- sleep 1000
    rmdir s/rootfs
    sed -i "s|\"path\": \"rootfs\"|\"path\": $(json_str "$RFS")|" s/config.json
    before=$(leak_snapshot "$ROOT")
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    HRUN_SHIM=$(hrun_shim_bin)
    export HRUN_SHIM
    hrun --root "$ROOT" run -d --bundle s --pid-file "$T_TMP/shim.pid" "$id" \
        >"$T_TMP/shim.out" 2>&1 </dev/null
    pid=$(<"$T_TMP/shim.pid")
    IFS= read -r l <"/proc/$pid/stat"
    read -r _ shim _ <<<"${l##*) }"
    # the init's parent execs hrun-shim once hrun has the result
    wait_for 20 grep -qx hrun-shim "/proc/$shim/comm" || {
        t_skip "run -d does not use hrun-shim here (parent: $(<"/proc/$shim/comm"))"
        return 0
    }
    t_log "shim fds at start: $(fd_list "$shim")"
    # fds the shim opens once, on its first exec or event, are not growth:
    # count after the first round
    n0=
    for ((i = 1; i <= SHIM_ROUNDS; i++)); do
        # an exec, and an OOM kill the shim's monitor reports (memory.events)
        hrun --root "$ROOT" exec "$id" true
        rc=0
        hrun --root "$ROOT" exec "$id" dd if=/dev/zero of=/dev/null bs=64M count=1 \
            >/dev/null 2>&1 </dev/null || rc=$?
        assert_eq "$rc" 137 "round $i: the OOM killer took dd"
        if [ -z "$n0" ]; then
            wait_for 20 grep -q '"type":"oom"' "$ROOT/$id/events.jsonl"
            n0=$(fds_of "$shim")
            t_log "shim fds after round 1: $(fd_list "$shim")"
        fi
    done
    # the last event is in (the count stops changing)
    wait_for 20 sh -c "[ \$(grep -c '\"type\":\"oom\"' '$ROOT/$id/events.jsonl') -ge $SHIM_ROUNDS ]" || true
    n1=$(fds_of "$shim")
    t_log "shim fds at the end: $(fd_list "$shim")"
    ooms=$(grep -c '"type":"oom"' "$ROOT/$id/events.jsonl" || true)
    t_log "shim $shim: $n0 fds after round 1, $n1 after $SHIM_ROUNDS rounds of an exec and an OOM kill ($ooms oom events)"
    echo "# stress: shim fds $n0 after the first exec + OOM kill, $n1 after $SHIM_ROUNDS ($ooms oom events logged)" >>"$T_TMP/figures"
    assert_eq "$n1" "$n0" "no fd growth in the shim"
    kill -0 "$pid" || t_fail "the init died"
    hrun --root "$ROOT" delete -f "$id"
    local leaks
    leaks=$(leak_check "$before" "$ROOT") || t_fail "left behind: $leaks"
}
t_run "no fd growth in the shim over $SHIM_ROUNDS execs and OOM kills" test_shim_fds

cat "$T_TMP/figures" 2>/dev/null
