#!/bin/bash
# Run the benchmarks in the VM and write build/bench/ (make bench [QUICK=1]).
#
#   integration/bench/run.sh [FILE...]   default: integration/bench/[0-9]*.sh
#
# Environment: QUICK=1 (short run), HRUN_BUILD (build dir with hrun,
# hrun-shim and benchload), HRUN_BENCH_OUT (default build/bench), and the
# knobs read by the bench files: HRUN_BENCH_N (samples per runtime),
# HRUN_BENCH_CONC, HRUN_BENCH_LEVELS (scaling), HRUN_BENCH_SECONDS
# (enforcement windows).  See docs/benchmarks.md.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$here/../.." && pwd)
OUTDIR=${HRUN_BENCH_OUT:-$REPO/build/bench}
export HRUN_BENCH_QUICK=${QUICK:-${HRUN_BENCH_QUICK:-0}}
[ "$HRUN_BENCH_QUICK" = 1 ] || HRUN_BENCH_QUICK=0

files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$here"/[0-9]*.sh)

# Under TCG the guest's TSC is the host's; the guest calibrates its rate at
# boot against emulated timers, which a loaded host skews (a guest clock
# running at several times real time was seen).  Give it the host's rate.
tsc_khz() {
    local mhz
    grep -qw constant_tsc /proc/cpuinfo || return 1
    mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | tail -n1)
    [ -n "$mhz" ] || mhz=$(sed -n 's/^cpu MHz[[:space:]]*: //p' /proc/cpuinfo | head -n1)
    [ -n "$mhz" ] || return 1
    awk -v m="$mhz" 'BEGIN { printf "%d", m * 1000 }'
}
if khz=$(tsc_khz); then
    export HRUN_VM_CMDLINE="${HRUN_VM_CMDLINE:-} tsc_early_khz=$khz"
fi
# 500 running containers (network namespaces, shims) need more than 2G
[ "$HRUN_BENCH_QUICK" = 1 ] || export HRUN_VM_MEM=${HRUN_VM_MEM:-3G}

mkdir -p "$OUTDIR"
meta=$OUTDIR/host.env.tmp
{
    echo "host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
    echo "host_cpus=$(nproc)"
    echo "host_kernel=$(uname -r)"
    echo "host_load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "qemu=$(qemu-system-x86_64 --version | head -n1)"
    echo "vm_smp=${HRUN_VM_SMP:-2}"
    echo "vm_mem=${HRUN_VM_MEM:-2G}"
    echo "vm_cmdline_extra=${HRUN_VM_CMDLINE:-}"
    echo "quick=$HRUN_BENCH_QUICK"
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo +dirty)"
} >"$meta"

# vm.sh names its run directory after its pid: start it in the background
# to know which one is ours (others may run VMs at the same time).
log=$OUTDIR/vm.log.tmp
"$REPO/integration/vm.sh" "${files[@]}" > >(tee "$log") 2>&1 &
vmpid=$!
wait $vmpid
rc=$?
run=$(ls -d "$REPO/build/vm/runs/"*-"$vmpid" 2>/dev/null | head -n1)
echo "host_load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$meta"
echo "accel=$(sed -n 's/.*booted in .*(\([a-z]*\),.*/\1/p' "$log" | head -n1)" >>"$meta"
if [ -z "$run" ] || [ ! -s "$run/out/bench/results.jsonl" ]; then
    echo "bench: no results (VM run ${run:-not found}; see $log)" >&2
    exit 1
fi
rm -f "$OUTDIR"/*.png "$OUTDIR"/clock-* "$OUTDIR"/*.log "$OUTDIR/results.jsonl" \
    "$OUTDIR/report.md" "$OUTDIR/results.json" "$OUTDIR/guest.env"
cp -p "$run/out/bench/"* "$OUTDIR/" # mtimes: the host's clock (clock-*)
mv "$meta" "$OUTDIR/host.env"
mv "$log" "$OUTDIR/vm.log"
cp "$run/out/logs/"*.log "$OUTDIR/" 2>/dev/null
"$here/report.sh" "$OUTDIR" || rc=1
echo "bench: results in $OUTDIR (report.md, results.json, *.png)"
exit $rc
