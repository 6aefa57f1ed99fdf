#!/bin/bash
# timeout: 600
# podman 4.3 (through conmon) with hrun as the OCI runtime (`podman --runtime
# PATH`, hrun listed in runtime_supports_json): run with exit codes and
# stdout/stderr apart, the runtime's error becoming exit code 127, -t, exec
# (exit code, --preserve-fds, -t), top, stats, pause/unpause, stop, and
# --memory/--cpus/--pids-limit in the cgroup files and enforced. Every
# scenario also runs against runc (the reference); differences are recorded
# in docs/clients.md.
. "${HRUN_LIB:?run this via integration/vm.sh}"
. "$REPO/integration/e2e/lib.sh"

IMG=docker.io/library/hbox:latest
# P R ARGS...: podman with runtime R (120 s timeout)
P() {
    local r=$1 bin
    shift
    bin=$(e2e_runtime_bin "$r")
    run_timeout 120 podman --runtime "$bin" "$@"
}

if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
    t_skip "podman/conmon not installed"
    exit 0
fi
SETUP_ERR=
T0=${EPOCHREALTIME/./}
if ! pm_setup "$T_TMP/pm" 2>"$T_TMP/setup.err" || ! pm_load 2>>"$T_TMP/setup.err"; then
    SETUP_ERR="podman setup/load failed: $(cat "$T_TMP/setup.err")"
fi
echo "# podman setup + image load: $(((${EPOCHREALTIME/./} - T0) / 1000)) ms"
need() {
    e2e_require_runtime "$1"
    [ -z "$SETUP_ERR" ] || t_fail "$SETUP_ERR"
}

# exit 7 propagated; stdout and stderr apart
test_run_streams_exit7() {
    need "$1"
    local rc=0
    P "$1" run --rm "$IMG" sh -c 'echo to-out; echo to-err >&2; exit 7' \
        >"$T_TMP/$1.out" 2>"$T_TMP/$1.err" || rc=$?
    assert_eq "$rc" 7 "exit status"
    assert_file_eq "$T_TMP/$1.out" to-out
    assert_file_eq "$T_TMP/$1.err" to-err
}

# the runtime's create error reaches podman (it reads the runtime's JSON
# log) and becomes 127 for a missing executable, as with runc
test_run_missing_binary_127() {
    need "$1"
    local rc=0 err
    P "$1" run --rm "$IMG" /no/such/binary >"$T_TMP/$1.nb" 2>&1 || rc=$?
    err=$(cat "$T_TMP/$1.nb")
    assert_eq "$rc" 127 "exit status for a missing executable: $err"
    assert_contains "$err" 'exec: "/no/such/binary": stat /no/such/binary: no such file or directory'
}

# --ulimit core=-1 (unlimited) reaches config.json as RLIM_INFINITY,
# 18446744073709551615: above int64, where jansson's integers end
test_run_ulimit_unlimited() {
    need "$1"
    local out
    out=$(P "$1" run --rm --ulimit core=-1:-1 "$IMG" sh -c 'ulimit -Sc; ulimit -Hc' 2>&1)
    assert_eq "$out" $'unlimited\nunlimited' "soft and hard core limits"
}

# -t: a pty as stdin/stdout, exit code through the tty (podman wants no
# terminal itself)
test_run_tty() {
    need "$1"
    local rc=0 out
    out=$(P "$1" run --rm -t "$IMG" sh -c '[ -t 0 ] && [ -t 1 ] && echo both-tty; tty; exit 3' </dev/null) || rc=$?
    assert_eq "$rc" 3 "exit status through the tty"
    assert_match "$(tr -d '\r' <<<"$out")" $'both-tty\n/dev/pts/[0-9]+$'
}

