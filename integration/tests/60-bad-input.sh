#!/bin/bash
# timeout: 900
# Hostile bundles and flags, end to end (table-driven): every case must fail
# with a one-line error that names the field, a non-zero exit status, and
# leave nothing behind: no state dir under --root, no cgroup directory, no
# new entry in the VM's mount table, no process. Then bad signals on a live
# container, and 10 concurrent creates of one id.
. "${HRUN_LIB:?run this via integration/vm.sh}"
. "$REPO/integration/leaks.sh"

ROOT=$T_TMP/state
RFS=$T_TMP/rootfs # one shared rootfs; bundles point at it

# ---- config builder ------------------------------------------------------------
# bundle DIR: DIR/config.json from the c_* fragments below ("-" omits a
# member). Defaults: a valid runc-spec-like config. reset_cfg restores them.
reset_cfg() {
    c_args='["sh", "-c", "exit 0"]'
    c_cwd='"/"'
    c_pextra=
    c_process=
    c_root="{\"path\": $(json_str "$RFS"), \"readonly\": true}"
    c_hostname='"bad-input"'
    c_mounts='{"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}'
    c_ns='{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
      {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}'
    c_lextra=
    c_extra=
}
bundle() {
    local d=$1
    [ -d "$d" ] || mkdir -p "$d"
    [ -n "$c_process" ] || c_process="{
    \"terminal\": false, \"user\": {\"uid\": 0, \"gid\": 0},
    \"args\": $c_args,
    \"env\": [\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"],
    \"cwd\": $c_cwd${c_pextra:+, $c_pextra}
  }"
    {
        echo '{"ociVersion": "1.0.2",'
        [ "$c_process" = - ] || echo "\"process\": $c_process,"
        [ "$c_root" = - ] || echo "\"root\": $c_root,"
        [ "$c_hostname" = - ] || echo "\"hostname\": $c_hostname,"
        [ -n "$c_extra" ] && echo "$c_extra,"
        echo "\"mounts\": [$c_mounts],"
        echo "\"linux\": {\"namespaces\": [$c_ns]${c_lextra:+, $c_lextra}}}"
    } >"$d/config.json"
}

