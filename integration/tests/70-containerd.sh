#!/bin/bash
# timeout: 600
# containerd 1.6 with hrun as the runc binary of the io.containerd.runc.v2
# shim (`ctr run --runc-binary`): exit codes (0, 7, 137), stdout/stderr
# apart, -t, task exec/ps/pause/resume/metrics/kill --all, the /tasks/oom
# event, --rm leaving no runtime state and no cgroup; and the CRI plugin
# with an hrun runtime handler. Every scenario also runs against runc (the
# reference); differences are recorded in docs/clients.md.
. "${HRUN_LIB:?run this via integration/vm.sh}"
. "$REPO/integration/e2e/lib.sh"

NS=e2e                         # containerd namespace (shared by both runtimes)
IMG=docker.io/library/hbox:latest
RROOT=/run/containerd/runc/$NS # the shim passes --root $RROOT to the runtime
C() { ctr -n "$NS" "$@"; }
# R_run R ARGS...: ctr run with runtime R as the runc binary (120 s timeout)
R_run() {
    local r=$1 bin
    shift
    bin=$(e2e_runtime_bin "$r")
    run_timeout 120 ctr -n "$NS" run --runc-binary "$bin" "$@"
}
# rt R ARGS...: the runtime itself on the shim's state root
rt() {
    local r=$1
    shift
    "$(e2e_runtime_real "$r")" --root "$RROOT" "$@"
}
task_pid() { C task ls | awk -v id="$1" '$1 == id {print $2}'; }
task_is() { [ "$(ctd_task_status "$NS" "$1")" = "$2" ]; }
# no_leftovers ID: neither the cgroup nor the runtime state of ID remain
no_leftovers() {
    assert_not_exists "$CG/$NS/$1" "cgroup $NS/$1 left behind"
    assert_not_exists "$RROOT/$1" "runtime state $RROOT/$1 left behind"
    assert_not_contains "$(C container ls -q)" "$1" "container record left"
}

SETUP_ERR=
if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
    t_skip "containerd/ctr not installed"
    exit 0
fi
T0=${EPOCHREALTIME/./}
HRUN_PATH=/nonexistent/hrun
have_hrun && HRUN_PATH=$(hrun_bin)
if ! ctd_start "$T_TMP/ctd" "HRUN=$HRUN_PATH" 2>"$T_TMP/setup.err"; then
    SETUP_ERR="containerd did not start: $(cat "$T_TMP/setup.err")"
elif ! ctd_import "$NS" 2>"$T_TMP/setup.err"; then
    SETUP_ERR="ctr image import failed: $(cat "$T_TMP/setup.err")"
fi
SETUP_MS=$(((${EPOCHREALTIME/./} - T0) / 1000))
echo "# containerd start + image import: ${SETUP_MS} ms"
# need R: skip without runtime R, fail if containerd is not up
need() {
    e2e_require_runtime "$1"
    [ -z "$SETUP_ERR" ] || t_fail "$SETUP_ERR"
}

test_setup() {
    [ -z "$SETUP_ERR" ] || t_fail "$SETUP_ERR"
    assert_contains "$(C image ls -q)" "$IMG"
    local p
    p=$(ctr plugins ls)
    assert_match "$p" "io.containerd.runtime.v2 +task +linux/[a-z0-9]+ +ok"
    assert_match "$p" "io.containerd.snapshotter.v1 +$CONTAINERD_SNAPSHOTTER +linux/[a-z0-9]+ +ok"
}
e2e_t_run "containerd starts with a temporary config; ctr image import of the offline OCI archive" test_setup

# Kubernetes: the CRI plugin with an "hrun" runtime handler (runc v2 shim,
# BinaryName). Without crictl: containerd accepts the config, the CRI plugin
# loads, and it starts with the handler.
test_cri_handler() {
    require_hrun
    [ -z "$SETUP_ERR" ] || t_fail "$SETUP_ERR"
    local p log=$CTD_DIR/containerd.log
    assert_match "$(ctr plugins ls)" "io.containerd.grpc.v1 +cri +linux/[a-z0-9]+ +ok"
    p=$(containerd --config "$CTD_DIR/config.toml" config dump)
    assert_contains "$p" '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.hrun]'
    assert_contains "$p" "BinaryName = \"$HRUN_PATH\""
    wait_for 30 grep -q 'Start cri plugin with config' "$log"
    assert_match "$(grep 'Start cri plugin with config' "$log")" \
        "hrun:\{Type:io.containerd.runc.v2 .*BinaryName:$HRUN_PATH"
}
e2e_t_run "containerd's CRI plugin loads with the hrun runtime handler" test_cri_handler

