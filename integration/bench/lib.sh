# shellcheck shell=bash
# Library of the benchmark files (integration/bench/NN-*.sh), sourced after
# integration/lib.sh inside the VM.  Each file measures hrun, crun and runc
# side by side and appends one JSON object per measurement to
# $B_OUT/results.jsonl; integration/bench/report.sh turns that into
# build/bench/{results.json,report.md,*.svg} on the host.
#
# Timing is taken with bash's $EPOCHREALTIME around the runtime's process,
# so it includes the fork+exec of the runtime (the same for all three).

B_OUT=/run/hrun-vm/out/bench
B_QUICK=${HRUN_BENCH_QUICK:-0}
B_RUNTIMES=(hrun crun runc)
B_CG=bench # parent cgroup (under /sys/fs/cgroup) of every bench container
B_DIR=$T_TMP/b
mkdir -p "$B_OUT" "$B_DIR"

declare -A B_BIN=()

# b_pick FULL QUICK: the value for this mode
b_pick() { if [ "$B_QUICK" = 1 ]; then echo "$2"; else echo "$1"; fi; }

b_log() { echo "# $*"; }

# b_emit JSON: one result line
b_emit() { printf '%s\n' "$1" >>"$B_OUT/results.jsonl"; }

# b_now: microseconds (wall clock)
b_now() { echo "${EPOCHREALTIME/./}"; }

# b_sleep SECONDS: sleep without an exec (read times out on a silent fifo)
b_sleep() { read -r -t "$1" -u "$B_SLEEPFD" _ || true; }
mkfifo "$T_TMP/.b-sleep"
exec {B_SLEEPFD}<>"$T_TMP/.b-sleep"

# b_setup: copy the three runtimes into tmpfs (same exec cost for all), make
# the shared rootfs with the static load helper, and the parent cgroup.
b_setup() {
    B_BIN[hrun]=$(hrun_bin)
    hrun_shim_bin >/dev/null # found next to hrun
    B_BIN[crun]=$(_t_cache_bin "$(command -v crun)" crun)
    B_BIN[runc]=$(_t_cache_bin "$(command -v runc)" runc)
    local load=${HRUN%/*}/benchload
    [ -x "$load" ] || {
        echo "benchload not built: $load (make bench builds it)" >&2
        return 1
    }
    b_copy_up_libs "${B_BIN[@]}"
    if [ ! -d "$B_DIR/rootfs" ]; then
        mk_rootfs "$B_DIR/rootfs"
        cp "$load" "$B_DIR/rootfs/bin/benchload"
    fi
    if [ ! -e "$B_OUT/guest.env" ]; then
        {
            echo "guest_kernel=$(uname -r)"
            echo "guest_cpus=$(nproc)"
            echo "guest_mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
            echo "hrun_version=$(rt hrun --version | head -n1)"
            echo "crun_version=$(rt crun --version | head -n1)"
            echo "runc_version=$(rt runc --version | head -n1)"
        } >"$B_OUT/guest.env"
    fi
    mkdir -p "$CG/$B_CG"
    local c
    for c in $(<"$CG/cgroup.subtree_control"); do
        echo "+$c" >"$CG/$B_CG/cgroup.subtree_control" 2>/dev/null || true
    done
}

# b_test NAME FUNC: t_run, unless HRUN_BENCH_ONLY (an ERE) does not match
# NAME (for working on one measurement)
b_test() {
    if [[ ! $1 =~ ${HRUN_BENCH_ONLY:-.} ]]; then
        echo "skip $1 # not selected by HRUN_BENCH_ONLY"
        return 0
    fi
    t_run "$@"
}

# b_clock_mark WHAT: the guest's wall clock in a file of the results share;
# its mtime is the host's clock, so report.sh can tell whether the guest
# clock ran at the host's rate (a TSC miscalibrated under load does not)
b_clock_mark() {
    local f=${0##*/}
    echo "${EPOCHREALTIME}" >"$B_OUT/clock-${f%.sh}-$1"
}

# b_setup_or_exit FUNC: run FUNC (setup) in this shell as one test; the
# file ends right there if it fails
b_setup_or_exit() {
    b_clock_mark start
    t_begin "bench setup ($1)"
    if ! "$1"; then
        t_fail "$1 failed"
        t_end
        exit 1
    fi
    t_end
}

# b_copy_up_libs BINARY...: the guest's / is an overlay on the host's /
# over 9p, where every open of a shared library is a round trip to the
# host, a cost a real system does not have.  A metadata change makes
# overlayfs copy the libraries (and ld.so.cache) up into its tmpfs, so
# dynamically linked runtimes load them as from a local page cache.
b_copy_up_libs() {
    [ "$(cat /run/hrun-vm/rootmode 2>/dev/null)" = overlay ] || return 0
    local b f
    for f in $(for b in "$@"; do ldd "$b" 2>/dev/null; done |
        awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u) /etc/ld.so.cache; do
        f=$(readlink -f "$f") || continue
        chown --reference="$f" "$f" 2>/dev/null || true
    done
}

# rt RUNTIME ARGS...: run one of the runtimes with its own state root
rt() {
    local r=$1
    shift
    "${B_BIN[$r]}" --root "/run/bench-$r" "$@"
}

