#!/bin/bash
# process.terminal with --console-socket: the pty master reaches the socket
# (SCM_RIGHTS, non-empty payload) before create returns. Without one, a
# foreground run relays the pty to hrun's stdio; detached forms refuse.
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state

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

# ---- foreground run with a terminal and no --console-socket: hrun holds the
# pty master and relays it to its own stdio, as runc does ----

# script(1) gives hrun a terminal on stdin; its own stdin must not reach EOF
# early (it would send ^D), so it reads a fifo held open by a sleep.
test_run_tty_relay_script() {
    require_hrun
    require_cmd script
    local id out hb
    id=$(unique_id ttyrun)
    hb=$(hrun_bin)
    mk_bundle b --terminal --process-extra '"consoleSize": {"height": 30, "width": 100}' \
        -- sh -c 'tty; test -t 0 && echo stdin-is-tty; test -t 1 && echo stdout-is-tty
            # a pty of the container'"'"'s own devpts, not script'"'"'s passed through
            [ "$(stat -c %d /dev/pts/ptmx)" = "$(stat -L -c %d /proc/self/fd/0)" ] && echo own-devpts
            stty size; echo out-marker; exit 7'
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    mkfifo "$T_TMP/script.in"
    sleep 120 >"$T_TMP/script.in" &
    t_defer "kill $! 2>/dev/null"
    # the outer terminal's size wins over consoleSize (window size sync);
    # the outer terminal's mode is the same after hrun (raw mode restored)
    out=$(run_timeout 60 script -qec "stty rows 33 cols 101; m=\$(stty -g); $hb --root $ROOT run --bundle b $id; echo hrun-exit=\$?; [ \"\$(stty -g)\" = \"\$m\" ] && echo mode-restored" /dev/null <"$T_TMP/script.in" | tr -d '\r')
    t_log "$out"
    assert_match "$out" $'(^|\n)/dev/pts/[0-9]+\nstdin-is-tty\nstdout-is-tty\nown-devpts\n33 101\nout-marker\nhrun-exit=7\nmode-restored'
    assert_not_exists "$ROOT/$id"
}
t_run "run: terminal relayed under script (tty, size sync, exit code, mode restored)" test_run_tty_relay_script

# No terminal anywhere on hrun's side: stdin a pipe, stdout a pipe. The
# program still gets a pty of process.consoleSize, and piped input reaches it.
# The program reads first: the pty's echo of the input is out by the time
# the read returns, so it cannot land inside a line printed later (it did,
# once, under ASan: "hello-in/dev/pts/0").
test_run_tty_relay_pipe() {
    require_hrun
    local id
    id=$(unique_id ttypipe)
    mk_bundle b --terminal --process-extra '"consoleSize": {"height": 30, "width": 100}' \
        -- sh -c 'read l; tty; test -t 0 && echo stdin-is-tty; stty size; echo got=$l; exit 5'
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    run run_timeout 60 sh -c "printf 'hello-in\n' | $(hrun_bin) --root $ROOT run --bundle b $id"
    assert_eq "$status" 5
    local out
    out=$(printf '%s' "$output" | tr -d '\r')
    # the pty echoes the input whenever it arrives: check line by line
    assert_match "$out" $'(^|\n)/dev/pts/[0-9]+\n'
    assert_match "$out" $'(^|\n)stdin-is-tty\n'
    assert_match "$out" $'(^|\n)30 100\n'
    assert_match "$out" $'(^|\n)got=hello-in(\n|$)'
    assert_not_exists "$ROOT/$id"
}
t_run "run: terminal relayed with stdin and stdout pipes (consoleSize, input, exit code)" test_run_tty_relay_pipe

# stdin /dev/null (the program still has a tty), and the program killed
# from outside: hrun exits 128+9 after relaying what it wrote.
test_run_tty_relay_killed() {
    require_hrun
    local id rp st=0
    id=$(unique_id ttykill)
    mk_bundle b --terminal -- sh -c 'test -t 0 && echo started; exec sleep 60'
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    # the binary, not a function: a failing function in the background
    # would fail the test from there
    "$(hrun_bin)" --root "$ROOT" run --bundle b "$id" </dev/null >"$T_TMP/kill.out" 2>&1 &
    rp=$!
    wait_for 30 grep -q started "$T_TMP/kill.out"
    H kill "$id" KILL
    wait $rp || st=$?
    assert_eq "$st" 137
}
t_run "run: terminal relayed with stdin /dev/null; a killed program gives 137" test_run_tty_relay_killed

test_run_detach_tty_needs_socket() {
    require_hrun
    mk_bundle b --terminal -- true
    local id
    id=$(unique_id)
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    run H run -d --bundle b "$id"
    assert_ne "$status" 0
    assert_contains "$output" "cannot allocate tty if hrun will detach without setting console socket"
    run H run -d --no-shim --bundle b "$id"
    assert_ne "$status" 0
    assert_contains "$output" "cannot allocate tty if hrun will detach without setting console socket"
    assert_eq "$(ls "$ROOT" 2>/dev/null)" "" "nothing left behind"
}
t_run "run -d with a terminal and no console socket is refused" test_run_detach_tty_needs_socket
