#!/bin/bash
# timeout: 900
# Fault injection: SIGKILL `hrun create` at each phase of its setup, stopped
# there deterministically by the test build's phase hook
# (HRUN_TEST_PHASE_STOP, include/hrun/test_hooks.h; `make test-build` ->
# $(BUILD)/test/hrun). After each fault `hrun list` and `hrun state` must work
# on whatever was left (a half-written state dir reads as stopped), and
# `hrun delete --force ID` must leave nothing: no state dir, cgroup, mount
# or process. Also: damaged state files, and SIGKILL of the container's
# init while `hrun exec` runs in it.
. "${HRUN_LIB:?run this via integration/vm.sh}"
. "$REPO/integration/leaks.sh"

ROOT=$T_TMP/state
PHASES="after-statedir after-cgroup after-clone during-mounts after-pidfile"
FAULTS=0

# T ARGS: the hook-enabled hrun (a tmpfs copy)
T() { "$_T_TEST_BIN" --root "$ROOT" "$@"; }
need_test_build() {
    require_test_build || return 1
    [ -d "$T_TMP/rootfs" ] || mk_rootfs "$T_TMP/rootfs"
}

# stopped_pid: pid of the process the phase hook stopped (it renames itself
# "hrun-phase-stop"), empty if none yet
stopped_pid() {
    local p c
    for p in /proc/[0-9]*; do
        IFS= read -r c 2>/dev/null <"$p/comm" || continue
        [ "$c" = hrun-phase-stop ] && echo "${p#/proc/}" && return 0
    done
    return 1
}

# fault PHASE: create stopped at PHASE, SIGKILL create, then list/state/
# delete --force, and check nothing is left
fault() {
    local phase=$1 id before cpid spid rc leaks
    id=$(unique_id "f-$phase")
    mkdir -p "$T_TMP/b-$phase/rootfs"
    mk_bundle "$T_TMP/b-$phase" -- sleep 100
    sed -i "s|\"path\": \"rootfs\"|\"path\": $(json_str "$T_TMP/rootfs")|" "$T_TMP/b-$phase/config.json"
    before=$(leak_snapshot "$ROOT")
    # the binary itself in the background (not a function: $! must be
    # create's pid)
    HRUN_TEST_PHASE_STOP=$phase "$_T_TEST_BIN" --root "$ROOT" create \
        --bundle "$T_TMP/b-$phase" --pid-file "$T_TMP/pid-$phase" "$id" \
        >"$T_TMP/create-$phase.out" 2>&1 </dev/null &
    cpid=$!
    if ! wait_for 60 stopped_pid; then
        kill -9 $cpid 2>/dev/null
        t_fail "$phase: create never reached the phase: $(cat "$T_TMP/create-$phase.out")"
        return 1
    fi
    spid=$(stopped_pid)
    # the hook stops the process that reaches the phase: create itself, or
    # for during-mounts the container's init (a child of create)
    if [ "$phase" = during-mounts ]; then
        assert_ne "$spid" "$cpid" "during-mounts stops the init"
    else
        assert_eq "$spid" "$cpid" "$phase stops create itself"
    fi
    kill -9 $cpid
    rc=0
    wait $cpid || rc=$?
    assert_eq "$rc" 137 "create died of SIGKILL"
    FAULTS=$((FAULTS + 1))

    # whatever is left must be readable
    run T list
    assert_eq "$status" 0 "$phase: list works: $output"
    if [ -d "$ROOT/$id" ]; then
        assert_contains "$output" "$id" "$phase: list shows the leftover"
        run T state "$id"
        assert_eq "$status" 0 "$phase: state works: $output"
        assert_contains "$output" '"status": "stopped"' "$phase: a half-made container reads as stopped"
    fi
    run T list --format json
    assert_eq "$status" 0 "$phase: list --format json works"
    assert_success T delete --force "$id"
    assert_not_exists "$ROOT/$id" "$phase: state dir removed"
    leaks=$(leak_check "$before" "$ROOT") || t_fail "$phase: left behind: $leaks"
    t_log "$phase: killed create (pid $cpid, stopped $spid), delete --force left nothing"
}

test_phases() {
    require_hrun
    need_test_build || return 0
    local phase
    for phase in $PHASES; do
        fault "$phase"
    done
    echo "# faults: $FAULTS create phases killed ($PHASES)" >>"$T_TMP/figures"
}
t_run "SIGKILL create at each setup phase; delete --force leaves nothing" test_phases

