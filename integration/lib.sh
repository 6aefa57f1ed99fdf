# shellcheck shell=bash
# Test library for hrun integration tests; source it first thing in a test
# file:   . "${HRUN_LIB:?run this via integration/vm.sh}"
#
# Test files run inside the VM (as root, cwd = a fresh scratch dir in tmpfs).
# Each test prints exactly one result line that the runner counts:
#   ok NAME | not ok NAME # reason | skip NAME # reason
# Output produced while a test runs is captured and only shown (indented) if
# the test fails, or always with HRUN_VERBOSE=1.
#
# Style 1 (preferred): a function run by t_run in a subshell with `set -e`,
# so the first failing command or assertion fails the test:
#     test_hello() {
#         mk_bundle b -- echo hello
#         out=$(run_timeout 30 crun run -b b "$(unique_id)")
#         assert_eq "$out" hello
#     }
#     t_run "crun prints hello" test_hello
# Style 2: t_begin NAME ... t_pass (no set -e; failed assertions and t_fail
# are recorded and the test still ends "not ok").  See integration/README.md.

[ -n "${_HRUN_LIB_LOADED:-}" ] && return 0
_HRUN_LIB_LOADED=1

# Safety net: never run container/cgroup tests on the host.
if [ "${HRUN_VM:-}" != 1 ] || [ ! -d /run/hrun-vm/out ]; then
    echo "lib.sh: refusing to run outside the test VM; use integration/vm.sh" >&2
    exit 1
fi

: "${REPO:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${HRUN:=$REPO/build/hrun}"
: "${HRUN_SHIM:=$REPO/build/hrun-shim}"
T_TMP=${T_TMP:-$PWD}        # per-file scratch dir (tmpfs), removed afterwards
T_BUSYBOX=${T_BUSYBOX:-/bin/busybox}
T_CACHE=/run/hrun-vm/cache # per-boot cache in tmpfs (binaries, rootfs)
T_DISK=/dev/vda            # 64 MiB scratch virtio-blk disk (raw, unformatted)

_T_NAME= _T_N=0 _T_LOG= _T_CAPTURED=0 _T_IN_RUN=0
_T_DEFERS=()

# ---- result bookkeeping ---------------------------------------------------------
# Failure/skip marks live in files so that assertions inside subshells count.
_t_mark() { echo "$2" >>"$T_TMP/.t-$_T_N.$1"; }
_t_first() { [ -s "$T_TMP/.t-$_T_N.$1" ] && head -n1 "$T_TMP/.t-$_T_N.$1"; }

_t_where() { # caller location outside lib.sh
    local i
    for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
        [ "${BASH_SOURCE[$i]}" = "${BASH_SOURCE[0]}" ] && continue
        echo "${BASH_SOURCE[$i]##*/}:${BASH_LINENO[$((i - 1))]}"
        return
    done
}

# t_begin NAME: start a test (ends a still-open previous one).
t_begin() {
    [ -n "$_T_NAME" ] && t_end
    _T_N=$((_T_N + 1))
    _T_NAME=$*
    _T_DEFERS=()
    rm -f "$T_TMP/.t-$_T_N".*
    if [ "${HRUN_VERBOSE:-0}" = 1 ]; then
        echo "--- $_T_NAME"
        _T_CAPTURED=0
    else
        _T_LOG=$T_TMP/.t-$_T_N.log
        exec 8>&1 9>&2 >"$_T_LOG" 2>&1
        _T_CAPTURED=1
    fi
}

# t_end / t_pass: finish the current test: "not ok" if anything failed,
# else "skip" if t_skip was called, else "ok".
t_end() {
    [ -n "$_T_NAME" ] || return 0
    [ "$_T_IN_RUN" = 1 ] && return 0 # t_run finishes it
    _t_run_defers
    if [ "$_T_CAPTURED" = 1 ]; then
        exec 1>&8 2>&9 8>&- 9>&-
        _T_CAPTURED=0
    fi
    local msg
    if msg=$(_t_first fail); then
        echo "not ok $_T_NAME # $msg"
        if [ -n "$_T_LOG" ] && [ -s "$_T_LOG" ]; then
            local n
            n=$(wc -l <"$_T_LOG")
            if [ "$n" -gt 400 ]; then
                head -n 100 "$_T_LOG" | sed 's/^/    | /'
                echo "    | ... ($((n - 400)) lines omitted) ..."
                tail -n 300 "$_T_LOG" | sed 's/^/    | /'
            else
                sed 's/^/    | /' "$_T_LOG"
            fi
        fi
    elif msg=$(_t_first skip); then
        echo "skip $_T_NAME # $msg"
    else
        echo "ok $_T_NAME"
    fi
    rm -f "$T_TMP/.t-$_T_N".*
    _T_NAME= _T_LOG=
}
t_pass() { t_end; }

