#!/bin/bash
# Runs the unit suite, then the VM integration suite, and prints one
# combined closing line so CI reads the totals of both.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${HRUN_BUILD:-build}
total_p=0 total_f=0 total_s=0 rc=0

tally() { # parse "N passed, N failed[, N skipped]" from a log
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n1)
  if [ -z "$line" ]; then
    total_f=$((total_f + 1))
    return
  fi
  local p f s
  p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")
  f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
  s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
  total_p=$((total_p + p)) total_f=$((total_f + f)) total_s=$((total_s + ${s:-0}))
}

log=$(mktemp)
echo "== unit tests"
(cd tests && "../$BUILD/unit-tests") 2>&1 | tee "$log" | grep -v '^ok ' || true
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
tally "$log"

if [ "${HRUN_SKIP_VM:-0}" != 1 ]; then
  echo "== integration tests (VM)"
  HRUN_BUILD=$BUILD integration/vm.sh 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" = 0 ] || rc=1
  tally "$log"
fi
rm -f "$log"
[ "$total_f" = 0 ] || rc=1
echo "$total_p passed, $total_f failed, $total_s skipped"
exit $rc