# stdout and stderr reach ctr apart; exit 7 is ctr's status; --rm leaves
# neither the runtime's state nor the cgroup
test_streams_exit7_rm() {
    need "$1"
    local id=$1-streams rc=0
    R_run "$1" --rm "$IMG" "$id" sh -c 'echo to-out; cat /proc/self/cgroup; echo to-err >&2; exit 7' \
        >"$T_TMP/$id.out" 2>"$T_TMP/$id.err" || rc=$?
    assert_eq "$rc" 7 "exit status"
    assert_file_eq "$T_TMP/$id.out" "to-out
0::/$NS/$id"
    assert_file_eq "$T_TMP/$id.err" to-err
    no_leftovers "$id"
}

# a create error: ctr shows the runtime's message (the shim takes the msg
# of the last "level":"error" line of log.json), nothing is left
test_create_error() {
    need "$1"
    local id=$1-noexec rc=0 out
    out=$(R_run "$1" --rm "$IMG" "$id" /no/such/binary 2>&1) || rc=$?
    t_log "$out"
    assert_ne "$rc" 0
    assert_match "$out" "OCI runtime create failed: .*/no/such/binary.*no such file or directory"
    no_leftovers "$id"
}

# -t: the process has a pty as stdin and stdout; exit 0 (ctr needs a
# terminal itself: script provides one)
test_tty_exit0() {
    need "$1"
    local id=$1-tty bin out rc=0
    bin=$(e2e_runtime_bin "$1")
    out=$(CONTAINERD_NAMESPACE=$NS run_timeout 120 script -qec \
        "ctr run --rm -t --runc-binary $bin $IMG $id sh -c '[ -t 0 ] && [ -t 1 ] && echo both-tty; tty'" \
        /dev/null </dev/null) || rc=$?
    assert_eq "$rc" 0 "exit status through the tty"
    out=$(tr -d '\r\0' <<<"$out")
    # (ctr's terminal echoes a NUL as ^@ first, with runc too)
    assert_match "$out" $'both-tty\n/dev/pts/[0-9]+$'
    no_leftovers "$id"
}

# A long-running task (ctr run --rm in the background, ended by SIGKILL:
# exit 137) for exec, ps, pause/resume, metrics and kill --all. Its init
# (pid 1 of its pid namespace: SIGTERM without a handler does not reach it)
# keeps two sleeps as children.
svc_id() { echo "$1-svc"; }
svc_procs() { sort -n "$CG/$NS/$(svc_id "$1")/cgroup.procs"; }
test_svc_start() {
    need "$1"
    local id pid st want
    id=$(svc_id "$1")
    { R_run "$1" --rm "$IMG" "$id" sh -c 'sleep 1000 & sleep 1001 & while :; do sleep 100; done' \
        || echo $? >"$T_TMP/$id.rc"; } >"$T_TMP/$id.out" 2>&1 </dev/null &
    echo $! >"$T_TMP/$id.ctr"
    wait_for 60 task_is "$id" RUNNING
    pid=$(task_pid "$id")
    echo "$pid" >"$T_TMP/$id.pid"
    # the shim ran the runtime with --root $RROOT: its state is there
    st=$(rt "$1" state "$id")
    assert_match "$st" "\"pid\": *${pid}[,}[:space:]]"
    assert_match "$st" '"status": *"running"'
    assert_eq "$(cgroup_of "$pid")" "/$NS/$id"
    # ctr's spec has no linux.seccomp: hrun applies its default profile
    # (a documented hardening), runc none
    want=0
    [ "$1" = hrun ] && want=2
    assert_eq "$(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$pid/status")" "$want" "seccomp mode"
    wait_for 20 eval '[ "$(wc -l <"$CG/$NS/$id/cgroup.procs")" -ge 4 ]'
}

