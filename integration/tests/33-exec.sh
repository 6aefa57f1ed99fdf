#!/bin/bash
# hrun exec: output and exit codes, namespaces, cgroup, process flags,
# --process, seccomp, cwd escape, detach/pid-file, preserve-fds, tty,
# signals, and the runc error phrases. Effects are checked from outside
# (/proc/PID/*) or compared with the container's init.
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state
# exec_bg PIDFILE [FLAGS] ID ARGS...: a detached exec (its stdio is a
# file, so no $(...) waits for it); prints nothing
exec_bg() {
    local pf=$1
    shift
    H exec -d --pid-file "$pf" "$@" >"$pf.out" 2>&1 </dev/null || {
        cat "$pf.out" >&2
        return 1
    }
}

# One long-running container shared by the tests that only exec into it.
SHARED=$(unique_id shared)
mk_bundle shared --hostname exec-host -- sleep 1000
echo in-container >shared/rootfs/marker
SHARED_PID=$(start_bg shared "$SHARED" 2>"$T_TMP/shared.err") || SHARED_PID=
have_shared() {
    require_hrun
    [ -n "$SHARED_PID" ] || t_fail "shared container did not start: $(cat "$T_TMP/shared.err" "$T_TMP/$SHARED.out" 2>/dev/null)"
}

test_output_and_exit_codes() {
    have_shared
    assert_eq "$(H exec "$SHARED" echo hello from exec)" "hello from exec"
    assert_status 0 H exec "$SHARED" true
    assert_status 7 H exec "$SHARED" sh -c 'exit 7'
    assert_status 127 H exec "$SHARED" /no/such/binary
    assert_contains "$output" "/no/such/binary"
    assert_status 127 H exec "$SHARED" no-such-command
    assert_contains "$output" 'executable file not found in $PATH'
    # option parsing stops at the id: -c belongs to sh
    assert_eq "$(H exec "$SHARED" sh -c 'echo $((6*7))')" 42
}
t_run "exec prints output and propagates exit codes (0, 7, 127)" test_output_and_exit_codes

test_namespaces_hostname_rootfs() {
    have_shared
    local ns inside outside
    for ns in mnt net ipc uts pid cgroup; do
        inside=$(H exec "$SHARED" readlink /proc/self/ns/$ns)
        outside=$(readlink /proc/$SHARED_PID/ns/$ns)
        assert_eq "$inside" "$outside" "exec is in the container's $ns namespace"
        assert_ne "$inside" "$(readlink /proc/self/ns/$ns)" "$ns differs from the host's"
    done
    assert_eq "$(H exec "$SHARED" hostname)" exec-host
    assert_eq "$(H exec "$SHARED" cat /marker)" in-container
    assert_not_exists /marker
    # pid 1 is the container's init, the exec'd shell has a small pid
    assert_eq "$(H exec "$SHARED" cat /proc/1/cmdline | tr '\0' ' ')" "sleep 1000 "
    assert_eq "$(H exec "$SHARED" sed -n 's/^0:://p' /proc/self/cgroup)" / \
        "cgroup namespace rooted at the container's cgroup"
}
t_run "exec joins the init's namespaces; sees its hostname and rootfs" test_namespaces_hostname_rootfs

test_cgroup_detach_pidfile() {
    have_shared
    local pid start end
    start=${EPOCHREALTIME/./}
    run_timeout 30 hrun --root "$ROOT" exec -d --pid-file "$T_TMP/d.pid" "$SHARED" sleep 77 \
        >"$T_TMP/d.out" 2>&1 </dev/null
    end=${EPOCHREALTIME/./}
    [ $(((end - start) / 1000000)) -lt 20 ] || t_fail "exec -d did not return"
    pid=$(cat "$T_TMP/d.pid")
    assert_match "$pid" '^[0-9]+$' "pid file holds bare digits"
    assert_eq "$(wc -c <"$T_TMP/d.pid")" "${#pid}" "no newline in the pid file"
    kill -0 "$pid" || t_fail "detached process is not running"
    assert_eq "$(tr '\0' ' ' </proc/$pid/cmdline)" "sleep 77 "
    assert_eq "$(cgroup_of "$pid")" "$(cgroup_of "$SHARED_PID")" "exec'd process is in the container's cgroup"
    assert_eq "$(cgroup_of "$pid")" "/hrun/$SHARED"
    assert_contains "$(H ps "$SHARED")" "$pid"
    kill -9 "$pid"
}
t_run "exec -d returns, the process runs in the container's cgroup; pid file" test_cgroup_detach_pidfile