# b_rotate I: the runtimes in an order that rotates with I, so that neither
# runtime always comes first after a change
b_rotate() {
    local i=$1 n=${#B_RUNTIMES[@]} k
    for ((k = 0; k < n; k++)); do echo "${B_RUNTIMES[$(((i + k) % n))]}"; done
}

# ---- configs -------------------------------------------------------------------
B_CAPS='"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"'
# hrun's default profile as a plain OCI linux.seccomp object that crun and
# runc understand: the caps conditions resolved for the bundle's bounding
# set, archMap turned into architectures, hrun's comments dropped.
b_seccomp_json() {
    jq -c --argjson caps "[$B_CAPS]" '{
        defaultAction, defaultErrnoRet,
        architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        syscalls: [.syscalls[]
            | select(((.includes.caps // []) - $caps) == [])
            | select(((.excludes.caps // []) - ((.excludes.caps // []) - $caps)) == [])
            | del(.includes, .excludes, .comment)]
    }' "$REPO/profiles/seccomp-default.json"
}
B_SECCOMP=

# Resources of the lifecycle workloads: limits on every controller the
# three runtimes handle the same way, and runc's default device rule.
B_RES='{"memory": {"limit": 268435456}, "pids": {"limit": 1024},
  "cpu": {"shares": 1024, "quota": 200000, "period": 100000},
  "devices": [{"allow": false, "access": "rwm"}]}'

# b_template NAME [mk_bundle options] [-- ARGS]: a config.json template in
# $B_DIR/NAME.tpl with @ID@ in linux.cgroupsPath; the rootfs is shared.
b_template() {
    local name=$1 t=$B_DIR/tpl-$1
    shift
    rm -rf "$t"
    mkdir -p "$t"
    ln -s "$B_DIR/rootfs" "$t/rootfs"
    mk_bundle "$t" --cgroups-path "/$B_CG/@ID@" "$@"
    local c
    c=$(<"$t/config.json")
    c=${c/\"path\": \"rootfs\"/\"path\": \"$B_DIR/rootfs\"}
    printf '%s\n' "$c" >"$B_DIR/$name.tpl"
    rm -rf "$t"
}

# b_bundle TEMPLATE ID: B_BUNDLE=$B_DIR/bundles/ID with the template's
# config for ID.  No exec or fork per bundle (mkdir once for the parent).
declare -A B_TPL=()
b_bundle() {
    local tpl=$1 id=$2
    B_BUNDLE=$B_DIR/bundles/$id
    [ -n "${B_TPL[$tpl]:-}" ] || B_TPL[$tpl]=$(<"$B_DIR/$tpl.tpl")
    [ -d "$B_DIR/bundles" ] || mkdir -p "$B_DIR/bundles"
    [ -d "$B_BUNDLE" ] || mkdir "$B_BUNDLE"
    printf '%s\n' "${B_TPL[$tpl]//@ID@/$id}" >"$B_BUNDLE/config.json"
}

# ---- containers ------------------------------------------------------------------
_B_SEQ=0
# b_id PREFIX: a fresh container id
b_id() {
    _B_SEQ=$((_B_SEQ + 1))
    B_ID=$1-$_B_SEQ
}

# b_cgdir ID: the container's cgroup directory
b_cgdir() { echo "$CG/$B_CG/$1"; }

# b_wait_exit ID [TIMEOUT_S]: wait until the container's cgroup has no
# process left (read builtin: no exec while polling)
b_wait_exit() {
    local f=$CG/$B_CG/$1/cgroup.events deadline line
    deadline=$(($(b_now) + ${2:-60} * 1000000))
    while :; do
        [ -e "$f" ] || return 0 # cgroup gone: exited
        while IFS= read -r line; do
            [ "$line" != "populated 0" ] || return 0
        done <"$f"
        [ "${EPOCHREALTIME/./}" -lt $deadline ] || return 1
        b_sleep 0.002
    done
}

# b_cg_get ID FILE KEY: a key of a flat-keyed cgroup file (cpu.stat ...)
b_cg_get() {
    local k v
    while read -r k v; do
        [ "$k" = "$3" ] && echo "$v" && return 0
    done <"$CG/$B_CG/$1/$2"
    return 1
}

# b_delete_all: kill and delete every container the bench left
b_delete_all() {
    local r ids
    for r in "${B_RUNTIMES[@]}"; do
        ids=$(rt "$r" list -q 2>/dev/null) || continue
        [ -n "$ids" ] || continue
        printf '%s\n' $ids | xargs -r -P 4 -n 1 "${B_BIN[$r]}" --root "/run/bench-$r" delete -f >/dev/null 2>&1 || true
    done
    rm -rf "$B_DIR/bundles"
}

# ---- statistics (also computed by report.sh; printed here for the log) ------------
# b_stats US...: "min median p95" in ms
b_stats() {
    printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
        END {
            if (NR == 0) { print "- - -"; exit }
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            p = int(0.95 * NR + 0.999999); if (p < 1) p = 1
            printf "min %.1f median %.1f p95 %.1f ms\n", v[1] / 1000, m / 1000, v[p] / 1000
        }'
}

# b_json_arr VALUES...: [v1,v2,...]
b_json_arr() {
    local IFS=,
    echo "[$*]"
}