test_svc_ps() {
    need "$1"
    local id ps
    id=$(svc_id "$1")
    ps=$(C task ps "$id" | awk 'NR > 1 {print $1}' | sort -n)
    assert_eq "$ps" "$(svc_procs "$1")" "ctr task ps lists the cgroup's processes"
}

test_svc_exec() {
    need "$1"
    local id out pid rc=0
    id=$(svc_id "$1")
    pid=$(cat "$T_TMP/$id.pid")
    out=$(run_timeout 60 ctr -n "$NS" task exec --exec-id x1 "$id" \
        sh -c 'echo in-exec; cat /proc/self/cgroup; readlink /proc/self/ns/pid; echo ee >&2; exit 5' \
        2>"$T_TMP/x1.err") || rc=$?
    assert_eq "$rc" 5 "ctr task exec exit status"
    assert_eq "$out" "in-exec
0::/$NS/$id
$(readlink "/proc/$pid/ns/pid")"
    assert_file_eq "$T_TMP/x1.err" ee
}

test_svc_pause_resume() {
    need "$1"
    local id
    id=$(svc_id "$1")
    C task pause "$id"
    assert_eq "$(ctd_task_status "$NS" "$id")" PAUSED
    assert_contains "$(cat "$CG/$NS/$id/cgroup.events")" "frozen 1"
    assert_match "$(rt "$1" state "$id")" '"status": *"paused"'
    C task resume "$id"
    assert_eq "$(ctd_task_status "$NS" "$id")" RUNNING
    assert_contains "$(cat "$CG/$NS/$id/cgroup.events")" "frozen 0"
    assert_match "$(rt "$1" state "$id")" '"status": *"running"'
}

test_svc_metrics() {
    need "$1"
    local id m cpu mem
    id=$(svc_id "$1")
    m=$(C task metrics "$id")
    cpu=$(awk '$1 == "cpu.usage_usec" {print $2}' <<<"$m")
    mem=$(awk '$1 == "memory.usage" {print $2}' <<<"$m")
    t_log "cpu.usage_usec=$cpu memory.usage=$mem"
    assert_match "$cpu" '^[1-9][0-9]*$' "non-zero cpu.usage_usec"
    assert_match "$mem" '^[1-9][0-9]*$' "non-zero memory.usage"
    assert_match "$(awk '$1 == "pids.current" {print $2}' <<<"$m")" '^[1-9][0-9]*$'
}

# kill --all SIGTERM reaches the sleeps (default action: die); the init
# ignores it as pid 1. A plain kill (the init alone) leaves the sleeps.
test_svc_kill_all() {
    need "$1"
    local r=$1 id pid before p
    id=$(svc_id "$r")
    pid=$(cat "$T_TMP/$id.pid")
    before=$(svc_procs "$r")
    C task kill -s SIGTERM "$id"
    sleep 1
    for p in $before; do assert_exists "/proc/$p" "a plain kill reached pid $p"; done
    C task kill --all -s SIGTERM "$id"
    wait_for 20 eval '[ "$(svc_procs "$r" | grep -cvx "$pid")" -le 1 ]'
    for p in $before; do
        [ "$p" = "$pid" ] && continue
        if [ -e "/proc/$p" ] && [ "$(cgroup_of "$p")" = "/$NS/$id" ]; then
            t_fail "pid $p ($(tr '\0' ' ' <"/proc/$p/cmdline")) survived kill --all"
        fi
    done
    assert_exists "/proc/$pid" "the init survived SIGTERM"
    assert_eq "$(ctd_task_status "$NS" "$id")" RUNNING
}

# SIGKILL: ctr run exits 137, and --rm leaves nothing
test_svc_sigkill_137() {
    need "$1"
    local id ctrpid
    id=$(svc_id "$1")
    # shellcheck disable=SC2034 # used in the eval
    ctrpid=$(cat "$T_TMP/$id.ctr")
    C task kill -s SIGKILL "$id"
    wait_for 60 eval '[ ! -e "/proc/$ctrpid" ]'
    assert_file_eq "$T_TMP/$id.rc" 137 "ctr run's exit status after SIGKILL"
    no_leftovers "$id"
}

