#!/bin/bash
# Run libFuzzer targets for a bounded time each (called by `make fuzz`).
#
#   tests/fuzz/run.sh FUZZ_BUILD SECONDS TARGET...
#
# Each target runs over a scratch corpus (FUZZ_BUILD/work/TARGET, where new
# inputs go) plus the seed corpus tests/fuzz/corpus/TARGET (read only), with
# tests/fuzz/TARGET.dict when present. A crash, leak, timeout or OOM fails
# the run; its input is copied into the seed corpus as
# regress-KIND-SHA1 so `make fuzz-regress` replays it from then on.
# Prints one line per target and a total: "fuzz: N targets, N inputs tried,
# N failures".
set -uo pipefail
cd "$(dirname "$0")/../.."
build=$1 secs=$2
shift 2
total_execs=0 failures=0
mkdir -p "$build/logs" "$build/artifacts"
: >"$build/summary.txt"
for t in "$@"; do
    bin=$build/bin/$t seeds=tests/fuzz/corpus/$t work=$build/work/$t
    mkdir -p "$work" "$seeds"
    log=$build/logs/$t.log
    art=$build/artifacts/$t
    rm -rf "$art"
    mkdir -p "$art"
    dict=()
    [ -f "tests/fuzz/$t.dict" ] && dict=("-dict=tests/fuzz/$t.dict")
    # leaks are checked at exit of every input (detect_leaks is on by
    # default with ASan); -timeout is per input
    ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$art/" \
        "${dict[@]}" "$work" "$seeds" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n1)
    execs=${execs:-0}
    total_execs=$((total_execs + execs))
    nfound=0
    for a in "$art"/*; do
        [ -f "$a" ] || continue
        kind=${a##*/}
        kind=${kind%%-*}
        dst=$seeds/regress-$kind-$(sha1sum <"$a" | cut -c1-16)
        cp "$a" "$dst"
        echo "fuzz: $t: $kind input saved as $dst"
        nfound=$((nfound + 1))
    done
    if [ $rc != 0 ] || [ $nfound != 0 ]; then
        failures=$((failures + 1))
        echo "fuzz: $t: FAILED (exit $rc), log $log:"
        grep -E 'ERROR|SUMMARY|invariant|runtime error' "$log" | head -n 20 | sed 's/^/    /'
    fi
    line="$t: $execs inputs in ${secs}s, ${cov:-cov: ?}, $(find "$seeds" -type f | wc -l) seeds, $(find "$work" -type f | wc -l) new"
    echo "fuzz: $line"
    echo "$line" >>"$build/summary.txt"
done
echo "fuzz: $# targets, $total_execs inputs tried, $failures failures"
echo "total: $# targets, $total_execs inputs, $failures failures" >>"$build/summary.txt"
[ $failures = 0 ]