test_env_cwd_user() {
    have_shared
    local out
    out=$(H exec --env FOO=bar -e TERM=dumb --cwd /tmp --user 1000:1001 "$SHARED" \
        sh -c 'echo "$FOO"; echo "$TERM"; env | grep -c "^TERM="; pwd; id -u; id -g')
    assert_eq "$out" "$(printf 'bar\ndumb\n1\n/tmp\n1000\n1001')"
    # --user UID keeps the config's gid; -g adds groups
    out=$(H exec -u 1234 -g 5 -g 7 "$SHARED" sh -c 'id -u; id -g; id -G')
    assert_eq "$out" "$(printf '1234\n0\n0 5 7')"
    run H exec --cwd relative "$SHARED" true
    assert_ne "$status" 0
    assert_contains "$output" "--cwd"
    run H exec --user abc "$SHARED" true
    assert_ne "$status" 0
    assert_contains "$output" '--user: parsing "abc" as int for uid failed'
}
t_run "--env overrides, --cwd, --user, --additional-gids" test_env_cwd_user

test_process_file() {
    have_shared
    local pid
    cat >"$T_TMP/process.json" <<'EOF'
{
  "args": ["sleep", "88"],
  "cwd": "/tmp",
  "env": ["PATH=/bin", "FROM_JSON=yes"],
  "user": {"uid": 123, "gid": 456, "additionalGids": [9]},
  "capabilities": {
    "bounding": ["CAP_CHOWN", "CAP_KILL"],
    "effective": ["CAP_CHOWN"],
    "permitted": ["CAP_CHOWN", "CAP_KILL"],
    "inheritable": ["CAP_CHOWN"],
    "ambient": ["CAP_CHOWN"]
  },
  "noNewPrivileges": true
}
EOF
    exec_bg "$T_TMP/p.pid" --process "$T_TMP/process.json" "$SHARED"
    pid=$(cat "$T_TMP/p.pid")
    assert_eq "$(status_field $pid Uid)" "$(printf '123\t123\t123\t123')"
    assert_eq "$(status_field $pid Gid)" "$(printf '456\t456\t456\t456')"
    assert_eq "$(status_field $pid Groups | xargs)" 9
    # inheritable is never set (CVE-2022-29162), so neither is ambient,
    # and a non-root uid keeps no caps across execve; both are reported
    assert_eq "$(status_field $pid CapInh)" 0000000000000000
    assert_eq "$(status_field $pid CapAmb)" 0000000000000000
    assert_eq "$(status_field $pid CapEff)" 0000000000000000
    assert_eq "$(status_field $pid CapPrm)" 0000000000000000
    assert_eq "$(status_field $pid CapBnd)" 0000000000000021
    assert_contains "$(cat "$T_TMP/p.pid.out")" "process.capabilities.inheritable: not applied"
    assert_contains "$(cat "$T_TMP/p.pid.out")" "process.capabilities.ambient: not applied"
    assert_eq "$(status_field $pid NoNewPrivs)" 1
    assert_contains "$(tr '\0' '\n' </proc/$pid/environ)" FROM_JSON=yes
    assert_eq "$(stat -L -c %i /proc/$pid/cwd)" "$(H exec "$SHARED" stat -c %i /tmp)" "cwd /tmp"
    kill -9 "$pid"

    # a bad file names the file and the field
    echo '{"args": [], "cwd": "/"}' >"$T_TMP/bad.json"
    run H exec --process "$T_TMP/bad.json" "$SHARED"
    assert_ne "$status" 0
    assert_contains "$output" "$T_TMP/bad.json: args"
}
t_run "--process FILE: user, groups, caps (never inheritable), env, cwd (from /proc)" test_process_file

test_caps_flag_and_defaults() {
    have_shared
    local pid
    # the config's caps: CAP_AUDIT_WRITE(29) CAP_KILL(5) CAP_NET_BIND_SERVICE(10)
    exec_bg "$T_TMP/c1.pid" "$SHARED" sleep 66
    pid=$(cat "$T_TMP/c1.pid")
    assert_eq "$(status_field $pid CapEff)" 0000000020000420
    assert_eq "$(status_field $pid CapBnd)" 0000000020000420
    assert_eq "$(status_field $pid CapInh)" 0000000000000000 "no inheritable caps"
    assert_eq "$(status_field $pid NoNewPrivs)" 1
    assert_match "$(grep 'Max open files' /proc/$pid/limits)" 'Max open files +1024 +1024 ' \
        "the process rlimits apply"
    kill -9 "$pid"
    # --cap CAP_SYS_ADMIN(21) adds to bounding, effective, permitted only
    exec_bg "$T_TMP/c2.pid" --cap CAP_SYS_ADMIN "$SHARED" sleep 66
    pid=$(cat "$T_TMP/c2.pid")
    assert_eq "$(status_field $pid CapEff)" 0000000020200420
    assert_eq "$(status_field $pid CapPrm)" 0000000020200420
    assert_eq "$(status_field $pid CapBnd)" 0000000020200420
    assert_eq "$(status_field $pid CapInh)" 0000000000000000
    kill -9 "$pid"
    run H exec --cap CAP_NOPE "$SHARED" true
    assert_ne "$status" 0
    assert_contains "$output" 'unknown capability "CAP_NOPE"'
}
t_run "exec gets the config's caps and rlimits; --cap adds; CapInh 0" test_caps_flag_and_defaults