# --memory-limit exceeded: the kernel OOM-kills, the shim publishes /tasks/oom
test_oom_event() {
    need "$1"
    local id=$1-oom ev evpid rc=0
    ev=$T_TMP/$id.events
    ctr events >"$ev" 2>&1 &
    evpid=$!
    t_defer "kill $evpid 2>/dev/null"
    sleep 1
    R_run "$1" --rm --memory-limit $((32 << 20)) "$IMG" "$id" \
        dd if=/dev/zero of=/dev/null bs=64M count=1 >"$T_TMP/$id.out" 2>&1 || rc=$?
    assert_eq "$rc" 137 "exit status of the OOM-killed task"
    wait_for 20 grep -q "/tasks/oom.*$id" "$ev" || {
        cat "$ev"
        t_fail "no /tasks/oom event for $id"
    }
    no_leftovers "$id"
}

# The shim really ran hrun (e.g. `ctr run --no-pivot` would silently drop
# --runc-binary), with runc's global flags: --root, --log BUNDLE/log.json,
# --log-format json; numeric signals; ps --format json.
test_hrun_calls() {
    need hrun
    local g="--root $RROOT --log /[^ ]+/log.json --log-format json" id=hrun-svc
    assert_exists "$E2E_CALLS" "hrun was never called"
    t_log "$(cat "$E2E_CALLS")"
    e2e_calls_all "$g .+"
    e2e_calls_match "$g create --bundle /[^ ]+/$id --pid-file /[^ ]+/$id/init.pid $id"
    e2e_calls_match "$g create --bundle /[^ ]+ --pid-file /[^ ]+ --console-socket /[^ ]+ hrun-tty"
    e2e_calls_match "$g start $id"
    e2e_calls_match "$g exec --process /[^ ]+ --detach --pid-file /[^ ]+ $id"
    e2e_calls_match "$g kill --all $id 15"
    e2e_calls_match "$g kill $id 9"
    e2e_calls_match "$g ps --format json $id"
    e2e_calls_match "$g pause $id"
    e2e_calls_match "$g resume $id"
    e2e_calls_match "$g delete $id"
    # ... and again with --force on the deleted id, which must succeed
    e2e_calls_match "$g delete --force $id"
}

for r in $HRUN_E2E_RUNTIMES; do
    e2e_pass_begin "$r"
    e2e_t_run "containerd[$r]: stdout/stderr apart, exit code 7, run --rm leaves no state or cgroup" test_streams_exit7_rm "$r"
    e2e_t_run "containerd[$r]: a create error shows the runtime's message, leaves nothing" test_create_error "$r"
    e2e_t_run "containerd[$r]: run -t gives the process a pty, exit code 0" test_tty_exit0 "$r"
    e2e_t_run "containerd[$r]: run, runtime state under the shim's --root, final cgroup" test_svc_start "$r"
    e2e_t_run "containerd[$r]: task ps lists the container's processes" test_svc_ps "$r"
    e2e_t_run "containerd[$r]: task exec with stdout/stderr and exit code" test_svc_exec "$r"
    e2e_t_run "containerd[$r]: task pause/resume freeze the cgroup" test_svc_pause_resume "$r"
    e2e_t_run "containerd[$r]: task metrics shows cpu and memory" test_svc_metrics "$r"
    e2e_t_run "containerd[$r]: task kill --all signals every process" test_svc_kill_all "$r"
    e2e_t_run "containerd[$r]: task kill -s SIGKILL gives exit code 137, --rm cleans up" test_svc_sigkill_137 "$r"
    e2e_t_run "containerd[$r]: /tasks/oom event past --memory-limit" test_oom_event "$r"
    [ "$r" = hrun ] && e2e_t_run "containerd[hrun]: the shim ran hrun, with runc's flags" test_hrun_calls
    e2e_pass_end "$r"
done

test_stop() {
    [ -z "$SETUP_ERR" ] || t_fail "$SETUP_ERR"
    local shims
    shims=$(e2e_pids_matching "-address $CTD_SOCK")
    assert_eq "$shims" "" "shims still running after the tasks were deleted"
    ctd_stop
    # (hrun keeps its compiled-seccomp cache, .seccomp-*, in the root)
    assert_eq "$(ls "$RROOT" 2>/dev/null)" "" "container state left under $RROOT"
}
e2e_t_run "containerd stops; no shim and no container state left" test_stop
ctd_stop
e2e_calls_summary
