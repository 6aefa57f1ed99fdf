# shellcheck shell=bash
# Helpers for the end-to-end tests with the real clients (containerd's ctr,
# podman), sourced after integration/lib.sh:
#     . "${HRUN_LIB:?...}"; . "$REPO/integration/e2e/lib.sh"
# Everything a client writes lives under the test file's scratch dir (tmpfs),
# except what the clients hard-code (/run/containerd/runc/NS for the runc v2
# shim's --root, /run/containerd/s for shim sockets, the cgroups).

E2E_DIR=$REPO/integration/e2e
# runtimes each scenario runs against: hrun first, runc as the reference
HRUN_E2E_RUNTIMES=${HRUN_E2E_RUNTIMES:-hrun runc}

# e2e_runtime_bin NAME: path of the runtime binary. For hrun: a wrapper
# named hrun (clients take the runtime's name from the file name) that
# appends its command line to $T_TMP/hrun-calls.log and execs the tmpfs copy
# of hrun, so the tests can check what the clients pass.
E2E_CALLS=$T_TMP/hrun-calls.log
e2e_runtime_bin() {
    case $1 in
    hrun)
        local w=$T_TMP/e2e-bin/hrun real
        if [ ! -x "$w" ]; then
            real=$(hrun_bin) || return 1
            mkdir -p "${w%/*}"
            printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>%s\nexec %s "$@"\n' \
                "$E2E_CALLS" "$real" >"$w.tmp"
            chmod 755 "$w.tmp"
            mv "$w.tmp" "$w"
        fi
        echo "$w"
        ;;
    *) command -v "$1" ;;
    esac
}

# e2e_runtime_real NAME: the runtime binary itself (for the tests' own calls)
e2e_runtime_real() {
    case $1 in
    hrun) hrun_bin ;;
    *) command -v "$1" ;;
    esac
}

# e2e_calls_match ERE: some logged hrun command line matches ^ERE$
# e2e_calls_all ERE: every one does (both print what failed)
e2e_calls_match() {
    local l
    while IFS= read -r l; do [[ $l =~ ^$1$ ]] && return 0; done <"$E2E_CALLS"
    echo "no hrun call matches /^$1\$/" >&2
    return 1
}
e2e_calls_all() {
    local l rc=0
    while IFS= read -r l; do
        [[ $l =~ ^$1$ ]] || { echo "hrun call does not match /^$1\$/: $l" >&2 && rc=1; }
    done <"$E2E_CALLS"
    return $rc
}

# e2e_calls_summary: the distinct shapes of the hrun command lines the
# clients ran (ids, paths and numbers replaced), as "#" lines
e2e_calls_summary() {
    [ -s "$E2E_CALLS" ] || return 0
    echo "# hrun command lines used by the client (distinct shapes):"
    sed -E 's#/[^ ]+#PATH#g; s#\b[0-9a-f]{64}\b#ID#g; s#[a-z]+-(svc|streams|tty|noexec|oom|rm)\b#ID#g; s#\b[0-9]+\b#N#g' \
        "$E2E_CALLS" | sort -u | sed 's/^/#   hrun /'
}

# e2e_require_runtime NAME: skip the current test if NAME is not available
e2e_require_runtime() {
    case $1 in
    hrun) require_hrun ;;
    *) require_cmd "$1" ;;
    esac
}

# e2e_render TEMPLATE OUT KEY=VALUE...: copy TEMPLATE to OUT replacing @KEY@
e2e_render() {
    local in=$1 out=$2 kv s=
    shift 2
    for kv in "$@"; do
        s+="s|@${kv%%=*}@|${kv#*=}|g;"
    done
    sed "$s" "$in" >"$out"
    if grep -q '@[A-Z_]*@' "$out"; then
        echo "e2e_render: unreplaced placeholder in $out:" >&2
        grep -n '@[A-Z_]*@' "$out" >&2
        return 1
    fi
}

# e2e_image: print the path of a busybox-static OCI image archive
# (docker.io/library/hbox:latest), built once per VM boot.
e2e_image() {
    local d=$T_CACHE/e2e img
    img=$d/hbox.tar
    if [ ! -s "$img" ]; then
        local t0=${EPOCHREALTIME/./}
        mkdir -p "$d"
        rm -rf "$d/rootfs.$$"
        mk_rootfs "$d/rootfs.$$" >&2
        bash "$E2E_DIR/mk-oci-image.sh" "$d/rootfs.$$" "$img.$$" >&2 &&
            mv "$img.$$" "$img"
        rm -rf "$d/rootfs.$$" "$img.$$"
        echo "# image archive built in $(((${EPOCHREALTIME/./} - t0) / 1000)) ms" >&2
    fi
    [ -s "$img" ] && echo "$img"
}

# e2e_snapshotter: overlayfs if the kernel has it (the harness loads the
# module), else native
e2e_snapshotter() {
    if grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null; then
        echo overlayfs
    else
        echo native
    fi
}

# e2e_pids_matching STRING: pids whose command line contains STRING (to stop
# the daemons and shims a test started by id, not by name). Builtins only:
# a fork per process costs ~50 ms under emulation.
e2e_pids_matching() {
    local p args
    for p in /proc/[0-9]*; do
        mapfile -d '' args 2>/dev/null <"$p/cmdline" || continue
        [[ " ${args[*]} " == *"$1"* ]] && echo "${p#/proc/}"
    done
    return 0
}