# A long-running container with limits, run in the foreground in the
# background (podman run's exit status is the container's). Its init stops
# on SIGTERM with 42. The cgroup parent is per runtime, so the cgroup is
# found without asking podman.
svc() { echo "e2e-$1-svc"; }
svc_cg() { ls -d "$CG/e2e-$1"/libpod-* 2>/dev/null | head -n1; }
svc_init() { head -n1 "$(svc_cg "$1")/cgroup.procs" 2>/dev/null; }
test_svc_start() {
    need "$1"
    local r=$1 cg id pid
    {
        P "$r" run --rm --name "$(svc "$r")" --cgroup-parent "/e2e-$r" \
            --memory 64m --cpus 0.5 --pids-limit 50 "$IMG" \
            sh -c 'trap "exit 42" TERM; sleep 1000 & while :; do sleep 100 & wait $!; done' ||
            echo $? >"$T_TMP/$r.svc.rc"
    } >"$T_TMP/$r.svc.out" 2>&1 </dev/null &
    echo $! >"$T_TMP/$r.svc.podman"
    wait_for 120 eval '[ "$(wc -l <"$(svc_cg "$r")/cgroup.procs")" -ge 3 ]'
    cg=$(svc_cg "$r")
    id=${cg##*/libpod-}
    pid=$(svc_init "$r")
    t_log "conmon: $(tr '\0' ' ' <"/proc/$(ps -o ppid= -p "$pid" | tr -d ' ')/cmdline")"
    assert_eq "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "sh -c trap \"exit 42\" TERM; sleep 1000 & while :; do sleep 100 & wait \$!; done "
    # podman sends its seccomp profile
    assert_eq "$(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$pid/status")" 2 "seccomp mode"
    # podman calls `state ID` without --root: the default root finds it
    assert_match "$("$(e2e_runtime_real "$r")" state "$id")" '"status": *"running"'
}

test_svc_limits() {
    need "$1"
    local cg out
    cg=$(svc_cg "$1")
    assert_file_eq "$cg/memory.max" $((64 << 20))
    assert_file_eq "$cg/cpu.max" "50000 100000"
    assert_file_eq "$cg/pids.max" 50
}

# exec: output, exit code and an extra fd in one call
test_svc_exec() {
    need "$1"
    local rc=0 out
    out=$(P "$1" exec --preserve-fds 1 "$(svc "$1")" \
        sh -c 'echo in-exec; cat /proc/self/cgroup; echo via-fd3 >&3; exit 4' 3>"$T_TMP/$1.fd3") || rc=$?
    assert_eq "$rc" 4 "exec exit status"
    assert_eq "$out" "in-exec
0::/"
    assert_file_eq "$T_TMP/$1.fd3" via-fd3 "--preserve-fds 1 passes fd 3"
}

test_svc_exec_tty() {
    need "$1"
    local rc=0 out
    out=$(P "$1" exec -t "$(svc "$1")" sh -c '[ -t 0 ] && [ -t 1 ] && echo both-tty; tty; exit 2' </dev/null) || rc=$?
    assert_eq "$rc" 2 "exec -t exit status"
    assert_match "$(tr -d '\r' <<<"$out")" $'both-tty\n/dev/pts/[0-9]+$'
}

test_svc_top() {
    need "$1"
    local out
    out=$(P "$1" top "$(svc "$1")")
    assert_match "$out" $'\nroot +1 +0 .* sh -c trap'
    assert_match "$out" $'\nroot +[0-9]+ +1 .* sleep 1000'
}

test_svc_stats() {
    need "$1"
    local out mem pids
    out=$(P "$1" stats --no-stream "$(svc "$1")")
    t_log "$out"
    mem=$(awk -F '  +' 'NR == 2 {print $4}' <<<"$out")
    pids=$(awk -F '  +' 'NR == 2 {print $8}' <<<"$out")
    assert_match "$mem" '^[0-9.]*[1-9][0-9.]*[kMG]?B / 67\.11MB$' "memory usage / limit"
    assert_match "$pids" '^[3-9]$|^[1-9][0-9]+$' "pids"
}

