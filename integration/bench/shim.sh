#!/bin/bash
# hrun-shim footprint, reported (not asserted): private RSS of the shim of
# an idle container, its wakeups while idle, the binary size, and the
# latency of `run -d` with and without the shim.
#     integration/vm.sh integration/bench/shim.sh
# timeout: 600
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state
OUT=$T_TMP/bench.txt
H() { hrun --root "$ROOT" "$@"; }
export HRUN_SHIM
HRUN_SHIM=$(hrun_shim_bin)
r() { echo "# $*" | tee -a "$OUT"; }
kb() { awk -v k="$2" '$1 == k":" {print $2}' "$1"; }
ctx() { awk '/ctxt_switches/ {n += $2} END {print n}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

bench_shim() {
    require_hrun
    require_cmd jq
    local id=bench pid shim s0 s1 c0 c1 t0 t1 i n=5 a b
    mk_bundle b --resources '{"memory": {"limit": 67108864}}' -- sleep 1000
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    H run -d --bundle b "$id" </dev/null >/dev/null 2>&1
    pid=$(H state "$id" | jq .pid)
    shim=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status")
    [ "$(cat "/proc/$shim/comm")" = hrun-shim ] || t_fail "no shim"
    sleep 2
    local sr=/proc/$shim/smaps_rollup
    r "binary: $(stat -c %s "$HRUN_SHIM") bytes ($(size "$HRUN_SHIM" 2>/dev/null | awk 'NR == 2 {print "text " $1 ", data " $2 ", bss " $3}'))"
    r "shim RSS $(kb "$sr" Rss) kB, PSS $(kb "$sr" Pss) kB, private $(($(kb "$sr" Private_Clean) + $(kb "$sr" Private_Dirty))) kB (clean $(kb "$sr" Private_Clean), dirty $(kb "$sr" Private_Dirty)), anon $(kb "$sr" Anonymous) kB"
    r "for scale, the container's idle sleep: RSS $(kb "/proc/$pid/smaps_rollup" Rss) kB, private $(($(kb "/proc/$pid/smaps_rollup" Private_Clean) + $(kb "/proc/$pid/smaps_rollup" Private_Dirty))) kB"
    c0=$(ctx "$shim")
    t0=$(cpu_ticks "$shim")
    sleep 10
    c1=$(ctx "$shim")
    t1=$(cpu_ticks "$shim")
    r "idle 10 s: $((c1 - c0)) wakeups (context switches), $((t1 - t0)) CPU ticks"
    # latency: run -d with the shim vs without (runc's behaviour)
    for mode in shim no-shim; do
        s0=${EPOCHREALTIME/./}
        for ((i = 0; i < n; i++)); do
            a=lat-$mode-$i
            if [ $mode = shim ]; then
                H run -d --bundle b "$a" </dev/null >/dev/null 2>&1
            else
                H run -d --no-shim --bundle b "$a" </dev/null >/dev/null 2>&1
            fi
        done
        s1=${EPOCHREALTIME/./}
        r "run -d ($mode): $(((s1 - s0) / n / 1000)) ms per container (TCG, mean of $n)"
        for ((i = 0; i < n; i++)); do H delete -f "lat-$mode-$i" >/dev/null 2>&1; done
    done
    b=$(pgrep -c -x hrun-shim || true)
    r "shims left after the deletes: $((b - 1)) (the benchmark container's own excluded)"
}
t_run "hrun-shim footprint (reported, not asserted)" bench_shim
cat "$OUT" 2>/dev/null