test_seccomp() {
    have_shared
    local pid id2 pid2
    exec_bg "$T_TMP/s.pid" "$SHARED" sleep 55
    pid=$(cat "$T_TMP/s.pid")
    assert_eq "$(status_field $pid Seccomp)" 2 "a seccomp filter is installed"
    kill -9 "$pid"
    run H exec "$SHARED" unshare -U true
    assert_ne "$status" 0 "unshare(CLONE_NEWUSER) is blocked by the default profile"
    # the container's choice applies to exec too: unconfined by annotation
    id2=$(unique_id unconf)
    mk_bundle unconf --extra '"annotations": {"run.hrun.seccomp": "unconfined"}' -- sleep 1000
    t_defer "hrun --root $ROOT delete -f $id2 >/dev/null 2>&1"
    pid2=$(start_bg unconf "$id2")
    assert_eq "$(status_field $pid2 Seccomp)" 0
    exec_bg "$T_TMP/s2.pid" "$id2" sleep 55
    pid=$(cat "$T_TMP/s2.pid")
    assert_eq "$(status_field $pid Seccomp)" 0 "no filter for an unconfined container"
    kill -9 "$pid"
    # and a config filter is the one exec gets
    local id3
    id3=$(unique_id cfgsc)
    mk_bundle cfgsc --linux-extra '"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}' -- sleep 1000
    t_defer "hrun --root $ROOT delete -f $id3 >/dev/null 2>&1"
    start_bg cfgsc "$id3" >/dev/null
    run H exec "$id3" sh -c 'mkdir /tmp/x 2>&1; echo rc=$?'
    assert_contains "$output" "Permission denied"
    assert_contains "$output" "rc=1"
}
t_run "exec gets the container's seccomp filter (default, unconfined, config)" test_seccomp

test_cwd_escape_refused() {
    have_shared
    exec 7</
    run H exec --cwd /proc/self/fd/7 "$SHARED" pwd
    exec 7<&-
    assert_ne "$status" 0
    assert_contains "$output" "outside the container root"
    assert_not_contains "$output" "$(printf '\n/\n')"
}
t_run "exec --cwd /proc/self/fd/7 (leaked host dir) is refused" test_cwd_escape_refused

test_preserve_fds() {
    have_shared
    echo three >"$T_TMP/f3"
    echo four >"$T_TMP/f4"
    echo five >"$T_TMP/f5"
    local script='cat <&3; cat <&4; [ -e /proc/$$/fd/5 ] && echo has5 || echo no5'
    out=$(H exec --preserve-fds 2 "$SHARED" sh -c "$script" 3<"$T_TMP/f3" 4<"$T_TMP/f4" 5<"$T_TMP/f5")
    assert_eq "$out" "$(printf 'three\nfour\nno5')"
    out=$(H exec "$SHARED" sh -c '[ -e /proc/$$/fd/3 ] && echo has3 || echo no3' 3<"$T_TMP/f3")
    assert_eq "$out" no3 "without --preserve-fds only stdio is passed"
}
t_run "--preserve-fds N passes 3..N+2, nothing else leaks" test_preserve_fds

test_signal_forwarding() {
    have_shared
    local hp rc=0
    "$(hrun_bin)" --root "$ROOT" exec "$SHARED" sleep 99 </dev/null &
    hp=$!
    wait_for 20 sh -c "'$(hrun_bin)' --root '$ROOT' ps '$SHARED' | grep -q 'sleep 99'"
    kill -TERM "$hp"
    wait "$hp" || rc=$?
    assert_eq "$rc" 143 "exit code 128+SIGTERM from the exec'd process"
    sleep 0.5
    assert_not_contains "$(H ps "$SHARED")" "sleep 99" "the signal reached the process"
}
t_run "foreground exec forwards signals and exits 128+sig" test_signal_forwarding

