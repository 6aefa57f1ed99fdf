#!/bin/bash
# Container lifecycle with runc's command line: create/start/state/kill/
# delete, run, list, errors, logs. Effects are checked from outside.
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state

test_create_start_delete() {
    require_hrun
    local id out pid cg
    id=$(unique_id life)
    mk_bundle b -- sh -c 'echo started >/tmp/marker; exec sleep 100'
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    C --bundle b --pid-file "$T_TMP/pid" "$id"
    assert_eq "$(cat "$T_TMP/create.out")" "" "create prints nothing"
    pid=$(cat "$T_TMP/pid")
    assert_match "$pid" '^[0-9]+$' "pid file holds bare digits"
    assert_eq "$(wc -c <"$T_TMP/pid")" "${#pid}" "no newline in pid file"
    assert_contains "$(H state "$id")" '"status": "created"'
    # the init is already in its final cgroup and waits for start
    cg=$(cgroup_of "$pid")
    assert_eq "$cg" "/hrun/$id" "init is in its cgroup before start"
    H start "$id"
    wait_for 10 grep -q sleep "/proc/$pid/cmdline"
    assert_contains "$(H state "$id")" '"status": "running"'
    assert_contains "$(H list)" "$id"
    assert_contains "$(H list --format json)" "\"id\":\"$id\""
    assert_eq "$(H list -q)" "$id"
    run H delete "$id"
    assert_contains "$output" "not stopped" "delete refuses a running container"
    H kill "$id" KILL
    wait_status "$id" stopped
    assert_contains "$(H state "$id")" '"status": "stopped"'
    H delete "$id"
    assert_not_exists "$ROOT/$id" "state dir removed"
    assert_not_exists "$CG/hrun/$id" "cgroup removed"
}
t_run "create, start, state, kill, delete" test_create_start_delete

test_state_fields() {
    require_hrun
    local id out
    id=$(unique_id st)
    mk_bundle b --extra '"annotations": {"org.example": "v1"}' -- sleep 100
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    C --bundle b "$id"
    out=$(H state "$id")
    for f in ociVersion id pid status bundle rootfs created owner annotations; do
        assert_contains "$out" "\"$f\""
    done
    assert_contains "$out" "\"bundle\": \"$PWD/b\""
    assert_contains "$out" '"org.example": "v1"'
    assert_match "$out" '"created": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z"'
    stat -c %a "$ROOT/$id" | grep -qx 700 || t_fail "state dir mode is not 0700"
}
t_run "state prints runc's fields; state dir is 0700" test_state_fields

test_run_exit_codes() {
    require_hrun
    mk_bundle b -- sh -c 'exit 7'
    assert_status 7 H run --bundle b "$(unique_id)"
    # pid 1 of a pid namespace cannot kill itself: signal it from outside
    local id rc=0
    id=$(unique_id kill)
    mk_bundle k -- sleep 100
    "$(hrun_bin)" --root "$ROOT" run --bundle k "$id" &
    local hp=$!
    wait_status "$id" running
    H kill "$id" KILL
    wait $hp || rc=$?
    assert_eq "$rc" 137 "128+SIGKILL"
    mk_bundle n -- /no/such/binary
    assert_status 127 H run --bundle n "$(unique_id)"
    assert_contains "$output" 'no/such/binary'
    assert_eq "$(ls "$ROOT" 2>/dev/null)" "" "nothing left behind"
}
t_run "run exits with the container's code (0..255, 128+sig, 127)" test_run_exit_codes

test_run_direct_form() {
    require_hrun
    mk_bundle mybundle -- echo direct
    out=$(H run mybundle/)
    assert_eq "$out" direct
    assert_not_exists "$ROOT/mybundle" "foreground run cleans up"
}
t_run "hrun run bundle/ names the container after the bundle" test_run_direct_form

test_run_forwards_signals() {
    require_hrun
    local id
    id=$(unique_id sig)
    mk_bundle b -- sh -c 'trap "exit 42" TERM; while :; do sleep 0.1; done'
    "$(hrun_bin)" --root "$ROOT" run --bundle b "$id" &
    local hp=$!
    wait_status "$id" running
    sleep 0.5
    kill -TERM $hp
    local rc=0
    wait $hp || rc=$?
    assert_eq "$rc" 42 "SIGTERM reached the container"
}
t_run "foreground run forwards signals" test_run_forwards_signals

test_errors() {
    require_hrun
    run H state nosuch
    assert_contains "$output" "does not exist"
    assert_ne "$status" 0
    run H delete nosuch
    assert_contains "$output" "does not exist"
    assert_status 0 H delete --force nosuch
    run H kill nosuch 9
    assert_contains "$output" "does not exist"
    for bad in .. a/b "x y"; do
        run H create --bundle . "$bad"
        assert_ne "$status" 0
        assert_contains "$output" "invalid container id"
    done
    local id
    id=$(unique_id err)
    mk_bundle b -- sleep 100
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    C --bundle b "$id"
    run H create --bundle b "$id"
    assert_contains "$output" "container with id exists"
    run H kill "$id" SIGFOO
    assert_contains "$output" "invalid signal"
    H kill "$id" kill
    wait_status "$id" stopped
    run H kill "$id" 15
    assert_contains "$output" "container not running"
}
t_run "errors use runc's phrases" test_errors

test_json_log() {
    require_hrun
    run H --log "$T_TMP/log.json" --log-format json state nosuch
    assert_ne "$status" 0
    assert_match "$(cat "$T_TMP/log.json")" '^\{"level":"error","msg":"container \\"nosuch\\" does not exist","time":"[^"]+"\}$'
    H --log "$T_TMP/empty.json" --log-format json list >/dev/null
    assert_exists "$T_TMP/empty.json" "log file created even without errors"
}
t_run "--log-format json writes error lines" test_json_log

test_config_error_names_path() {
    require_hrun
    mk_bundle b -- true
    sed -i 's/"cwd": "\/"/"cwd": "relative"/' b/config.json
    run H run --bundle b "$(unique_id)"
    assert_ne "$status" 0
    assert_contains "$output" 'config.json: process.cwd'
    assert_eq "$(ls "$ROOT" 2>/dev/null)" "" "nothing left behind"
}
t_run "a bad config names the JSON path and leaves nothing" test_config_error_names_path

test_concurrent_create() {
    require_hrun
    local id ok=0 i
    id=$(unique_id race)
    mk_bundle b -- sleep 100
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    for i in 1 2 3 4 5; do (H create --bundle b "$id" >/dev/null 2>&1 && echo ok >>"$T_TMP/race") & done
    wait
    assert_eq "$(grep -c ok "$T_TMP/race")" 1 "exactly one create wins"
}
t_run "concurrent create of one id yields one container" test_concurrent_create

test_spec() {
    require_hrun
    mkdir sp
    H spec --bundle sp
    assert_contains "$(cat sp/config.json)" '"noNewPrivileges": true'
    run H spec --bundle sp
    assert_contains "$output" "exists"
    H features | grep -q '"namespaces"' || t_fail "features lacks namespaces"
}
t_run "spec writes a config; features prints JSON" test_spec