# e2e_stop_pids SIGNAL PID...: signal the pids, wait up to 10 s for them
e2e_stop_pids() {
    local sig=$1 p n
    shift
    [ $# -gt 0 ] || return 0
    kill "-$sig" "$@" 2>/dev/null || true
    for ((n = 0; n < 100; n++)); do
        for p in "$@"; do [ -d "/proc/$p" ] && break; done
        [ -d "/proc/$p" ] || return 0
        sleep 0.1
    done
    kill -KILL "$@" 2>/dev/null || true
}

# ---- containerd -------------------------------------------------------------------
# ctd_start DIR [KEY=VALUE...]: run containerd with containerd.toml.in
# rendered into DIR/config.toml (@DIR@, @SNAPSHOTTER@ and the given keys, e.g.
# HRUN=path); sets CTD_DIR, CTD_SOCK, CTD_PID and exports CONTAINERD_ADDRESS
# and CONTAINERD_SNAPSHOTTER for ctr.
ctd_start() {
    CTD_DIR=$1
    shift
    mkdir -p "$CTD_DIR"
    CTD_SOCK=$CTD_DIR/containerd.sock
    export CONTAINERD_ADDRESS=$CTD_SOCK
    CONTAINERD_SNAPSHOTTER=$(e2e_snapshotter)
    export CONTAINERD_SNAPSHOTTER
    e2e_render "$E2E_DIR/containerd.toml.in" "$CTD_DIR/config.toml" "DIR=$CTD_DIR" \
        "SNAPSHOTTER=$CONTAINERD_SNAPSHOTTER" "$@" || return 1
    setsid containerd --config "$CTD_DIR/config.toml" >"$CTD_DIR/containerd.log" 2>&1 </dev/null &
    CTD_PID=$!
    if ! wait_for 60 ctr version >/dev/null; then
        echo "containerd did not come up; log:" >&2
        tail -n 40 "$CTD_DIR/containerd.log" >&2
        return 1
    fi
}

# ctd_stop: stop containerd and the shims it started
ctd_stop() {
    [ -n "${CTD_PID:-}" ] || return 0
    local shims
    shims=$(e2e_pids_matching "-address $CTD_SOCK")
    e2e_stop_pids TERM "$CTD_PID"
    # shellcheck disable=SC2086
    e2e_stop_pids KILL $shims
    CTD_PID=
}

# ctd_import NAMESPACE: import the busybox image into NAMESPACE
ctd_import() {
    local img
    img=$(e2e_image) || return 1
    ctr -n "$1" image import "$img" >/dev/null
}

# ctd_task_status NS ID: the task's status column of `ctr task ls`
ctd_task_status() {
    ctr -n "$1" task ls 2>/dev/null | awk -v id="$2" '$1 == id {print $3}'
}

# ---- podman ----------------------------------------------------------------------
# pm_setup DIR: podman configuration under DIR (containers.conf naming hrun
# and runc, vfs storage); exports CONTAINERS_CONF, CONTAINERS_STORAGE_CONF.
pm_setup() {
    local d=$1
    mkdir -p "$d/cni" "$d/tmp" "$d/volumes"
    e2e_render "$E2E_DIR/containers.conf.in" "$d/containers.conf" "DIR=$d" \
        "HRUN=$(hrun_bin)" "RUNC=$(command -v runc || echo /usr/sbin/runc)" || return 1
    e2e_render "$E2E_DIR/storage.conf.in" "$d/storage.conf" "DIR=$d" || return 1
    export CONTAINERS_CONF=$d/containers.conf
    export CONTAINERS_STORAGE_CONF=$d/storage.conf
}

# pm_load: load the busybox image (as docker.io/library/hbox:latest)
pm_load() {
    local img
    img=$(e2e_image) || return 1
    podman load -q -i "$img" >/dev/null
}

# e2e_t_run NAME FUNC [ARGS...]: t_run, then a "# N.N s" line (these files
# are slow under emulation: keep an eye on where the time goes). Inside a
# skipped pass (see e2e_pass_begin) the test is reported as a skip.
_E2E_SKIP=
e2e_t_run() {
    if [ -n "$_E2E_SKIP" ]; then
        t_begin "$1"
        t_skip "$_E2E_SKIP"
        return 0
    fi
    local t0=${EPOCHREALTIME/./} dt
    t_run "$@"
    dt=$(((${EPOCHREALTIME/./} - t0) / 100000))
    echo "#   $((dt / 10)).$((dt % 10)) s"
}

# Time budget: the reference runtimes' passes are what makes these files
# long under emulation. A file runs the pass of a reference runtime (not
# hrun) only if, after the elapsed time, another pass as long as hrun's
# still fits in HRUN_E2E_BUDGET seconds (default 330; 0 = always run them).
# Skipped passes are reported as skips, with the reason.
HRUN_E2E_BUDGET=${HRUN_E2E_BUDGET:-330}
_E2E_PASS_S=0
# e2e_pass_begin R: start runtime R's pass (the e2e_t_run calls up to
# e2e_pass_end are skips if it does not fit the budget)
e2e_pass_begin() {
    _E2E_PASS_T0=$SECONDS
    _E2E_SKIP=
    [ "$1" = hrun ] || [ "$HRUN_E2E_BUDGET" = 0 ] && return 0
    if [ $((SECONDS + _E2E_PASS_S)) -gt "$HRUN_E2E_BUDGET" ]; then
        _E2E_SKIP="$1 reference pass skipped: ${SECONDS} s elapsed + ${_E2E_PASS_S} s (hrun's pass) > HRUN_E2E_BUDGET=$HRUN_E2E_BUDGET s (0: always run)"
        echo "# $_E2E_SKIP"
    fi
}
# e2e_pass_end R: end the pass; record how long hrun's took
e2e_pass_end() {
    [ "$1" = hrun ] && _E2E_PASS_S=$((SECONDS - _E2E_PASS_T0))
    _E2E_SKIP=
}