test_tty_proxy() {
    have_shared
    run H exec -t "$SHARED" sh -c 'tty; exit 3' </dev/null
    assert_eq "$status" 3
    assert_match "$output" '/dev/pts/[0-9]+'
    run H exec -d -t "$SHARED" true </dev/null
    assert_ne "$status" 0
    assert_contains "$output" "cannot allocate tty if hrun will detach without setting console socket"
}
t_run "exec -t without a console socket proxies the pty" test_tty_proxy

test_console_socket() {
    have_shared
    [ -x /usr/bin/python3 ] || t_skip "python3 not available"
    local sock=$T_TMP/console.sock out=$T_TMP/console.out pid
    cat >"$T_TMP/recv.py" <<'EOF'
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 1024, 1)
with open(out, "w") as f:
    f.write("payload=%s\n" % msg.decode())
    f.flush()
    while True:
        try:
            d = os.read(fds[0], 4096)
        except OSError:
            break
        if not d:
            break
        f.write(d.decode(errors="replace"))
        f.flush()
EOF
    /usr/bin/python3 "$T_TMP/recv.py" "$sock" "$out" 2>"$T_TMP/recv.err" &
    local py=$!
    t_defer "kill $py 2>/dev/null"
    # python's first start reads many files over 9p under emulation
    wait_for 90 test -S "$sock" || {
        cat "$T_TMP/recv.err" >&2
        return 1
    }
    exec_bg "$T_TMP/t.pid" -t --console-socket "$sock" "$SHARED" sh -c 'tty; echo tty-ok; sleep 1'
    wait_for 20 grep -q tty-ok "$out"
    assert_match "$(cat "$out")" 'payload=/dev/pts/[0-9]+'
    assert_match "$(cat "$out")" '/dev/pts/[0-9]+'
    run H exec --console-socket "$sock" "$SHARED" true
    assert_ne "$status" 0
    assert_contains "$output" "cannot use console socket if hrun will not detach or allocate tty"
}
t_run "exec -d -t --console-socket hands the pty master over" test_console_socket

test_states_and_errors() {
    require_hrun
    local id pid
    run H exec no-such-container true
    assert_ne "$status" 0
    assert_contains "$output" 'container "no-such-container" does not exist'
    # a stopped container
    id=$(unique_id stopped)
    mk_bundle st -- true
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    start_bg st "$id" >/dev/null
    wait_for 20 sh -c "'$(hrun_bin)' --root '$ROOT' state '$id' | grep -q '\"stopped\"'"
    run H exec "$id" true
    assert_ne "$status" 0
    assert_contains "$output" "cannot exec in a stopped container"
    # a created (not started) container accepts exec, like runc
    local id2
    id2=$(unique_id created)
    mk_bundle cr -- sleep 1000
    t_defer "hrun --root $ROOT delete -f $id2 >/dev/null 2>&1"
    H create --bundle cr "$id2" >"$T_TMP/cr.out" 2>&1 </dev/null
    assert_eq "$(H exec "$id2" echo in-created)" in-created
    assert_contains "$(H state "$id2")" '"status": "created"'
    # a paused one does not
    have_shared
    H pause "$SHARED"
    run H exec "$SHARED" true
    H resume "$SHARED"
    assert_ne "$status" 0
    assert_contains "$output" "cannot exec in a paused container"
}
t_run "exec into missing/stopped/paused fails with runc's phrase; created works" test_states_and_errors

test_user_namespace() {
    require_hrun
    local id pid
    id=$(unique_id userns)
    mk_bundle uns --ns pid,ipc,uts,mount,user,network,cgroup \
        --linux-extra '"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}], "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]' \
        -- sleep 1000
    chown -R 100000:100000 uns/rootfs
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    pid=$(start_bg uns "$id")
    assert_eq "$(H exec "$id" readlink /proc/self/ns/user)" "$(readlink /proc/$pid/ns/user)"
    assert_eq "$(H exec "$id" readlink /proc/self/ns/mnt)" "$(readlink /proc/$pid/ns/mnt)"
    assert_eq "$(H exec "$id" cat /proc/self/uid_map | xargs)" "0 100000 65536"
    assert_eq "$(H exec "$id" id -u)" 0
    exec_bg "$T_TMP/u.pid" "$id" sleep 44
    local epid
    epid=$(cat "$T_TMP/u.pid")
    assert_eq "$(status_field $epid Uid | cut -f1)" 100000 "container root is host uid 100000"
    assert_eq "$(status_field $epid CapEff)" 0000000020000420
    assert_eq "$(status_field $epid Seccomp)" 2
    kill -9 "$epid"
}
t_run "exec into a user-namespaced container" test_user_namespace

H delete -f "$SHARED" >/dev/null 2>&1 || true
