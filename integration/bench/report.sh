#!/bin/bash
# Turn the raw benchmark results into results.json, report.md and plots.
#
#   integration/bench/report.sh [DIR]     default build/bench
#
# DIR holds results.jsonl (one JSON object per measurement, written in the
# VM by integration/bench/*.sh), host.env and guest.env.  Runs on the host;
# needs jq and gnuplot (integration/install-deps.sh --test).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${1:-$here/../../build/bench}
cd "$DIR"
[ -s results.jsonl ] || {
    echo "report.sh: no $DIR/results.jsonl" >&2
    exit 1
}

env_json() { # FILE -> {"k": "v", ...}
    [ -r "$1" ] || {
        echo '{}'
        return
    }
    jq -R 'capture("^(?<k>[^=]+)=(?<v>.*)$")' "$1" | jq -s 'map({(.k): .v}) | add // {}'
}

# guest clock rate: guest wall time elapsed (file contents) over host time
# elapsed (mtimes) between the first start mark and the last end mark
clock_json() {
    local f g0= h0= g1= h1=
    for f in clock-*-start; do
        [ -e "$f" ] || continue
        [ -n "$g0" ] || { g0=$(<"$f") h0=$(stat -c %.9Y "$f"); }
    done
    for f in clock-*-end; do
        [ -e "$f" ] || continue
        g1=$(<"$f") h1=$(stat -c %.9Y "$f")
    done
    if [ -z "$g0" ] || [ -z "$g1" ]; then
        echo '{}'
        return
    fi
    awk -v g0="$g0" -v g1="$g1" -v h0="$h0" -v h1="$h1" 'BEGIN {
        printf "{\"guest_s\": %.1f, \"host_s\": %.1f, \"rate\": %.4f}", g1 - g0, h1 - h0, (h1 > h0) ? (g1 - g0) / (h1 - h0) : 0 }'
}

# ---- results.json: the raw records plus the statistics ------------------------
jq -s --argjson host "$(env_json host.env)" --argjson guest "$(env_json guest.env)" \
    --argjson clock "$(clock_json)" '
  def median: sort | if length == 0 then null
    elif length % 2 == 1 then .[(length - 1) / 2]
    else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def p95: sort | if length == 0 then null
    else .[((0.95 * length) | ceil) - 1] end;
  def ms: if . == null then null else (. / 10 | round) / 100 end;
  def stat: {n: length, min_ms: (min | ms), median_ms: (median | ms),
             p95_ms: (p95 | ms), max_ms: (max | ms), mean_ms: ((add / length) | ms)};
  def ratio($a; $b): if $a == null or $b == null or $b == 0 then null
    else (($a / $b) * 1000 | round) / 1000 end;
  def err($m; $r): if $m == null or $r == null or $r == 0 then null
    else ((($m - $r) / $r) * 1000 | round) / 10 end;
  . as $all
  | {
    meta: {host: $host, guest: $guest, clock: $clock},
    latency: ([$all[] | select(.kind == "latency")] | group_by(.workload)
      | map({key: .[0].workload, value: (map({key: .runtime, value: (.us | stat)}) | from_entries)})
      | from_entries
      | with_entries(.value += {
          ratio_hrun_crun: ratio(.value.hrun.median_ms; .value.crun.median_ms),
          ratio_hrun_runc: ratio(.value.hrun.median_ms; .value.runc.median_ms)})),
    concurrency: ([$all[] | select(.kind == "concurrency")]
      | map({key: .runtime, value: ({parallel: .n} + (.us | stat))}) | from_entries),
    scaling: ([$all[] | select(.kind == "scaling")] | group_by(.level)
      | map({level: .[0].level} + (map({key: .runtime, value: (.us | stat)}) | from_entries))),
    footprint: ([$all[] | select(.kind == "footprint")] | group_by(.metric)
      | map({key: .[0].metric, value: (map({key: .runtime, value: {median_kb: (.kb | median), max_kb: (.kb | max), kb: .kb}}) | from_entries)})
      | from_entries),
    monitor: ([$all[] | select(.kind == "monitor")] | map({key: .runtime, value: del(.kind, .runtime)}) | from_entries),
    sizes: ([$all[] | select(.kind == "size")] | map({key: .binary, value: del(.kind, .binary)}) | from_entries),
    minmem: ([$all[] | select(.kind == "minmem")] | map({key: .runtime, value: del(.kind, .runtime)}) | from_entries),
    cpu_max: [$all[] | select(.kind == "cpu_max") | . + {error_pct: err(.measured; .requested)} | del(.kind)],
    cpu_weight: [$all[] | select(.kind == "cpu_weight") | . + {weight_ratio: (.weights[1] / .weights[0])}
      | . + {error_pct: err(.measured; .weight_ratio), shares_error_pct: err(.measured; .requested)} | del(.kind)],
    memory: [$all[] | select(.kind == "memory") | . + {peak_over_limit: ratio(.peak; .limit)} | del(.kind)],
    pids: [$all[] | select(.kind == "pids") | . + {exact: (.tasks == .limit)} | del(.kind, .output)],
    io_baseline: [$all[] | select(.kind == "io_baseline") | del(.kind)],
    io: [$all[] | select(.kind == "io") | . + {error_pct: err(.measured; .requested)} | del(.kind)],
    raw: $all
  }' results.jsonl >results.json