# t_fail MSG: record a failure of the current test (returns 1).
t_fail() {
    local msg="${*:-failed} ($(_t_where))"
    echo "FAIL: $msg" >&2
    if [ -z "$_T_NAME" ]; then
        echo "not ok ${0##*/}: t_fail outside a test: $msg"
        return 1
    fi
    _t_mark fail "$msg"
    return 1
}

# t_skip REASON: mark the current test skipped and stop it (in t_run the
# subshell exits; in t_begin style the test is ended here).
t_skip() {
    local msg="${*:-skipped}"
    if [ -z "$_T_NAME" ]; then
        echo "skip ${0##*/} # $msg"
        return 0
    fi
    _t_mark skip "$msg"
    if [ "$_T_IN_RUN" = 1 ]; then exit 0; fi
    t_end
    return 0
}

# t_log MSG...: diagnostic output (part of the captured test log)
t_log() { echo "# $*"; }

# t_defer CMD...: run CMD (eval'd) when the current test ends, LIFO.
t_defer() { _T_DEFERS+=("$*"); }
_t_run_defers() {
    local i
    for ((i = ${#_T_DEFERS[@]} - 1; i >= 0; i--)); do
        eval "${_T_DEFERS[$i]}" || true
    done
    _T_DEFERS=()
}

_t_err_trap() { # status: report the test-file line whose command failed
    [ -e "$T_TMP/.t-$_T_N.asserted" ] && return 0
    local i f l
    for ((i = 1; i < ${#BASH_SOURCE[@]}; i++)); do
        [ "${BASH_SOURCE[$i]}" = "${BASH_SOURCE[0]}" ] && continue
        f=${BASH_SOURCE[$i]} l=${BASH_LINENO[$((i - 1))]}
        break
    done
    [ -n "${f:-}" ] || return 0
    # once per line (a failure also fires in enclosing $(...) and callers)
    grep -qxF "$f:$l" "$T_TMP/.t-$_T_N.errs" 2>/dev/null && return 0
    echo "$f:$l" >>"$T_TMP/.t-$_T_N.errs"
    local msg
    msg="status $1 at ${f##*/}:$l: $(sed -n "${l}{s/^[[:space:]]*//;p}" "$f" 2>/dev/null)"
    echo "FAIL: $msg" >&2
    _t_mark fail "$msg"
}

# t_run NAME FUNC [ARGS...]: run FUNC as one test, in a subshell with set -e.
t_run() {
    local name=$1 rc e=$-
    shift
    t_begin "$name"
    set +e
    (
        _T_IN_RUN=1
        trap '_t_run_defers' EXIT
        set -eE
        shopt -s inherit_errexit
        trap '_t_err_trap $?' ERR
        "$@"
    )
    rc=$?
    [[ $e == *e* ]] && set -e
    if [ $rc != 0 ] && ! _t_first fail >/dev/null; then
        _t_mark fail "$1 exited with status $rc"
    fi
    t_end
}

# A test file that exits while a test is open fails that test.
_t_exit_trap() {
    local rc=$?
    if [ -n "$_T_NAME" ] && [ "$_T_IN_RUN" != 1 ]; then
        [ $rc != 0 ] && _t_mark fail "test file exited with status $rc"
        t_end
    fi
}
trap _t_exit_trap EXIT
# killed (e.g. by the runner's per-file timeout): fail the open test
_t_sig_trap() {
    [ -n "$_T_NAME" ] && _t_mark fail "terminated by SIG$1 (per-file timeout?)"
    exit $((128 + $2))
}
trap '_t_sig_trap TERM 15' TERM
trap '_t_sig_trap INT 2' INT
trap '_t_sig_trap HUP 1' HUP

# ---- assertions (print FAIL: ..., record the failure, return 1) -----------------
_t_assert_fail() {
    [ -n "$_T_NAME" ] && : >"$T_TMP/.t-$_T_N.asserted"
    t_fail "$@"
}

# assert_eq ACTUAL EXPECTED [MSG]
assert_eq() {
    [ "$1" == "$2" ] && return 0
    printf 'expected: %q\nactual:   %q\n' "$2" "$1" >&2
    _t_assert_fail "${3:-assert_eq}"
}
# assert_ne ACTUAL UNEXPECTED [MSG]
assert_ne() {
    [ "$1" != "$2" ] && return 0
    printf 'unexpected value: %q\n' "$1" >&2
    _t_assert_fail "${3:-assert_ne}"
}
# assert_contains HAYSTACK NEEDLE [MSG]
assert_contains() {
    [[ $1 == *"$2"* ]] && return 0
    printf 'string does not contain %q:\n%s\n' "$2" "$1" >&2
    _t_assert_fail "${3:-assert_contains}"
}
# assert_not_contains HAYSTACK NEEDLE [MSG]
assert_not_contains() {
    [[ $1 != *"$2"* ]] && return 0
    printf 'string unexpectedly contains %q:\n%s\n' "$2" "$1" >&2
    _t_assert_fail "${3:-assert_not_contains}"
}
# assert_match STRING ERE [MSG]
assert_match() {
    [[ $1 =~ $2 ]] && return 0
    printf 'string does not match /%s/:\n%s\n' "$2" "$1" >&2
    _t_assert_fail "${3:-assert_match}"
}
# assert_file_eq FILE EXPECTED [MSG]: file content (minus trailing newlines)
assert_file_eq() {
    if [ ! -e "$1" ]; then
        echo "no such file: $1" >&2
        _t_assert_fail "${3:-assert_file_eq}"
        return 1
    fi
    local c
    c=$(cat "$1")
    [ "$c" == "$2" ] && return 0
    printf 'file %s\nexpected: %q\nactual:   %q\n' "$1" "$2" "$c" >&2
    _t_assert_fail "${3:-assert_file_eq}"
}
# assert_exists PATH [MSG] / assert_not_exists PATH [MSG]
assert_exists() {
    [ -e "$1" ] || [ -L "$1" ] && return 0
    _t_assert_fail "${2:-expected $1 to exist}"
}
assert_not_exists() {
    [ ! -e "$1" ] && [ ! -L "$1" ] && return 0
    _t_assert_fail "${2:-expected $1 not to exist}"
}
# assert_success CMD... / assert_failure CMD... / assert_status N CMD...
# Run CMD, show its output on mismatch.
assert_status() {
    local want=$1
    shift
    run "$@"
    [ "$status" = "$want" ] && return 0
    printf 'command: %s\nstatus %s (expected %s), output:\n%s\n' "$*" "$status" "$want" "$output" >&2
    _t_assert_fail "status $status != $want: $*"
}
assert_success() {
    run "$@"
    [ "$status" = 0 ] && return 0
    printf 'command: %s\nstatus %s, output:\n%s\n' "$*" "$status" "$output" >&2
    _t_assert_fail "command failed ($status): $*"
}
assert_failure() {
    run "$@"
    [ "$status" != 0 ] && return 0
    printf 'command: %s\nunexpectedly succeeded, output:\n%s\n' "$*" "$output" >&2
    _t_assert_fail "command unexpectedly succeeded: $*"
}

# run CMD...: like bats: sets $status and $output (stdout+stderr), never fails.
run() {
    local e=$-
    set +eE
    if output=$("$@" 2>&1); then status=0; else status=$?; fi
    [[ $e == *e* ]] && set -e
    [[ $e == *E* ]] && set -E
    return 0
}

# ---- utilities ------------------------------------------------------------------
# run_timeout SECS CMD...: run CMD, kill it after SECS (status 124).
# CMD must be a program; the hrun function is mapped to its binary.
run_timeout() {
    local s=$1 rc c=$2
    shift 2
    if [ "$c" = hrun ]; then c=$(hrun_bin) || return 127; fi
    if timeout -k 5 "$s" "$c" "$@"; then return 0; else rc=$?; fi
    [ $rc = 124 ] && echo "TIMEOUT after ${s}s: $c $*" >&2
    return $rc
}

# wait_for SECS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
    local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
    shift
    while ! "$@" 2>/dev/null; do
        [ "${EPOCHREALTIME/./}" -lt $deadline ] || {
            echo "wait_for timed out: $*" >&2
            return 1
        }
        sleep 0.1
    done
}

# unique_id [PREFIX]: a container id unique within this VM boot
_T_UID=0
unique_id() {
    _T_UID=$((_T_UID + 1))
    echo "${1:-t}-$$-$_T_N-$_T_UID-$RANDOM"
}

# json_str STRING: STRING as a JSON string literal
json_str() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\t'/\\t}
    s=${s//$'\r'/\\r}
    printf '"%s"' "$s"
}
# json_arr WORD...: JSON array of strings
json_arr() {
    local out= w
    for w in "$@"; do out+="${out:+, }$(json_str "$w")"; done
    printf '[%s]' "$out"
}

# ---- binaries ---------------------------------------------------------------------
# Execs from the host (9p) are cached by the guest after the first one, but the
# first load is slow and the host file may be rebuilt meanwhile: copy to tmpfs.
_t_cache_bin() { # SRC NAME -> prints cached path
    local src=$1 dst=$T_CACHE/bin/$2
    if [ ! -x "$dst" ]; then
        mkdir -p "$T_CACHE/bin"
        cp "$src" "$dst.tmp.$$" && mv "$dst.tmp.$$" "$dst" || return 1
    fi
    echo "$dst"
}
have_hrun() { [ -x "$HRUN" ]; }
# hrun_bin: path of the tmpfs copy of $HRUN
hrun_bin() { _t_cache_bin "$HRUN" hrun; }
hrun_shim_bin() { _t_cache_bin "$HRUN_SHIM" hrun-shim; }
# hrun ARGS...: run the hrun under test
hrun() {
    if [ -z "${_T_HRUN_BIN:-}" ]; then
        _T_HRUN_BIN=$(hrun_bin) || {
            echo "hrun binary not found: $HRUN" >&2
            return 127
        }
    fi
    "$_T_HRUN_BIN" "$@"
}
# ---- containers under $ROOT (each test file sets ROOT) ---------------------------
# H ARGS: hrun with the file's state root
H() { hrun --root "${ROOT:?set ROOT in the test file}" "$@"; }
# C ARGS: create with its output in a file: the container inherits create's
# stdio, so a $(...) around create would wait for the container to exit.
C() {
    H create "$@" >"$T_TMP/create.out" 2>&1 </dev/null || {
        cat "$T_TMP/create.out" >&2
        return 1
    }
}
# start_bg BUNDLE ID: create+start, print the init's pid (create's stdio is
# a file, for the same reason)
start_bg() {
    H create --bundle "$1" --pid-file "$T_TMP/$2.pid" "$2" >"$T_TMP/$2.out" 2>&1 </dev/null || {
        cat "$T_TMP/$2.out" >&2
        return 1
    }
    H start "$2"
    cat "$T_TMP/$2.pid"
}
init_pid() { H state "$1" | sed -n 's/.*"pid": \([0-9]*\).*/\1/p'; }
# status_is ID STATUS: `state` reports STATUS now
status_is() { H state "$1" 2>/dev/null | grep -q "\"status\": \"$2\""; }
# wait_status ID STATUS [SECONDS]: until `state` reports STATUS
wait_status() {
    wait_for "${3:-30}" sh -c "'$(hrun_bin)' --root '$ROOT' state '$1' 2>/dev/null | grep -q '\"$2\"'"
}
# status_field PID FIELD: a field of /proc/PID/status
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

# require_test_build: skip the current test unless the build with the test
# hooks (make test-build; vm.sh sets HRUN_TEST_BIN) is there; then
# "$_T_TEST_BIN" is its tmpfs copy
require_test_build() {
    : "${HRUN_TEST_BIN:=$REPO/build/test/hrun}"
    if [ ! -x "$HRUN_TEST_BIN" ]; then
        t_skip "no test build ($HRUN_TEST_BIN): run make test-build"
        return 1
    fi
    _T_TEST_BIN=$(_t_cache_bin "$HRUN_TEST_BIN" hrun-test)
}
# require_hrun: skip the current test if $HRUN is not built
require_hrun() {
    have_hrun && return 0
    t_skip "hrun not built ($HRUN)"
    return 1
}
# require_cmd CMD...: skip the current test unless all CMDs exist
require_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || {
            t_skip "$c not installed"
            return 1
        }
    done
}

# ---- rootfs / bundles -------------------------------------------------------------
# mk_rootfs DIR: busybox-static rootfs (all applets as symlinks in /bin).
mk_rootfs() {
    local d=$1 tpl=$T_CACHE/rootfs
    if [ ! -d "$tpl" ]; then
        local t=$tpl.tmp.$$
        rm -rf "$t"
        mkdir -p "$t"/{bin,sbin,etc,proc,sys,dev,tmp,root,run,var/tmp,usr/bin,usr/sbin}
        cp "$T_BUSYBOX" "$t/bin/busybox"
        chroot "$t" /bin/busybox --install -s /bin
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$t/etc/passwd"
        printf 'root:x:0:\nnobody:x:65534:\n' >"$t/etc/group"
        chmod 1777 "$t/tmp" "$t/var/tmp"
        mv "$t" "$tpl" 2>/dev/null || rm -rf "$t"
    fi
    mkdir -p "$d"
    cp -a "$tpl/." "$d/"
}

# mk_bundle DIR [OPTIONS] [-- ARGS...]: write DIR/config.json (a `runc spec`
# style config) and DIR/rootfs (via mk_rootfs unless it exists).
# Default process args: sh -c 'echo hello'.  Options:
#   --rw                   writable root (default: readonly root)
#   --env K=V              extra environment variable (repeatable)
#   --cwd DIR              process cwd (default /)
#   --user UID[:GID]       process user (default 0:0)
#   --hostname NAME        (default hrun-test)
#   --ns LIST              comma list of namespaces
#                          (default pid,network,ipc,uts,mount,cgroup)
#   --cgroups-path PATH    linux.cgroupsPath (default: none)
#   --resources JSON       linux.resources object
#   --process-extra JSON   extra members for "process" (no leading comma)
#   --linux-extra JSON     extra members for "linux"
#   --extra JSON           extra top-level members
#   --mounts-extra JSON    extra mount objects appended to "mounts"
#   --terminal             process.terminal = true
#   --no-new-privs false   (default true)
mk_bundle() {
    local dir=$1
    shift
    local rw=false cwd=/ uid=0 gid=0 host=hrun-test ns=pid,network,ipc,uts,mount,cgroup
    local cgpath= res= pextra= lextra= extra= mextra= term=false nnp=true
    local env=('"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"' '"TERM=xterm"')
    local args=(sh -c 'echo hello')
    while [ $# -gt 0 ]; do
        case $1 in
        --rw) rw=true ;;
        --env) env+=("$(json_str "$2")") && shift ;;
        --cwd) cwd=$2 && shift ;;
        --user) uid=${2%%:*} gid=${2#*:} && { [ "$gid" != "$2" ] || gid=$uid; } && shift ;;
        --hostname) host=$2 && shift ;;
        --ns) ns=$2 && shift ;;
        --cgroups-path) cgpath=$2 && shift ;;
        --resources) res=$2 && shift ;;
        --process-extra) pextra=$2 && shift ;;
        --linux-extra) lextra=$2 && shift ;;
        --extra) extra=$2 && shift ;;
        --mounts-extra) mextra=$2 && shift ;;
        --terminal) term=true ;;
        --no-new-privs) nnp=$2 && shift ;;
        --)
            shift
            args=("$@")
            break
            ;;
        *)
            echo "mk_bundle: unknown option $1" >&2
            return 2
            ;;
        esac
        shift
    done
    mkdir -p "$dir"
    [ -d "$dir/rootfs" ] || mk_rootfs "$dir/rootfs"
    local nsj= n envj= e
    for n in ${ns//,/ }; do nsj+="${nsj:+, }{\"type\": \"$n\"}"; done
    for e in "${env[@]}"; do envj+="${envj:+, }$e"; done
    # (quotes inside ${x:+...} are not kept in a here-document: build here)
    local lpre=
    [ -n "$cgpath" ] && lpre+="\"cgroupsPath\": $(json_str "$cgpath"),
    "
    [ -n "$res" ] && lpre+="\"resources\": $res,
    "
    local ro=true
    [ $rw = true ] && ro=false
    local caps='"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"'
    cat >"$dir/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": $term,
    "user": {"uid": $uid, "gid": $gid},
    "args": $(json_arr "${args[@]}"),
    "env": [$envj],
    "cwd": $(json_str "$cwd"),
    "capabilities": {
      "bounding": [$caps], "effective": [$caps], "permitted": [$caps]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": $nnp${pextra:+,
    $pextra}
  },
  "root": {"path": "rootfs", "readonly": $ro},
  "hostname": $(json_str "$host"),
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}${mextra:+,
    $mextra}
  ],
  "linux": {
    $lpre"namespaces": [$nsj],
    "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
      "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
      "/proc/sysrq-trigger"]${lextra:+,
    $lextra}
  }${extra:+,
  $extra}
}
EOF
}

# ---- cgroups ----------------------------------------------------------------------
CG=/sys/fs/cgroup
# cgroup_of PID: the cgroup v2 path of PID (relative to $CG, leading /)
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }
# cg_read CGPATH FILE: cat $CG/CGPATH/FILE
cg_read() { cat "$CG/${1#/}/$2"; }