test_svc_pause() {
    need "$1"
    local cg id
    cg=$(svc_cg "$1")
    id=${cg##*/libpod-}
    P "$1" pause "$(svc "$1")" >/dev/null
    assert_contains "$(cat "$cg/cgroup.events")" "frozen 1"
    assert_match "$("$(e2e_runtime_real "$1")" state "$id")" '"status": *"paused"'
    P "$1" unpause "$(svc "$1")" >/dev/null
    assert_contains "$(cat "$cg/cgroup.events")" "frozen 0"
    assert_match "$("$(e2e_runtime_real "$1")" state "$id")" '"status": *"running"'
}

# the limits hold: an 80 MiB allocation is OOM-killed; forks fail at the
# pids limit (ash gives up on "can't fork"); kill -9 -1 (a builtin: no fork
# needed) then frees the pids again
test_svc_enforced() {
    need "$1"
    local out cg
    cg=$(svc_cg "$1")
    out=$(P "$1" exec "$(svc "$1")" sh -c '
        dd if=/dev/zero of=/dev/null bs=80M count=1 2>/dev/null; echo "dd=$?"
        (i=0; while [ $i -lt 60 ]; do sleep 1000 & i=$((i + 1)); done; echo "forked=$i")
        kill -9 -1' 2>&1) || true
    t_log "$out"
    assert_contains "$out" "dd=137" "the allocation past --memory was killed"
    assert_match "$(cat "$cg/memory.events")" $'\noom_kill [1-9]'
    assert_not_contains "$out" "forked=60" "60 forks with --pids-limit 50"
    assert_match "$(cat "$cg/pids.events")" '^max [1-9]' "pids.events counts refused forks"
    [ "$(cat "$cg/pids.current")" -le 50 ]
}

# stop: SIGTERM through the runtime's kill, the init exits 42, podman run
# returns 42 and --rm removes the container (and its cgroup)
test_svc_stop() {
    need "$1"
    local cg ppid
    cg=$(svc_cg "$1")
    # shellcheck disable=SC2034 # used in the eval
    ppid=$(cat "$T_TMP/$1.svc.podman")
    P "$1" stop -t 30 "$(svc "$1")"
    wait_for 120 eval '[ ! -e "/proc/$ppid" ]'
    cat "$T_TMP/$1.svc.out"
    assert_file_eq "$T_TMP/$1.svc.rc" 42 "podman run's exit status after stop"
    assert_not_exists "$cg" "cgroup left behind"
}

# conmon/podman really ran hrun, with --log-format=json (hrun is listed in
# runtime_supports_json) and the flags of the contract
test_hrun_calls() {
    need hrun
    local g="--log-format=json --log /[^ ]+" id="[0-9a-f]{64}"
    assert_exists "$E2E_CALLS" "hrun was never called"
    t_log "$(cat "$E2E_CALLS")"
    e2e_calls_match "$g create --bundle /[^ ]+ --pid-file /[^ ]+ $id"
    e2e_calls_match "$g create --bundle /[^ ]+ --pid-file /[^ ]+ --console-socket /[^ ]+ $id"
    e2e_calls_match "$g exec --pid-file /[^ ]+ --process /[^ ]+ --detach --preserve-fds 1 $id"
    e2e_calls_match "$g exec --pid-file /[^ ]+ --process /[^ ]+ --detach --tty --console-socket /[^ ]+ $id"
    e2e_calls_match "start $id"
    e2e_calls_match "kill $id 15"
    e2e_calls_match "pause $id"
    e2e_calls_match "resume $id"
    e2e_calls_match "delete --force $id"
}

for r in $HRUN_E2E_RUNTIMES; do
    e2e_pass_begin "$r"
    e2e_t_run "podman[$r]: run: stdout/stderr apart, exit code 7" test_run_streams_exit7 "$r"
    e2e_t_run "podman[$r]: run of a missing executable exits 127" test_run_missing_binary_127 "$r"
    e2e_t_run "podman[$r]: run -t gives the process a pty" test_run_tty "$r"
    e2e_t_run "podman[$r]: run --ulimit core=-1:-1: an rlimit of 2^64-1" test_run_ulimit_unlimited "$r"
    e2e_t_run "podman[$r]: run with --memory/--cpus/--pids-limit; state without --root" test_svc_start "$r"
    e2e_t_run "podman[$r]: --memory/--cpus/--pids-limit in the cgroup files" test_svc_limits "$r"
    e2e_t_run "podman[$r]: exec: output, exit code, --preserve-fds" test_svc_exec "$r"
    e2e_t_run "podman[$r]: exec -t" test_svc_exec_tty "$r"
    e2e_t_run "podman[$r]: top" test_svc_top "$r"
    e2e_t_run "podman[$r]: stats --no-stream" test_svc_stats "$r"
    e2e_t_run "podman[$r]: pause/unpause freeze the cgroup" test_svc_pause "$r"
    e2e_t_run "podman[$r]: memory and pids limits are enforced" test_svc_enforced "$r"
    e2e_t_run "podman[$r]: stop: SIGTERM, exit code 42 propagated, --rm cleans up" test_svc_stop "$r"
    [ "$r" = hrun ] && e2e_t_run "podman[hrun]: conmon ran hrun, with --log-format=json" test_hrun_calls
    e2e_pass_end "$r"
done
e2e_calls_summary
