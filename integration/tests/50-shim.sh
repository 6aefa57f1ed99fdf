#!/bin/bash
# The shim and the monitor: run -d under hrun-shim (parent, logs, exit
# record, survives hrun, delete cleans up, SIGKILL of the shim), OOM events
# and oomKilled, CPU throttling in events --stats, hrun stats rows, and the
# foreground run --report. Effects are checked from outside: /proc, the
# cgroup files, the state dir.
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state
MIB32=33554432
# run -d with its output in files: a $(...) must not hang on a leaked fd
D() {
    H run -d "$@" >"$T_TMP/run.out" 2>&1 </dev/null || {
        cat "$T_TMP/run.out" >&2
        return 1
    }
}
state_field() { H state "$1" | jq -r "$2"; }
ppid_of() { awk '/^PPid:/ {print $2}' "/proc/$1/status"; }
# pids of hrun-shim processes for container $1 (by their command line)
shims_of() {
    local p
    for p in /proc/[0-9]*; do
        tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q "^hrun-shim --root $ROOT --id $1 \$" &&
            echo "${p#/proc/}"
    done
    return 0
}
gone() { [ ! -e "/proc/$1" ]; }
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status"; }
dead() { ! alive "$1"; }
no_shim() { [ -z "$(shims_of "$1")" ]; }

export HRUN_SHIM
HRUN_SHIM=$(hrun_shim_bin)

test_detach_shim() {
    require_hrun
    local id pid shim sess
    id=$(unique_id det)
    mk_bundle b -- sh -c 'echo out-line; echo err-line >&2; exec sleep 1000'
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    run_timeout 60 hrun --root "$ROOT" run -d --bundle b "$id" >"$T_TMP/run.out" 2>&1 </dev/null
    assert_eq "$(cat "$T_TMP/run.out")" "" "run -d prints nothing"
    # hrun has returned; the init is running under the shim
    pid=$(state_field "$id" .pid)
    assert_eq "$(state_field "$id" .status)" running
    shim=$(ppid_of "$pid")
    assert_eq "$(cat "/proc/$shim/comm")" hrun-shim "the init's parent is hrun-shim"
    assert_eq "$(shims_of "$id")" "$shim"
    # in its own session, not in hrun's (this shell's)
    sess=$(awk '{print $6}' "/proc/$shim/stat")
    assert_eq "$sess" "$shim" "the shim leads its own session"
    assert_ne "$sess" "$(awk '{print $6}' /proc/$$/stat)"
    assert_eq "$(cut -d' ' -f1 "$ROOT/$id/shim.pid")" "$shim"
    # the container's stdio is in the state dir
    wait_for 10 grep -qx out-line "$ROOT/$id/stdout.log"
    wait_for 10 grep -qx err-line "$ROOT/$id/stderr.log"
    # the shim reaps the init and records the exit
    H kill "$id" KILL
    wait_for 20 gone "$pid"
    wait_for 20 gone "$shim"
    assert_eq "$(state_field "$id" .status)" stopped
    assert_eq "$(state_field "$id" .exit.exitCode)" 137
    assert_eq "$(state_field "$id" .exit.signal)" SIGKILL
    assert_eq "$(state_field "$id" .exit.reason)" signaled
    assert_eq "$(state_field "$id" .exit.oomKilled)" false
    # runc's fields are unchanged
    assert_eq "$(state_field "$id" .pid)" 0
    assert_eq "$(state_field "$id" .ociVersion)" 1.0.2
    assert_contains "$(cat "$ROOT/$id/events.jsonl")" "\"type\":\"exit\",\"id\":\"$id\""
    assert_not_exists "$ROOT/$id/shim.pid" "the shim removes its pid file"
    H delete "$id"
    assert_not_exists "$ROOT/$id" "delete removes the logs and the record"
    assert_not_exists "$CG/hrun/$id"
    assert_eq "$(shims_of "$id")" ""
}
t_run "run -d: hrun-shim is the init's parent, keeps stdio in logs, records the exit" test_detach_shim

