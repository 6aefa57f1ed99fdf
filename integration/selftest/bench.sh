#!/bin/bash
# Harness micro-benchmark (not part of the suite):
#   integration/vm.sh integration/selftest/bench.sh
# Prints per-exec costs inside the VM as "# ..." lines.
. "${HRUN_LIB:?run this via integration/vm.sh}"

ms() { echo $(((${EPOCHREALTIME/./} - $1) / 1000)); }
per() { # N CMD...: average ms per run
    local n=$1 s i
    shift
    s=${EPOCHREALTIME/./}
    for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
    echo "$(((${EPOCHREALTIME/./} - s) / 1000 / n)) ms"
}
bench() {
    local s
    echo "# guest uptime at first test: $(cut -d' ' -f1 /proc/uptime) s"
    s=${EPOCHREALTIME/./}
    /usr/bin/sort --version >/dev/null
    echo "# first exec of a host binary (9p, cold): $(ms "$s") ms"
    echo "# same binary again (9p, page cache):     $(per 20 /usr/bin/sort --version)"
    cp /usr/bin/sort "$T_TMP/sort"
    echo "# copy in tmpfs:                          $(per 20 "$T_TMP/sort" --version)"
    echo "# static busybox from 9p:                 $(per 20 /bin/busybox true)"
    mkdir -p "$T_TMP/bb" && cp /bin/busybox "$T_TMP/bb/busybox"
    echo "# static busybox from tmpfs:              $(per 20 "$T_TMP/bb/busybox" true)"
    echo "# bash -c : (9p):                         $(per 10 bash -c :)"
    mk_bundle b -- /bin/true
    local i=0
    crun_run() { i=$((i + 1)) && crun run -b b "bc$i"; }
    runc_run() { i=$((i + 1)) && runc run -b b "br$i"; }
    echo "# crun run of /bin/true:                  $(per 5 crun_run)"
    echo "# runc run of /bin/true:                  $(per 5 runc_run)"
    if have_hrun; then
        hrun_run() { i=$((i + 1)) && hrun run -b b "bh$i"; }
        echo "# hrun run of /bin/true:                  $(per 5 hrun_run)"
    fi
}
HRUN_VERBOSE=1 t_run "bench" bench
