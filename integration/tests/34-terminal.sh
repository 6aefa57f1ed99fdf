#!/bin/bash
# process.terminal with --console-socket: the pty master reaches the socket
# (SCM_RIGHTS, non-empty payload) before create returns.
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state
H() { hrun --root "$ROOT" "$@"; }

test_console_socket() {
    require_hrun
    local id rt rp out
    id=$(unique_id tty)
    rt=$(_t_cache_bin "$(dirname "$HRUN")/recvtty" recvtty)
    mk_bundle b --terminal --process-extra '"consoleSize": {"height": 30, "width": 100}' \
        -- sh -c 'tty; stty size; readlink /proc/self/fd/0; ls -l /dev/console | cut -c1; echo hi-from-tty'
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    "$rt" "$T_TMP/tty.sock" >"$T_TMP/tty.out" 2>&1 &
    rp=$!
    wait_for 10 grep -q ready "$T_TMP/tty.out"
    H create --bundle b --console-socket "$T_TMP/tty.sock" "$id" >/dev/null 2>&1 </dev/null
    # the master arrived before create returned
    assert_contains "$(cat "$T_TMP/tty.out")" "payload=/dev/pts/"
    assert_contains "$(cat "$T_TMP/tty.out")" "master-is-tty=1"
    H start "$id"
    wait $rp || true
    out=$(tr -d '\r' <"$T_TMP/tty.out")
    assert_contains "$out" "hi-from-tty"
    assert_match "$out" $'\n/dev/pts/[0-9]+\n30 100\n/dev/pts/[0-9]+\nc\n'
}
t_run "terminal through --console-socket" test_console_socket

test_terminal_needs_socket() {
    require_hrun
    mk_bundle b --terminal -- true
    run H create --bundle b "$(unique_id)"
    assert_ne "$status" 0
    assert_contains "$output" "console socket"
    assert_eq "$(ls "$ROOT" 2>/dev/null)" "" "nothing left behind"
}
t_run "a terminal without a console socket is refused for create" test_terminal_needs_socket
