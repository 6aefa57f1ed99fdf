#!/bin/bash
# Harness self-test: exercises lib.sh result reporting.  Several cases fail
# ON PURPOSE; integration/selftest/run.sh checks the exact verdicts.
. "${HRUN_LIB:?run this via integration/vm.sh}"

t_run "run-pass" eval 'assert_eq 1 1; assert_contains "abc" b; assert_match abc "^a.c$"'
case_assert() { assert_eq "$(echo x)" y "x is not y"; echo "NOT REACHED"; }
t_run "run-fail-assert" case_assert
case_cmd() { false; echo "NOT REACHED"; }
t_run "run-fail-command" case_cmd
case_subst() { out=$(echo a; false; echo b); echo "NOT REACHED $out"; }
t_run "run-fail-in-subst" case_subst
case_skip() { t_skip "not today"; t_fail "NOT REACHED"; }
t_run "run-skip" case_skip
case_defer() { t_defer "echo deferred >$T_TMP/deferred"; true; }
t_run "run-defer" case_defer
t_run "defer-ran" assert_file_eq "$T_TMP/deferred" deferred
case_status() {
    assert_status 3 sh -c 'exit 3'
    assert_success true
    assert_failure false
    run sh -c 'echo out; echo err >&2; exit 4'
    assert_eq "$status" 4
    assert_eq "$output" "out
err"
}
t_run "run-status" case_status
t_run "run-status-fail" assert_success sh -c 'echo some output; exit 2'
case_timeout() { run run_timeout 1 sleep 5; assert_eq "$status" 124; }
t_run "run-timeout" case_timeout
t_run "run-bundle-json" eval 'mk_bundle b --env "Q=a\"b" -- echo "x\\y"; grep -q "\"Q=a\\\\\"b\"" b/config.json'

t_begin "begin-pass"
echo "captured, not shown"
t_pass
t_begin "begin-fail"
t_fail "explicit failure"
echo "still running"
t_pass
t_begin "begin-subshell-assert"
(assert_eq a b "assert in a subshell")
t_pass
t_begin "begin-skip"
t_skip "skipped in begin style"
t_begin "begin-auto-ended"
true
t_begin "begin-open-at-exit"
true