# ---- the table -----------------------------------------------------------------
# Each case_NAME prepares bundle "b" (reset_cfg already done) and may set
# CMD (default: create), WANT (a substring the error must contain; it
# names the field) and WANT_STATUS (default: any non-zero).
case_truncated_json() {
    bundle b
    head -c 150 b/config.json >b/t && mv b/t b/config.json
    WANT="config.json: invalid JSON"
}
case_empty_file() {
    : >b/config.json
    WANT="config.json: invalid JSON"
}
case_huge_json() { # 5 MiB of whitespace before a valid document
    bundle b
    {
        printf '%*s' 5242880 ''
        cat b/config.json
    } >b/t && mv b/t b/config.json
    WANT="config.json: larger than"
}
case_deeply_nested_json() {
    local open close
    printf -v open '%*s' 200 ''
    printf -v close '%*s' 200 ''
    c_extra="\"annotations\": {\"x\": \"\"}, \"deep\": ${open// /[}${close// /]}"
    bundle b
    WANT="config.json: nesting deeper than"
}
case_null_config() {
    echo null >b/config.json
    WANT="config.json"
}
case_array_config() {
    echo '[]' >b/config.json
    WANT="config.json"
}
case_duplicate_key() {
    c_extra='"hostname": "again"'
    bundle b
    WANT="config.json"
}
case_wrong_type_hostname() {
    c_hostname=5
    bundle b
    WANT="hostname"
}
case_wrong_type_args() {
    c_args='"sh -c true"'
    bundle b
    WANT="process.args"
}
case_wrong_type_namespaces() {
    c_ns=
    c_lextra='"uidMappings": "none"'
    bundle b
    WANT="linux.uidMappings"
}
case_wrong_type_uid() {
    c_process='{"user": {"uid": -1, "gid": 0}, "args": ["true"], "cwd": "/"}'
    bundle b
    WANT="process.user.uid"
}
case_missing_process() {
    c_process=-
    bundle b
    WANT="process"
}
case_empty_args() {
    c_args='[]'
    bundle b
    WANT="process.args"
}
case_relative_cwd() {
    c_cwd='"tmp"'
    bundle b
    WANT="process.cwd"
}
case_rlimit_soft_above_hard() {
    c_pextra='"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 2048, "hard": 1024}]'
    bundle b
    WANT="process.rlimits[0]"
}
case_unknown_capability() {
    c_pextra='"capabilities": {"bounding": ["CAP_NO_SUCH_THING"]}'
    bundle b
    WANT="process.capabilities.bounding"
}
case_missing_root() {
    c_root=-
    bundle b
    WANT="root"
}
case_missing_rootfs() {
    c_root='{"path": "/nonexistent/rootfs"}'
    bundle b
    WANT="root.path"
}
case_relative_missing_rootfs() {
    c_root='{"path": "no-such-dir"}'
    bundle b
    WANT="root.path"
}
case_rootfs_is_a_file() {
    bundle b
    : >b/file
    c_root='{"path": "file"}'
    bundle b
    WANT="root.path"
}
case_rootfs_is_a_symlink() {
    ln -s "$RFS" b/link
    c_root='{"path": "link"}'
    bundle b
    WANT="root.path"
}
case_mount_destination_dotdot() {
    c_mounts+=', {"destination": "/tmp/../../etc", "type": "tmpfs", "source": "tmpfs"}'
    bundle b
    WANT="mounts[2].destination"
}
case_mount_destination_relative() {
    c_mounts+=', {"destination": "tmp", "type": "tmpfs", "source": "tmpfs"}'
    bundle b
    WANT="mounts[2].destination"
}
case_unknown_mount_type() {
    c_mounts+=', {"destination": "/tmp", "type": "nosuchfs", "source": "none"}'
    bundle b
    WANT="nosuchfs"
}
case_unsupported_mount_option() {
    c_mounts+=', {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["rro"]}'
    bundle b
    WANT="mounts[2].options[0]"
}
case_negative_memory_limit() {
    c_lextra='"resources": {"memory": {"limit": -5}}'
    bundle b
    WANT="linux.resources.memory.limit"
}
case_swap_below_limit() {
    c_lextra='"resources": {"memory": {"limit": 200000000, "swap": 100000000}}'
    bundle b
    WANT="linux.resources.memory.swap"
}
case_unknown_unified_key() {
    c_lextra='"resources": {"unified": {"nosuch.key": "1"}}'
    bundle b
    WANT="nosuch.key"
}
case_unified_key_with_slash() {
    c_lextra='"resources": {"unified": {"../cgroup.procs": "1"}}'
    bundle b
    WANT="linux.resources.unified"
}
case_negative_cpu_shares() {
    c_lextra='"resources": {"cpu": {"shares": -1}}'
    bundle b
    WANT="linux.resources.cpu.shares"
}
case_v1_only_setting() {
    c_lextra='"resources": {"memory": {"kernel": 1000000}}'
    bundle b
    WANT="linux.resources.memory.kernel"
}
case_duplicate_namespace() {
    c_ns+=', {"type": "pid"}'
    bundle b
    WANT="linux.namespaces"
}
case_unknown_namespace() {
    c_ns+=', {"type": "nosuchns"}'
    bundle b
    WANT="linux.namespaces"
}
case_userns_without_mappings() {
    c_ns+=', {"type": "user"}'
    bundle b
    WANT="linux.uidMappings"
}
case_mappings_without_userns() {
    c_lextra='"uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]'
    bundle b
    WANT="linux.uidMappings"
}
case_hostname_without_uts() {
    c_ns='{"type": "pid"}, {"type": "mount"}'
    bundle b
    WANT="hostname"
}
case_host_sysctl() {
    c_lextra='"sysctl": {"vm.swappiness": "0"}'
    bundle b
    WANT="linux.sysctl"
}
case_bad_seccomp_action() {
    c_lextra='"seccomp": {"defaultAction": "SCMP_ACT_NOPE"}'
    bundle b
    WANT="linux.seccomp.defaultAction"
}
case_relative_hook_path() {
    c_extra='"hooks": {"prestart": [{"path": "bin/true"}]}'
    bundle b
    WANT="hooks.prestart[0].path"
}
case_missing_executable() {
    c_args='["/no/such/binary"]'
    bundle b
    WANT="/no/such/binary"
    WANT_STATUS=127
}
case_missing_executable_run() {
    c_args='["no-such-command-in-path"]'
    bundle b
    CMD=(run --bundle b)
    WANT="no-such-command-in-path"
    WANT_STATUS=127
}
case_id_dotdot() {
    bundle b
    ID=..
    WANT="container id"
}
case_id_slash() {
    bundle b
    ID=a/b
    WANT="container id"
}
case_id_empty() {
    bundle b
    ID=
    WANT="container id"
}
case_id_1000_chars() {
    bundle b
    printf -v ID '%*s' 1000 ''
    ID=${ID// /i}
    WANT="container id"
}
case_missing_bundle() {
    CMD=(create --bundle "$T_TMP/no-such-bundle")
    WANT="--bundle"
}
case_bundle_without_config() {
    : # b exists, without config.json
    WANT="config.json"
}
case_pid_file_in_missing_dir() { # fails after the init is set up
    bundle b
    CMD=(create --bundle b --pid-file "$T_TMP/no/such/dir/pid")
    WANT="--pid-file"
}
case_console_socket_missing() {
    c_pextra='"consoleSize": {"height": 10, "width": 40}'
    bundle b
    sed -i 's/"terminal": false/"terminal": true/' b/config.json
    CMD=(create --bundle b --console-socket "$T_TMP/no-such.sock")
    WANT="console"
}
case_terminal_without_console_socket() {
    bundle b
    sed -i 's/"terminal": false/"terminal": true/' b/config.json
    WANT="console-socket"
}
case_bad_preserve_fds() {
    bundle b
    CMD=(create --bundle b --preserve-fds abc)
    WANT="--preserve-fds"
}
case_unknown_flag() {
    bundle b
    CMD=(create --bundle b --no-such-flag)
    WANT="no-such-flag"
}

# run_case NAME: one row of the table, in a fresh dir
INPUTS=0
run_case() {
    local name=$1 dir=$T_TMP/case-$1 out lines l
    mkdir -p "$dir/b"
    cd "$dir" || return 1
    reset_cfg
    CMD=(create --bundle b) WANT='' WANT_STATUS='' ID=bad-$name
    INPUTS=$((INPUTS + 1))
    if ! "case_$name"; then
        t_log "FAIL $name: the case's setup failed"
        FAILED+=("$name")
        return 0
    fi
    local t0=${EPOCHREALTIME/./}
    # output to a file: a create that wrongly succeeded leaves an init that
    # holds its stdout, so $(...) would wait for it
    status=0
    run_timeout 60 hrun --root "$ROOT" "${CMD[@]}" "$ID" </dev/null \
        >"$T_TMP/case.out" 2>&1 || status=$?
    out=$(<"$T_TMP/case.out")
    cd "$T_TMP" || return 1
    local ok=1
    if [ "$status" = 0 ]; then
        t_log "$name: unexpectedly succeeded"
        H delete -f "$ID" >/dev/null 2>&1
        ok=0
    elif [ -n "$WANT_STATUS" ] && [ "$status" != "$WANT_STATUS" ]; then
        t_log "$name: exit status $status, expected $WANT_STATUS"
        ok=0
    elif [ "$status" = 124 ]; then
        t_log "$name: timed out"
        ok=0
    fi
    lines=0
    while IFS= read -r l; do [ -z "$l" ] || lines=$((lines + 1)); done <<<"$out"
    if [ "$lines" != 1 ]; then
        t_log "$name: expected a one-line error, got $lines lines"
        ok=0
    fi
    if [[ $out != *"$WANT"* ]]; then
        t_log "$name: error does not name \"$WANT\""
        ok=0
    fi
    # every case must leave the system as the table found it (BASE)
    local leaks
    if ! leaks=$(leak_check "$BASE" "$ROOT"); then
        t_log "$name: left behind: $leaks"
        H delete -f "$ID" >/dev/null 2>&1
        BASE=$(leak_snapshot "$ROOT") # do not blame the next case
        ok=0
    fi
    local ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
    if [ $ok = 1 ]; then
        t_log "ok   $name (status $status, ${ms} ms): ${out:0:150}"
    else
        t_log "FAIL $name (status $status): $out"
        FAILED+=("$name")
    fi
}

test_table() {
    require_hrun
    [ -d "$RFS" ] || mk_rootfs "$RFS"
    FAILED=()
    BASE=$(leak_snapshot "$ROOT")
    local c
    for c in $(declare -F | sed -n 's/^declare -f case_//p'); do
        run_case "$c"
    done
    t_log "$INPUTS hostile inputs, ${#FAILED[@]} failed: ${FAILED[*]}"
    echo "# bad-input: $INPUTS hostile inputs tried, ${#FAILED[@]} failed" >>"$T_TMP/figures"
    [ ${#FAILED[@]} = 0 ] || t_fail "cases failed: ${FAILED[*]}"
}
t_run "hostile bundles and flags: one-line error naming the field, non-zero exit, nothing left behind" test_table

test_bad_signals() {
    require_hrun
    [ -d "$RFS" ] || mk_rootfs "$RFS"
    local id before pid s
    id=$(unique_id sig)
    mkdir -p sigb && cd sigb || return 1
    reset_cfg
    c_args='["sleep", "100"]'
    bundle b
    before=$(leak_snapshot "$ROOT")
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    H create --bundle b --pid-file "$T_TMP/sig.pid" "$id" >"$T_TMP/c.out" 2>&1 </dev/null
    pid=$(cat "$T_TMP/sig.pid")
    for s in NOPE SIGNOPE 0 -9 65 999999999999 RTMAX+1 RTMIN-1 "" 'KILL TERM' 9x; do
        run H kill "$id" "$s"
        assert_ne "$status" 0 "kill with signal '$s' fails"
        assert_contains "$output" "signal" "error for '$s' names the signal"
        assert_eq "$(printf '%s\n' "$output" | grep -c . || true)" 1 "one-line error for '$s'"
    done
    kill -0 "$pid" || t_fail "the container died of a bad signal"
    assert_contains "$(H state "$id")" '"status": "created"'
    H delete -f "$id"
    local leaks
    leaks=$(leak_check "$before" "$ROOT") || t_fail "left behind: $leaks"
}
t_run "bad signals are refused and the container stays intact" test_bad_signals

test_concurrent_create() {
    require_hrun
    [ -d "$RFS" ] || mk_rootfs "$RFS"
    local id before i ok=0 exists=0 other=0 pid
    id=$(unique_id race)
    mkdir -p race && cd race || return 1
    reset_cfg
    c_args='["sleep", "100"]'
    bundle b
    before=$(leak_snapshot "$ROOT")
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    for i in 0 1 2 3 4 5 6 7 8 9; do
        (
            if H create --bundle b --pid-file "$T_TMP/race.pid.$i" "$id" \
                >"$T_TMP/race.out.$i" 2>&1 </dev/null; then
                echo 0 >"$T_TMP/race.rc.$i"
            else
                echo $? >"$T_TMP/race.rc.$i"
            fi
        ) &
    done
    wait
    for i in 0 1 2 3 4 5 6 7 8 9; do
        if [ "$(cat "$T_TMP/race.rc.$i")" = 0 ]; then
            ok=$((ok + 1))
            pid=$(cat "$T_TMP/race.pid.$i")
        elif grep -q "container with id exists: $id" "$T_TMP/race.out.$i"; then
            exists=$((exists + 1))
            assert_not_exists "$T_TMP/race.pid.$i" "a loser wrote no pid file"
        else
            other=$((other + 1))
            t_log "loser $i: $(cat "$T_TMP/race.out.$i")"
        fi
    done
    t_log "winners $ok, 'id exists' $exists, other errors $other"
    assert_eq "$ok" 1 "exactly one create succeeds"
    assert_eq "$exists" 9 "the nine others fail with 'container with id exists'"
    # the winner is intact: state, live init in its cgroup, and it starts
    assert_contains "$(H state "$id")" '"status": "created"'
    assert_eq "$(cgroup_of "$pid")" "/hrun/$id" "winner's init in its cgroup"
    assert_eq "$(ls "$ROOT")" "$id" "one state dir"
    H start "$id"
    wait_for 10 grep -q sleep "/proc/$pid/cmdline"
    assert_contains "$(H state "$id")" '"status": "running"'
    H delete -f "$id"
    local leaks
    leaks=$(leak_check "$before" "$ROOT") || t_fail "left behind: $leaks"
}
t_run "10 concurrent creates of one id: one wins intact, nine fail cleanly" test_concurrent_create
cat "$T_TMP/figures" 2>/dev/null