# ---- report.md --------------------------------------------------------------------
jq -r '
  def f($d): if . == null then "–" else (. * pow(10; $d) | round) / pow(10; $d) | tostring end;
  def x: if . == null then "–" else "\(. | f(2))×" end;
  def pct: if . == null then "–" else (if . > 0 then "+" else "" end) + (. | f(1)) + " %" end;
  def mib: if . == null then "–" else (. / 1048576 | f(2)) + " MiB" end;
  def kib: if . == null then "–" else "\(.) KiB" end;
  def rts: ["hrun", "crun", "runc"];
  .meta as $m
  | "# hrun benchmarks\n",
    "Machine: \($m.host.host_cpu // "?"), \($m.host.host_cpus // "?") host CPUs (host load \($m.host.host_load_start // "?") at start, \($m.host.host_load_end // "?") at end); " +
    "VM: qemu \($m.host.accel // "?") (\($m.host.qemu // "?" | sub("QEMU emulator version "; ""))), \($m.guest.guest_cpus // "?") vCPUs, \($m.host.vm_mem // "?"), kernel \($m.guest.guest_kernel // "?"). " +
    (if ($m.host.accel // "") == "kvm" then "" else "**The VM is emulated (TCG): absolute times are many times those on real hardware; only the ratios between runtimes measured in the same run are meaningful.** " end) +
    (if $m.clock.rate then "Guest clock checked against the host: rate \($m.clock.rate | f(4)) over \($m.clock.host_s | f(0)) s\(if ($m.clock.rate - 1 | fabs) > 0.02 then " (**off by more than 2 %: times are skewed**)" else "" end). " else "" end) +
    "Runtimes: \($m.guest.hrun_version // "hrun") (\($m.host.commit // "?")), \($m.guest.crun_version // "crun"), \($m.guest.runc_version // "runc"). " +
    "Date \($m.host.date // "?")\(if $m.host.quick == "1" then ", QUICK run (few samples)" else "" end).\n",
    "## Lifecycle latency (ms; min / median / p95 of N interleaved runs)\n",
    "| workload | N | hrun | crun | runc | hrun/crun | hrun/runc |",
    "|---|---|---|---|---|---|---|",
    (.latency | to_entries[] | .key as $w | .value as $v
      | "| \($w) | \([$v.hrun.n, $v.crun.n, $v.runc.n] | map(select(. != null)) | max) | " +
        ([rts[] | $v[.] | if . == null then "–" else "\(.min_ms | f(0)) / **\(.median_ms | f(0))** / \(.p95_ms | f(0))" end] | join(" | ")) +
        " | \($v.ratio_hrun_crun | x) | \($v.ratio_hrun_runc | x) |"),
    "\n`run`: `run` of /bin/true, busybox bundle, namespaces pid, net, ipc, uts, mount, cgroup, memory/pids/cpu limits, a deny-all device rule and hrun'"'"'s default seccomp profile as `linux.seccomp` (the same config.json for all three). `run_nonet`: the same without a network namespace. `run_native`: hrun with no `linux.seccomp`, i.e. its built-in default profile, timed in the same rotation as the `run` row (compare with its crun/runc columns). `create_start_wait_delete`: the four steps, waiting for the cgroup to empty. `exec`: `exec /bin/true` into a running container.\n",
    (if (.concurrency | length) > 0 then
      "## Concurrency (wall time of \(.concurrency.hrun.parallel // 20) `run`s started at once, ms)\n",
      "| runtime | min | median | max |", "|---|---|---|---|",
      (.concurrency as $c | rts[] | select($c[.]) | "| \(.) | \($c[.].min_ms | f(0)) | \($c[.].median_ms | f(0)) | \($c[.].max_ms | f(0)) |"), ""
    else empty end),
    (if (.scaling | length) > 0 then
      "## Scaling (median `run` latency, ms, with N containers already running)\n",
      "| running | hrun | crun | runc | hrun/crun |", "|---|---|---|---|---|",
      (.scaling[] | "| \(.level) | \(.hrun.median_ms | f(0)) | \(.crun.median_ms | f(0)) | \(.runc.median_ms | f(0)) | \(if .crun.median_ms then (.hrun.median_ms / .crun.median_ms) else null end | x) |"),
      (.scaling as $s | if ($s | length) > 1 then
        "\nLatency at \($s[-1].level) running relative to 0: " + ([rts[] as $r | "\($r) \(if $s[0][$r].median_ms then $s[-1][$r].median_ms / $s[0][$r].median_ms else null end | x)"] | join(", ")) + ".\n"
      else "" end)
    else empty end),
    (if (.footprint | length) > 0 or (.sizes | length) > 0 then
      "## Footprint\n",
      "| | hrun | crun | runc |", "|---|---|---|---|",
      (.footprint as $f | ["create_peak_rss", "run_peak_rss", "exec_peak_rss"][] | select($f[.])
        | . as $k | "| peak RSS of `\($k | sub("_peak_rss"; ""))` (median) | " + ([rts[] | $f[$k][.].median_kb | kib] | join(" | ")) + " |"),
      (.monitor as $mo | if ($mo | length) > 0 then "| process kept per detached container | " + ([rts[] | $mo[.] | if . == null then "–" elif .rss_kb == null then "none" else "\(.process) \(.rss_kb) KiB (Pss \(.pss_kb))" end] | join(" | ")) + " |" else empty end),
      (.sizes as $s | if ($s | length) > 0 then "| binary size | " + ([rts[] | $s[.].bytes | if . == null then "–" else (. / 1024 | f(0)) + " KiB" end] | join(" | ")) + " |",
        "| shared libraries besides libc | " + ([rts[] | $s[.] | if . == null then "–" elif .static then "none (static)" else "\(.lib_bytes / 1024 | f(0)) KiB (\(.libs | length))" end] | join(" | ")) + " |" else empty end),
      (.minmem as $mm | if ($mm | length) > 0 then "| smallest memory.max for `run /bin/true` | " + ([rts[] | $mm[.].kb | kib] | join(" | ")) + " |" else empty end),
      (if .sizes["hrun-shim"] then "\nhrun-shim binary: \(.sizes["hrun-shim"].bytes / 1024 | f(0)) KiB." else empty end),
      ""
    else empty end),
    (if (.cpu_max | length) + (.cpu_weight | length) + (.memory | length) + (.pids | length) + (.io | length) > 0 then
      "## Enforcement fidelity (requested vs measured; error %)\n",
      "| limit | requested | hrun | crun | runc |", "|---|---|---|---|---|",
      (.cpu_max | group_by(.requested)[] | "| cpu.max (2 busy threads) | \(.[0].requested) CPUs | " +
        ([. as $g | rts[] as $r | $g[] | select(.runtime == $r) | "\(.measured | f(3)) (\(.error_pct | pct))"] | join(" | ")) + " |"),
      (.cpu_weight | if length > 0 then "| cpu.weight, shares 1024 vs 512 on one CPU | usage ratio = ratio of the weights written | " +
        ([. as $g | rts[] as $r | $g[] | select(.runtime == $r) | "\(.measured | f(2)) of \(.weights[1])/\(.weights[0]) = \(.weight_ratio | f(2)) (\(.error_pct | pct))"] | join(" | ")) + " |" else empty end),
      (.memory | group_by(.limit)[] | "| memory.max, alloc until killed | \(.[0].limit | mib) | " +
        ([. as $g | rts[] as $r | $g[] | select(.runtime == $r) | "peak \(.peak | mib), \(if .oom_kill > 0 then "OOM kill" else "no OOM kill" end)\(if .event_ms != null then ", event +\(.event_ms) ms" else "" end)"] | join(" | ")) + " |"),
      (.pids | group_by(.limit)[] | "| pids.max, fork until EAGAIN | \(.[0].limit) tasks | " +
        ([. as $g | rts[] as $r | $g[] | select(.runtime == $r) | "\(.tasks)\(if .exact then "" else " (≠)" end)"] | join(" | ")) + " |"),
      (.io | group_by(.what + ":" + (.requested | tostring))[] | .[0] as $h
        | "| io.max \($h.what) (O_DIRECT, /dev/vda) | \(if ($h.what | test("bps")) then ($h.requested | mib) + "/s" else "\($h.requested) IO/s" end) | " +
        ([. as $g | rts[] as $r | $g[] | select(.runtime == $r) | "\(if (.what | test("bps")) then (.measured | mib) + "/s" else (.measured | f(1)) end) (\(.error_pct | pct))"] | join(" | ")) + " |"),
      (if (.cpu_weight | length) > 0 then "\ncpu.weight: the runtimes convert `cpu.shares` differently. hrun uses the conversion of current runc (opencontainers/cgroups), which maps the default 1024 shares to the default weight 100; Debian'"'"'s crun 1.8 and runc 1.1 use the older linear mapping (1024 → 39). The error is the measured usage ratio against the ratio of the weights written, which is what the kernel enforces." else empty end),
      (if (.io_baseline | length) > 0 then "\nUnthrottled disk in the VM (no container): " + ([.io_baseline[] | "\(.dir) \(.bs / 1024)K blocks \(.bytes_per_s | mib)/s \(.ops_per_s | f(0)) IO/s"] | join("; ")) + "." else empty end),
      ""
    else empty end),
    "## Targets\n",
    (.latency.run as $r | "- median `run` ≤ 0.7× crun: \($r.ratio_hrun_crun | x) \(if $r.ratio_hrun_crun == null then "" elif $r.ratio_hrun_crun <= 0.7 then "(met)" else "(**not met**)" end); ≤ 0.35× runc: \($r.ratio_hrun_runc | x) \(if $r.ratio_hrun_runc == null then "" elif $r.ratio_hrun_runc <= 0.35 then "(met)" else "(**not met**)" end)"),
    (.footprint.create_peak_rss as $f | if $f then "- create peak RSS ≤ crun: \($f.hrun.median_kb) vs \($f.crun.median_kb) KiB \(if $f.hrun.median_kb <= $f.crun.median_kb then "(met)" else "(**not met**)" end)" else empty end),
    ([.cpu_max[], .io[] | select(.runtime == "hrun") | .error_pct | fabs] as $e | if ($e | length) > 0 then "- hrun cpu/io error within ±5 %: worst \($e | max | f(1)) % \(if ($e | max) <= 5 then "(met)" else "(**not met**)" end)" else empty end),
    ([.memory[] | select(.runtime == "hrun")] as $mm | if ($mm | length) > 0 then "- hrun memory peak ≤ limit: \(if all($mm[]; .peak <= .limit) then "met" else "**not met**" end)" else empty end),
    ([.pids[] | select(.runtime == "hrun")] as $p | if ($p | length) > 0 then "- hrun pids exact: \(if all($p[]; .exact) then "met" else "**not met**" end)" else empty end),
    (.scaling as $s | if ($s | length) > 1 and $s[0].hrun.median_ms then "- hrun latency at \($s[-1].level) running within 1.2× of 0: \($s[-1].hrun.median_ms / $s[0].hrun.median_ms | x) \(if $s[-1].hrun.median_ms / $s[0].hrun.median_ms <= 1.2 then "(met)" else "(**not met**)" end)" else empty end),
    "\nPlots: [latency](latency.png), [scaling](scaling.png), [enforcement](enforcement.png), [cpu.max](cpu_max.png), [io.max](io.png). Raw samples: results.json."
' results.json >report.md

# ---- plots ---------------------------------------------------------------------------
command -v gnuplot >/dev/null || {
    echo "report.sh: gnuplot missing, no plots (integration/install-deps.sh --test)" >&2
    exit 0
}
rm -f ./*.png
# latency: median per workload and runtime, min..p95 as the error bar
jq -r '.latency as $l | (["run", "run_native", "run_nonet", "create_start_wait_delete", "exec"]
  + ($l | keys) | reduce .[] as $k ([]; if index([$k]) then . else . + [$k] end))[]
  | select($l[.]) | . as $w | [$w] + (["hrun", "crun", "runc"]
  | map($l[$w][.] | if . == null then ["NaN", "NaN", "NaN"] else [.median_ms, .min_ms, .p95_ms] end) | add)
  | @tsv' results.json >latency.dat
# scaling: level, median per runtime
jq -r '.scaling[] | [.level, (.hrun.median_ms // "NaN"), (.crun.median_ms // "NaN"), (.runc.median_ms // "NaN")] | @tsv' results.json >scaling.dat
# enforcement: measured / requested per limit and runtime
jq -r '
  def row($lbl; $g): [$lbl] + (["hrun", "crun", "runc"] | map(. as $r | ($g | map(select(.runtime == $r)) | .[0].v) // "NaN"));
  [ (.cpu_max | group_by(.requested)[] | row("cpu.max \(.[0].requested)"; map({runtime, v: (.measured / .requested)}))),
    (.cpu_weight | if length > 0 then row("cpu.weight"; map({runtime, v: (.measured / .weight_ratio)})) else empty end),
    (.memory | group_by(.limit)[] | row("mem peak \(.[0].limit / 1048576)M"; map({runtime, v: (.peak / .limit)}))),
    (.pids | group_by(.limit)[] | row("pids \(.[0].limit)"; map({runtime, v: (if .tasks == null then null else .tasks / .limit end)}))),
    (.io | group_by(.what + ":" + (.requested | tostring))[] | row("\(.[0].what) \(if (.[0].what | test("bps")) then "\(.[0].requested / 1048576)M" else .[0].requested end)"; map({runtime, v: (if .measured == null then null else .measured / .requested end)})))
  ][] | map(tostring) | @tsv' results.json >enforcement.dat
jq -r '.cpu_max | group_by(.requested)[] | . as $g | [$g[0].requested] + (["hrun", "crun", "runc"] | map(. as $r | ($g | map(select(.runtime == $r)) | .[0].measured) // "NaN")) | @tsv' results.json >cpu_max.dat
jq -r '.io | group_by(.what + ":" + (.requested | tostring))[] | . as $g
  | ["\($g[0].what) \(if ($g[0].what | test("bps")) then "\($g[0].requested / 1048576) MiB/s" else "\($g[0].requested) IO/s" end)"]
    + (["hrun", "crun", "runc"] | map(. as $r | ($g | map(select(.runtime == $r)) | .[0] | if . == null or .measured == null then "NaN" else .measured / .requested * 100 end))) | @tsv' results.json >io.dat

title=$(jq -r '.meta | "\(.host.accel // "?") VM, \(.guest.guest_cpus // "?") vCPUs on \(.host.host_cpu // "?")"' results.json)
gp() { # OUTPUT.png, the plot script on stdin
    { echo "set terminal pngcairo size 1000,540 noenhanced font 'sans,10' background rgb 'white'"
      echo "set datafile separator '\t'"
      echo "set output '$1'"
      cat; } | gnuplot
}

if [ -s latency.dat ]; then
    gp latency.png <<EOF
set title 'median latency (ms); bars from min to p95 — $title (compare ratios only)'
set style data histogram; set style histogram errorbars gap 2 lw 1
set style fill solid 0.7 border -1; set yrange [0:*]; set grid ytics
set xtics noenhanced; set key top left
plot 'latency.dat' using 2:3:4:xtic(1) title 'hrun', '' using 5:6:7 title 'crun', '' using 8:9:10 title 'runc'
EOF
fi
if [ "$(wc -l <scaling.dat)" -gt 1 ]; then
    gp scaling.png <<EOF
set title 'median run latency (ms) vs containers already running — $title'
set xlabel 'containers running'; set ylabel 'ms'; set yrange [0:*]; set grid; set key top left
plot 'scaling.dat' using 1:2 with linespoints lw 2 title 'hrun', '' using 1:3 with linespoints lw 2 title 'crun', '' using 1:4 with linespoints lw 2 title 'runc'
EOF
fi
if [ -s enforcement.dat ]; then
    gp enforcement.png <<EOF
set title 'measured / requested (1 = exact; memory: peak / limit; pids: tasks / limit)'
set style data histogram; set style histogram clustered gap 2
set style fill solid 0.7 border -1; set yrange [0:*]; set grid ytics
set xtics noenhanced rotate by -30; set key top right
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2
plot 'enforcement.dat' using 2:xtic(1) title 'hrun', '' using 3 title 'crun', '' using 4 title 'runc'
EOF
fi
if [ -s cpu_max.dat ]; then
    gp cpu_max.png <<EOF
set title 'cpu.max: requested vs measured CPUs (2 busy threads)'
set xlabel 'requested CPUs'; set ylabel 'measured CPUs (cpu.stat usage / wall time)'
set xrange [0:2]; set yrange [0:2]; set grid; set key top left
plot x with lines dt 2 lc rgb 'gray40' title 'exact', 'cpu_max.dat' using 1:2 with points lt 1 pt 7 ps 1.5 title 'hrun', '' using 1:3 with points lt 2 pt 5 ps 1.2 title 'crun', '' using 1:4 with points lt 3 pt 9 ps 1.2 title 'runc'
EOF
fi
if [ -s io.dat ]; then
    gp io.png <<EOF
set title 'io.max: measured as % of the limit (O_DIRECT on virtio-blk)'
set style data histogram; set style histogram clustered gap 2
set style fill solid 0.7 border -1; set yrange [0:*]; set grid ytics
set xtics noenhanced; set key top right
set arrow from graph 0, first 100 to graph 1, first 100 nohead dt 2 lw 2
plot 'io.dat' using 2:xtic(1) title 'hrun', '' using 3 title 'crun', '' using 4 title 'runc'
EOF
fi
rm -f ./*.dat
echo "report.sh: wrote $DIR/report.md, results.json and $(ls ./*.png 2>/dev/null | wc -l) plots"