test_hook_is_test_only() {
    require_hrun
    need_test_build || return 0
    # the production binary has no hook: the variable is ignored
    local id
    id=$(unique_id prod)
    mkdir -p p/rootfs
    mk_bundle p -- true
    sed -i "s|\"path\": \"rootfs\"|\"path\": $(json_str "$T_TMP/rootfs")|" p/config.json
    HRUN_TEST_PHASE_STOP=after-statedir run_timeout 60 hrun --root "$ROOT" run --bundle p "$id"
    assert_eq "$(stopped_pid || true)" "" "nothing stopped"
    if strings "$HRUN" | grep -q HRUN_TEST_PHASE_STOP; then
        t_fail "the production build contains the phase hook"
    fi
}
t_run "the phase hook exists only in the test build" test_hook_is_test_only

# half-written and damaged state dirs (as a crash mid-write could leave)
test_damaged_state() {
    require_hrun
    local before name
    before=$(leak_snapshot "$ROOT")
    mkdir -p "$ROOT"
    mkdir -m 700 "$ROOT/empty-dir"
    mkdir -m 700 "$ROOT/truncated" && printf '{"id":"trunc' >"$ROOT/truncated/state.json"
    mkdir -m 700 "$ROOT/garbage" && head -c 300 /dev/urandom >"$ROOT/garbage/state.json"
    mkdir -m 700 "$ROOT/wrong-types" &&
        echo '{"id": 5, "pid": "x", "bundle": [], "cgroup_path": {}}' >"$ROOT/wrong-types/state.json"
    mkdir -m 700 "$ROOT/tmp-only" && echo '{}' >"$ROOT/tmp-only/state.json.tmp"
    mkdir -m 700 "$ROOT/foreign-pid" &&
        echo '{"id": "foreign-pid", "pid": 1, "start_time": 1, "bundle": "/nonexistent"}' >"$ROOT/foreign-pid/state.json"
    run hrun --root "$ROOT" list
    assert_eq "$status" 0 "list works on damaged state: $output"
    local list=$output
    for name in empty-dir truncated garbage wrong-types tmp-only foreign-pid; do
        assert_match "$list" "$name +0 +stopped" "list shows $name as stopped"
        run hrun --root "$ROOT" state "$name"
        assert_eq "$status" 0 "state $name works: $output"
        assert_contains "$output" '"status": "stopped"'
    done
    run hrun --root "$ROOT" list --format json
    assert_eq "$status" 0
    for name in empty-dir truncated garbage wrong-types tmp-only foreign-pid; do
        assert_success hrun --root "$ROOT" delete "$name"
        assert_not_exists "$ROOT/$name"
    done
    kill -0 1 || t_fail "pid 1 was signalled"
    leaks=$(leak_check "$before" "$ROOT") || t_fail "left behind: $leaks"
}
t_run "list/state/delete cope with half-written and damaged state dirs" test_damaged_state

test_kill_init_during_exec() {
    require_hrun
    local id before pid rc
    id=$(unique_id ex)
    [ -d "$T_TMP/rootfs" ] || mk_rootfs "$T_TMP/rootfs"
    mkdir -p e/rootfs
    mk_bundle e -- sleep 100
    sed -i "s|\"path\": \"rootfs\"|\"path\": $(json_str "$T_TMP/rootfs")|" e/config.json
    before=$(leak_snapshot "$ROOT")
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    hrun --root "$ROOT" create --bundle e --pid-file "$T_TMP/ex.pid" "$id" >"$T_TMP/ex.out" 2>&1 </dev/null
    hrun --root "$ROOT" start "$id"
    pid=$(cat "$T_TMP/ex.pid")
    timeout 60 "$(hrun_bin)" --root "$ROOT" exec "$id" sleep 50 >"$T_TMP/exec.out" 2>&1 </dev/null &
    local epid=$!
    wait_for 20 pgrep -f '^sleep 50$'
    kill -9 "$pid"
    rc=0
    wait $epid || rc=$?
    assert_ne "$rc" 124 "exec returns when the init dies (no hang)"
    assert_ne "$rc" 0 "exec reports the failure"
    FAULTS=$((FAULTS + 1))
    run hrun --root "$ROOT" state "$id"
    assert_contains "$output" '"status": "stopped"'
    assert_success hrun --root "$ROOT" delete --force "$id"
    leaks=$(leak_check "$before" "$ROOT") || t_fail "left behind: $leaks"
    echo "# faults: container init killed during exec" >>"$T_TMP/figures"
}
t_run "SIGKILL of the init during exec: exec returns, delete leaves nothing" test_kill_init_during_exec

cat "$T_TMP/figures" 2>/dev/null
