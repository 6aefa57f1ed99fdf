#!/bin/bash
# First hrun smoke tests; skipped until build/hrun exists.
. "${HRUN_LIB:?run this via integration/vm.sh}"

test_hrun_hello() {
    require_hrun
    local id
    id=$(unique_id hrun)
    mk_bundle b -- echo hello
    t_defer "hrun delete -f $id >/dev/null 2>&1"
    out=$(run_timeout 60 hrun run --bundle b "$id")
    assert_eq "$out" hello
}
t_run "hrun run prints hello" test_hrun_hello

test_hrun_exit_status() {
    require_hrun
    local id
    id=$(unique_id hrun)
    mk_bundle b -- sh -c 'exit 7'
    t_defer "hrun delete -f $id >/dev/null 2>&1"
    assert_status 7 run_timeout 60 hrun run --bundle b "$id"
}
t_run "hrun run propagates the exit status" test_hrun_exit_status