test_detach_exit_code_bundle_form() {
    require_hrun
    local id=sh-exit
    mkdir -p "$T_TMP/bf"
    mk_bundle "$T_TMP/bf/$id" -- sh -c 'echo bye; exit 3'
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    # hrun-shim found next to hrun (both in the tmpfs cache), not via $HRUN_SHIM
    (cd "$T_TMP/bf" && env -u HRUN_SHIM "$(hrun_bin)" --root "$ROOT" run -d "$id/") \
        >"$T_TMP/run.out" 2>&1 </dev/null || {
        cat "$T_TMP/run.out"
        t_fail "run -d bundle/"
    }
    wait_status "$id" stopped
    wait_for 20 sh -c "jq -e .extra.exit '$ROOT/$id/state.json' >/dev/null"
    assert_eq "$(state_field "$id" .exit.exitCode)" 3
    assert_eq "$(state_field "$id" .exit.reason)" exited
    assert_eq "$(state_field "$id" .status)" stopped
    assert_eq "$(cat "$ROOT/$id/stdout.log")" bye
    wait_for 10 no_shim "$id"
    H delete "$id"
    assert_not_exists "$ROOT/$id"
    assert_eq "$(shims_of "$id")" ""
}
t_run "run -d bundle/: exit code recorded; shim found next to hrun" test_detach_exit_code_bundle_form

test_shim_killed() {
    require_hrun
    local id pid shim
    id=$(unique_id kil)
    mk_bundle b -- sleep 1000
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    D --bundle b "$id"
    pid=$(state_field "$id" .pid)
    shim=$(ppid_of "$pid")
    assert_eq "$(cat "/proc/$shim/comm")" hrun-shim
    kill -KILL "$shim"
    wait_for 10 gone "$shim"
    sleep 0.5
    alive "$pid" || t_fail "the container died with its shim"
    assert_eq "$(state_field "$id" .status)" running
    H delete --force "$id"
    wait_for 10 dead "$pid"
    assert_not_exists "$ROOT/$id"
    assert_not_exists "$CG/hrun/$id"
}
t_run "SIGKILL of the shim leaves the container; delete --force cleans up" test_shim_killed

test_delete_force_running() {
    require_hrun
    local id pid shim
    id=$(unique_id del)
    mk_bundle b -- sleep 1000
    D --bundle b "$id"
    pid=$(state_field "$id" .pid)
    shim=$(ppid_of "$pid")
    run_timeout 30 hrun --root "$ROOT" delete --force "$id"
    # delete waited for the shim to finish: nothing is left, no shim either
    gone "$pid" || t_fail "init still there"
    gone "$shim" || t_fail "shim still there"
    assert_not_exists "$ROOT/$id"
    assert_not_exists "$CG/hrun/$id"
}
t_run "delete --force of a running shim container: no init, no shim, no files" test_delete_force_running

test_create_shim() {
    require_hrun
    local id pid
    id=$(unique_id cs)
    mk_bundle b -- sh -c 'exit 4'
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    H create --shim --bundle b "$id" >"$T_TMP/c.out" 2>&1 </dev/null
    pid=$(state_field "$id" .pid)
    assert_eq "$(state_field "$id" .status)" created
    assert_eq "$(cat "/proc/$(ppid_of "$pid")/comm")" hrun-shim
    H start "$id"
    wait_status "$id" stopped
    wait_for 20 sh -c "jq -e .extra.exit '$ROOT/$id/state.json' >/dev/null"
    assert_eq "$(state_field "$id" .exit.exitCode)" 4
    # create without --shim: no shim (the caller is the subreaper)
    local id2
    id2=$(unique_id cn)
    mk_bundle c -- sleep 1000
    t_defer "hrun --root $ROOT delete -f $id2 >/dev/null 2>&1"
    H create --bundle c "$id2" >"$T_TMP/c2.out" 2>&1 </dev/null
    assert_ne "$(cat "/proc/$(ppid_of "$(state_field "$id2" .pid)")/comm")" hrun-shim
    assert_not_exists "$ROOT/$id2/shim.pid"
}
t_run "create --shim opts in; plain create has no shim" test_create_shim

