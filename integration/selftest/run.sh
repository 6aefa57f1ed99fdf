#!/bin/bash
# Self-test of the VM harness: runs the selftest files (several fail on
# purpose) and checks that vm.sh exits non-zero, prints the right summary and
# reports exactly the expected verdicts.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$here/../vm.sh" "$here"/{lib-cases,exit-nonzero,no-results,hang}.sh >"$out" 2>&1
rc=$?
fail=0
[ $rc != 0 ] || { echo "selftest: vm.sh exited 0 despite failures"; fail=1; }
want="9 passed, 9 failed, 2 skipped"
got=$(tail -n1 "$out")
[ "$got" = "$want" ] || { echo "selftest: summary '$got', want '$want'"; fail=1; }
# the run dir from "vm.sh: ... logs in DIR" (build/vm/last may be another run's)
run=$(sed -n 's/^vm.sh: .*logs in \(.*\)$/\1/p' "$out" | tail -n1)
if ! diff -u "$here/expected" "$run/out/results"; then
    echo "selftest: verdicts differ (see diff above)"
    fail=1
fi
grep -q '| NOT REACHED' "$out" && { echo "selftest: a test continued after failing"; fail=1; }
grep -q '    | still running' "$out" || { echo "selftest: failing test output not shown"; fail=1; }
grep -q 'captured, not shown' "$out" && { echo "selftest: passing test output shown"; fail=1; }
if [ $fail = 0 ]; then echo "selftest: ok"; else cat "$out"; echo "selftest: FAILED"; fi
exit $fail