# Busybox dd allocates its bs-sized buffer and fills it from /dev/zero: as
# the container's pid 1 it is the process the OOM killer picks.
OOM_ARGS=(sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done; exec dd if=/dev/zero of=/dev/null bs=64M count=1')
OOM_RES='{"memory": {"limit": 33554432, "swap": 33554432}}'

test_oom() {
    require_hrun
    require_cmd jq
    local id epid peak
    id=$(unique_id oom)
    mk_bundle b --rw --resources "$OOM_RES" -- "${OOM_ARGS[@]}"
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    D --bundle b "$id"
    assert_eq "$(cat "$CG/hrun/$id/memory.max")" "$MIB32"
    H events --interval 1s "$id" >"$T_TMP/ev.out" 2>"$T_TMP/ev.err" &
    epid=$!
    # the stream is set up once its first stats line is out
    wait_for 30 grep -q '"type":"stats"' "$T_TMP/ev.out"
    touch b/rootfs/tmp/go
    wait_for 60 gone "$epid" || {
        kill "$epid"
        t_fail "events did not end with the container"
    }
    cat "$T_TMP/ev.err" >&2
    grep -qx "{\"type\":\"oom\",\"id\":\"$id\"}" "$T_TMP/ev.out" || t_fail "no oom event in: $(cat "$T_TMP/ev.out")"
    tail -n1 "$T_TMP/ev.out" | jq -e '.type == "exit" and .data.oomKilled == true and .data.exitCode == 137' >/dev/null ||
        t_fail "last event is not an OOM exit: $(tail -n1 "$T_TMP/ev.out")"
    # the stats lines are runc's layout, with the limit
    grep '"type":"stats"' "$T_TMP/ev.out" | head -n1 | jq -e ".data.memory.usage.limit == $MIB32" >/dev/null ||
        t_fail "stats line lacks memory.usage.limit"
    # the container is gone; state keeps the record
    wait_status "$id" stopped
    wait_for 20 sh -c "jq -e .extra.exit '$ROOT/$id/state.json' >/dev/null"
    assert_eq "$(state_field "$id" .exit.oomKilled)" true
    assert_eq "$(state_field "$id" .exit.exitCode)" 137
    assert_eq "$(state_field "$id" .exit.signal)" SIGKILL
    assert_eq "$(state_field "$id" .exit.reason)" oom-killed
    assert_eq "$(state_field "$id" .exit.memoryLimit)" "$MIB32"
    peak=$(state_field "$id" .exit.memoryPeak)
    t_log "peak $peak ($(state_field "$id" .exit.memoryPeakSource))"
    if [ "$peak" -le $((MIB32 / 2)) ] || [ "$peak" -gt $MIB32 ]; then
        t_fail "peak $peak not in (16MiB, 32MiB]"
    fi
    [ "$(state_field "$id" .exit.oomKills)" -ge 1 ] || t_fail "oomKills < 1"
    grep -q '"type":"oom"' "$ROOT/$id/events.jsonl" || t_fail "no oom line in events.jsonl"
}
t_run "OOM: events streams oom and exit; state records oomKilled, 137, peak <= limit" test_oom

test_cpu_throttled() {
    require_hrun
    require_cmd jq
    local id t0 t1 out thr usage
    id=$(unique_id cpu)
    mk_bundle b --resources '{"cpu": {"quota": 20000, "period": 100000}}' -- sh -c 'while :; do :; done'
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    D --bundle b "$id"
    t0=${EPOCHREALTIME/./}
    sleep 4
    out=$(H events --stats "$id")
    t1=${EPOCHREALTIME/./}
    t_log "$out"
    assert_eq "$(jq -r .type <<<"$out")" stats
    assert_eq "$(jq -r .id <<<"$out")" "$id"
    thr=$(jq -r .data.cpu.throttling.throttledPeriods <<<"$out")
    [ "$thr" -gt 0 ] || t_fail "throttledPeriods $thr"
    [ "$(jq -r .data.cpu.throttling.periods <<<"$out")" -ge "$thr" ] || t_fail "periods < throttled"
    # 20% of one CPU: the usage (ns) stays near the quota over the wall time
    usage=$(jq -r .data.cpu.usage.total <<<"$out")
    local wall_ns=$(((t1 - t0) * 1000)) max
    max=$((wall_ns / 5 + wall_ns / 10 + 200000000))
    t_log "usage ${usage}ns, wall ${wall_ns}ns, allowed ${max}ns"
    if [ "$usage" -le 0 ] || [ "$usage" -gt "$max" ]; then
        t_fail "usage $usage not within the quota ($max)"
    fi
    jq -e '.data.cpu.usage.user >= 0 and .data.pids.current == 1' <<<"$out" >/dev/null || t_fail "cpu.usage.user / pids.current"
    # stopped containers: runc's error
    H kill "$id" KILL
    wait_status "$id" stopped
    run H events --stats "$id"
    assert_contains "$output" "container with id $id is not running"
}
t_run "cpu.max: events --stats shows throttling and usage within the quota" test_cpu_throttled

test_stats_rows() {
    require_hrun
    require_cmd jq
    local a b out ra rb
    a=$(unique_id sa)
    b=$(unique_id sb)
    mk_bundle ba --resources '{"cpu": {"quota": 50000, "period": 100000}, "memory": {"limit": 67108864}}' -- sh -c 'while :; do :; done'
    mk_bundle bb --resources '{"memory": {"limit": 134217728}, "pids": {"limit": 32}}' -- sleep 1000
    t_defer "hrun --root $ROOT delete -f $a >/dev/null 2>&1"
    t_defer "hrun --root $ROOT delete -f $b >/dev/null 2>&1"
    D --bundle ba "$a"
    D --bundle bb "$b"
    sleep 1
    # CPU % is over one second of guest time; under emulation on a loaded
    # host a second may pass without the vCPU running: up to 3 tries
    local i
    for i in 1 2 3; do
        out=$(H stats --no-stream --format json)
        t_log "$out"
        ra=$(grep "\"id\":\"$a\"" <<<"$out")
        jq -e '.cpuPercent > 10' <<<"$ra" >/dev/null && break
    done
    rb=$(grep "\"id\":\"$b\"" <<<"$out")
    jq -e '.memoryLimit == 67108864 and .memoryLimited and .cpuPercent > 10 and .cpuPercent < 60 and .pids == 1' <<<"$ra" >/dev/null ||
        t_fail "row of the busy container: $ra"
    jq -e '.memoryLimit == 134217728 and .cpuPercent < 5 and .pids == 1 and .memoryUsage > 0 and .memoryUsage < 134217728' <<<"$rb" >/dev/null ||
        t_fail "row of the idle container: $rb"
    out=$(H stats --no-stream)
    t_log "$out"
    assert_contains "$(head -n1 <<<"$out")" "CONTAINER ID"
    assert_contains "$(head -n1 <<<"$out")" "MEM USAGE / LIMIT"
    assert_match "$(grep "^$a " <<<"$out")" "/ 64MiB"
    assert_match "$(grep "^$b " <<<"$out")" "/ 128MiB +[0-9.]+% +1 +[0-9.]+k?M?B / "
    assert_eq "$(grep -c . <<<"$out")" 3 "header and two rows"
    out=$(H stats --no-stream "$b")
    assert_eq "$(grep -c . <<<"$out")" 2 "one named container"
    run H stats --no-stream nosuch
    assert_contains "$output" "does not exist"
}
t_run "stats --no-stream: rows for two running containers" test_stats_rows

test_foreground_report() {
    require_hrun
    mk_bundle b --resources '{"memory": {"limit": 33554432}, "cpu": {"quota": 50000, "period": 100000}}' -- sh -c 'exit 5'
    run H run --report --bundle b "$(unique_id)"
    t_log "$output"
    assert_eq "$status" 5
    assert_contains "$output" "exited with code 5, oomKilled=false"
    assert_match "$output" "memory: peak [0-9.]+[KM]iB of limit 32MiB"
    assert_match "$output" "cpu: [0-9]+\.[0-9]{3}s \(user"
    assert_contains "$output" "(cpu.max 50000 100000)"
    mk_bundle o --rw --resources "$OOM_RES" -- dd if=/dev/zero of=/dev/null bs=64M count=1
    run H run --report --bundle o "$(unique_id)"
    t_log "$output"
    assert_eq "$status" 137
    assert_contains "$output" "killed by SIGKILL (exit code 137), oomKilled=true"
    assert_contains "$output" "of limit 32MiB"
    # no --report: nothing extra on stderr
    run H run --bundle b "$(unique_id)"
    assert_eq "$status" 5
    assert_eq "$output" ""
}
t_run "foreground run: exit code, --report summary (OOM, peak vs limit, cpu)" test_foreground_report
