#!/bin/bash
# Boot a throw-away qemu VM and run hrun's integration tests inside it.
#
#   integration/vm.sh [TESTFILE...]    run the given files (default: all of
#                                      integration/tests/*.sh); the last line
#                                      printed is "N passed, N failed, N skipped"
#   integration/vm.sh --shell          boot and give an interactive guest shell
#   integration/vm.sh --build-initramfs  (re)build the initramfs only
#
# Exits non-zero if any test failed or the VM did not boot/finish.
# See integration/README.md for the environment variables.
set -uo pipefail

# The whole script is one block, so bash parses it completely before
# running it: editing this file cannot disturb runs in progress.
{
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$here/.." && pwd)
VMDIR=${HRUN_VM_DIR:-$REPO/build/vm}
case $VMDIR in /*) ;; *) VMDIR=$PWD/$VMDIR ;; esac

MEM=${HRUN_VM_MEM:-2G}
SMP=${HRUN_VM_SMP:-2}
ACCEL=${HRUN_VM_ACCEL:-auto}
BOOT_TIMEOUT=${HRUN_VM_BOOT_TIMEOUT:-}
RUN_TIMEOUT=${HRUN_VM_TIMEOUT:-7200}
DISK_SIZE=${HRUN_VM_DISK_SIZE:-64M}
KEEP_RUNS=${HRUN_VM_KEEP_RUNS:-20}
# Top-level modules for the initramfs; dependencies are resolved from each
# module's .modinfo and loaded first.
MODULES="virtio_pci 9pnet_virtio 9p overlay virtio_blk ${HRUN_VM_MODULES:-}"
INITRAMFS_VERSION=1 # bump when the build logic below changes

log() { echo "vm.sh: $*" >&2; }
die() {
    log "$*"
    exit 1
}

mode=run
files=()
for a in "$@"; do
    case $a in
    --shell) mode=shell ;;
    --build-initramfs) mode=initramfs ;;
    -h | --help)
        sed -n '2,10p' "$0"
        exit 0
        ;;
    -*) die "unknown option $a" ;;
    *) files+=("$a") ;;
    esac
done

# ---- kernel -----------------------------------------------------------------
KDIR=$VMDIR/kernel
find_kernel() {
    VMLINUZ=$(ls "$KDIR"/boot/vmlinuz-* 2>/dev/null | head -n1)
    [ -n "$VMLINUZ" ] && [ -e "$KDIR/.complete" ]
}
if ! find_kernel; then
    log "no VM kernel in $KDIR, fetching it (integration/install-deps.sh --kernel)"
    "$here/install-deps.sh" --kernel >&2 || die "cannot fetch the VM kernel"
    find_kernel || die "no kernel found in $KDIR"
fi
KVER=${VMLINUZ##*/vmlinuz-}
MODDIR=$KDIR/lib/modules/$KVER
command -v qemu-system-x86_64 >/dev/null ||
    die "qemu-system-x86_64 not found; run integration/install-deps.sh --test"

# Boot the uncompressed ELF vmlinux through qemu's PVH entry when possible: it
# skips SeaBIOS's real-mode loader and the in-guest decompression, which take
# ~3.5 s under TCG.  Falls back to the bzImage (also used for the boot retry).
BOOT_KERNEL=$VMLINUZ
extract_vmlinux() {
    local out=$VMDIR/vmlinux-$KVER magic off tool
    if [ -s "$out" ]; then
        echo "$out"
        return 0
    fi
    grep -q '^CONFIG_PVH=y' "$KDIR/boot/config-$KVER" 2>/dev/null || return 1
    for magic in xz zstd gzip; do
        case $magic in
        xz) off=$(LC_ALL=C grep -obUa $'\xfd7zXZ\x00' "$VMLINUZ" | head -n1) tool="xz -dc --single-stream" ;;
        zstd) off=$(LC_ALL=C grep -obUa $'\x28\xb5\x2f\xfd' "$VMLINUZ" | head -n1) tool="zstd -qdc" ;;
        gzip) off=$(LC_ALL=C grep -obUa $'\x1f\x8b\x08' "$VMLINUZ" | head -n1) tool="gzip -dc" ;;
        esac
        off=${off%%:*}
        [ -n "$off" ] || continue
        # shellcheck disable=SC2086
        tail -c +$((off + 1)) "$VMLINUZ" | $tool >"$out.tmp.$$" 2>/dev/null
        if [ "$(head -c4 "$out.tmp.$$" | od -An -c | tr -d ' ')" = '177ELF' ]; then
            mv "$out.tmp.$$" "$out"
            echo "$out"
            return 0
        fi
    done
    rm -f "$out.tmp.$$"
    return 1
}
if [ "${HRUN_VM_PVH:-1}" = 1 ] && v=$(extract_vmlinux); then
    BOOT_KERNEL=$v
fi

# ---- initramfs ----------------------------------------------------------------
INITRD=$VMDIR/initramfs.cpio
BUSYBOX=${HRUN_VM_BUSYBOX:-/bin/busybox}

mod_uncompress() { # FILE -> raw .ko on stdout
    case $1 in
    *.ko) cat "$1" ;;
    *.ko.xz) xz -dc "$1" ;;
    *.ko.zst) zstd -qdc "$1" ;;
    *.ko.gz) gzip -dc "$1" ;;
    *) return 1 ;;
    esac
}

# Drop the appended module signature (checking it costs ~1 s of boot under
# TCG); the kernel does not enforce signatures, it only logs a taint warning.
mod_strip_sig() { # FILE (raw .ko, modified in place)
    local f=$1 sz siglen magic
    magic=$(tail -c 28 "$f" | tr -d '\n')
    [ "$magic" = "~Module signature appended~" ] || return 0
    sz=$(stat -c %s "$f")
    siglen=$(tail -c 32 "$f" | head -c 4 | od -An -tu1 |
        awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
    truncate -s $((sz - 28 - 12 - siglen)) "$f"
}

declare -A MODPATH=() MODSEEN=()
MODORDER=()
mod_visit() {
    local n=$1 d deps
    [ -n "${MODSEEN[$n]:-}" ] && return 0
    MODSEEN[$n]=1
    [ -n "${MODPATH[$n]:-}" ] || die "kernel module $n not found in $MODDIR"
    deps=$(mod_uncompress "${MODPATH[$n]}" | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' ')
    for d in $deps; do mod_visit "$d"; done
    MODORDER+=("$n")
}

initramfs_stamp() {
    {
        echo "v$INITRAMFS_VERSION $KVER $MODULES strip=${HRUN_VM_STRIP_SIG:-1}"
        sha256sum "$here/guest/init" "$here/guest/stage2" "$BUSYBOX" | cut -d' ' -f1
    } | sha256sum | cut -d' ' -f1
}

build_initramfs() {
    local stamp tmp f n
    stamp=$(initramfs_stamp)
    if [ -e "$INITRD" ] && [ "$(cat "$INITRD.stamp" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    [ -x "$BUSYBOX" ] || die "$BUSYBOX missing; install busybox-static (integration/install-deps.sh)"
    # ldd fails on a static binary ("not a dynamic executable")
    if LC_ALL=C ldd "$BUSYBOX" >/dev/null 2>&1; then
        die "$BUSYBOX is not static; install busybox-static (integration/install-deps.sh)"
    fi
    log "building initramfs ($KVER)"
    while IFS= read -r f; do
        n=${f##*/}
        n=${n%%.ko*}
        MODPATH[${n//-/_}]=$f
    done < <(find "$MODDIR/kernel" -name '*.ko*')
    for n in $MODULES; do mod_visit "${n//-/_}"; done
    tmp=$(mktemp -d "$VMDIR/initramfs.XXXXXX")
    mkdir -p "$tmp"/{bin,dev,proc,sys,lib/modules}
    cp "$BUSYBOX" "$tmp/bin/busybox"
    install -m 0755 "$here/guest/init" "$tmp/init"
    install -m 0755 "$here/guest/stage2" "$tmp/stage2"
    for n in "${MODORDER[@]}"; do
        mod_uncompress "${MODPATH[$n]}" >"$tmp/lib/modules/$n.ko"
        [ "${HRUN_VM_STRIP_SIG:-1}" = 1 ] && mod_strip_sig "$tmp/lib/modules/$n.ko"
        echo "$n" >>"$tmp/modules.order"
    done
    (cd "$tmp" && find . -print0 | cpio --null -o -H newc --quiet) >"$tmp.cpio" ||
        die "cpio failed"
    mv "$tmp.cpio" "$INITRD"
    echo "$stamp" >"$INITRD.stamp"
    rm -rf "$tmp"
    log "initramfs: modules ${MODORDER[*]}"
}

mkdir -p "$VMDIR"
build_initramfs
[ $mode = initramfs ] && exit 0

# ---- test selection -----------------------------------------------------------
if [ ${#files[@]} = 0 ] && [ $mode = run ]; then
    files=("$here"/tests/*.sh)
    [ -e "${files[0]}" ] || die "no tests in $here/tests"
fi
abs=()
for f in "${files[@]}"; do
    [ -f "$f" ] || die "no such test file: $f"
    abs+=("$(realpath "$f")")
done

# ---- hrun binaries ------------------------------------------------------------
# HRUN_BUILD is a build directory (Makefile: BUILD=build or build/asan) or a
# bare variant name ("asan" -> build/asan).
hb=${HRUN_BUILD:-build}
case $hb in
/*) ;;
build | build/*) hb=$REPO/$hb ;;
*) if [ -d "$REPO/$hb" ]; then hb=$REPO/$hb; else hb=$REPO/build/$hb; fi ;;
esac
HRUN=${HRUN:-$hb/hrun}
HRUN_SHIM=${HRUN_SHIM:-$hb/hrun-shim}
# the same code with the test hooks (make test-build)
HRUN_TEST_BIN=${HRUN_TEST_BIN:-$hb/test/hrun}
export HRUN_TEST_BIN
case $HRUN in /*) ;; *) HRUN=$PWD/$HRUN ;; esac
case $HRUN_SHIM in /*) ;; *) HRUN_SHIM=$PWD/$HRUN_SHIM ;; esac

# ---- run directory --------------------------------------------------------------
mkdir -p "$VMDIR/runs"
RUN=$VMDIR/runs/$(date +%Y%m%d-%H%M%S)-$$
OUT=$RUN/out
mkdir -p "$OUT"
ln -sfn "runs/${RUN##*/}" "$VMDIR/last"
# prune old runs (not those whose vm.sh is still running: dir name ends in its pid)
ls -1d "$VMDIR"/runs/*/ 2>/dev/null | head -n -"$KEEP_RUNS" | while read -r d; do
    d=${d%/}
    kill -0 "${d##*-}" 2>/dev/null || rm -rf "$d"
done

{
    # vm.conf is read by busybox ash in the initramfs: plain paths only.
    echo "HRUN_VM_REPO='$REPO'"
    echo "HRUN_VM_KDIR='$KDIR'"
    echo "HRUN_VM_MODE='$mode'"
    [ -n "${HRUN_VM_NO_OVERLAY:-}" ] && echo "HRUN_VM_NO_OVERLAY='$HRUN_VM_NO_OVERLAY'"
    [ -n "${HRUN_VM_9P_OPTS:-}" ] && echo "HRUN_VM_9P_OPTS='$HRUN_VM_9P_OPTS'"
} >"$OUT/vm.conf"
{
    printf 'export REPO=%q HRUN=%q HRUN_SHIM=%q\n' "$REPO" "$HRUN" "$HRUN_SHIM"
    # a sanitizer build: the guest collects every report (runner.sh)
    if [ -r "$HRUN" ] && grep -qa __asan_init "$HRUN"; then
        echo "export HRUN_SANITIZED=1"
    fi
    # pass through HRUN_*, TEST_* and sanitizer settings
    while IFS='=' read -r k _; do
        case $k in HRUN | HRUN_SHIM) continue ;; esac
        printf 'export %s=%q\n' "$k" "${!k}"
    done < <(env | grep -E '^(HRUN_[A-Z0-9_]*|TEST_[A-Z0-9_]*|[AULMT]SAN_OPTIONS|UBSAN_OPTIONS)=' | sort)
} >"$OUT/env.sh"
printf '%s\n' "${abs[@]}" >"$OUT/tests"
truncate -s "$DISK_SIZE" "$RUN/disk.img"

# ---- accelerator ----------------------------------------------------------------
qemu_accel_args() { # ACCEL -> qemu args
    case $1 in
    kvm) echo "-accel kvm -cpu host" ;;
    *) echo "-accel tcg,thread=multi -cpu max" ;;
    esac
}

CMDLINE="console=ttyS0 quiet loglevel=4 panic=-1 oops=panic cryptomgr.notests rdinit=/init"
CMDLINE+=" 8250.nr_uarts=1 tsc=reliable no_timer_check ${HRUN_VM_CMDLINE:-}"

QPID=
# qemu's stdin (fd 3): the terminal for --shell, else nothing.  (A plain
# background job would get /dev/null.)
if [ $mode = shell ]; then exec 3<&0; else exec 3</dev/null; fi
start_qemu() { # ACCEL CONSOLE_LOG [extra qemu args]
    local accel=$1 con=$2
    shift 2
    # shellcheck disable=SC2046
    qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
        $(qemu_accel_args "$accel") -smp "$SMP" -m "$MEM" \
        -kernel "$BOOT_KERNEL" -initrd "$INITRD" -append "$CMDLINE" \
        -fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
        -device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
        -fsdev "local,id=results,path=$OUT,security_model=none" \
        -device virtio-9p-pci,fsdev=results,mount_tag=results \
        -drive "file=$RUN/disk.img,if=virtio,format=raw,cache=unsafe" \
        "$@" <&3 &
    QPID=$!
}

stop_qemu() {
    [ -n "$QPID" ] || return 0
    kill "$QPID" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$QPID" 2>/dev/null || break
        sleep 0.2
    done
    kill -9 "$QPID" 2>/dev/null
    wait "$QPID" 2>/dev/null
    QPID=
}
trap 'stop_qemu; exit 130' INT TERM
trap 'stop_qemu' EXIT

# wait_for FILE SECONDS -> 0 if FILE appeared, 1 on timeout, 2 if qemu exited
wait_for() {
    local f=$1 deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        [ -e "$f" ] && return 0
        kill -0 "$QPID" 2>/dev/null || { [ -e "$f" ] && return 0 || return 2; }
        sleep 0.1
    done
    return 1
}

# Decide the accelerator. auto: use KVM only if a short probe boot of this
# kernel reached stage 2; the verdict is cached per host kernel + qemu.
accel_probe() {
    local cache key pdir r
    [ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo tcg; return; }
    key="$(uname -r) $(qemu-system-x86_64 --version | head -n1) $KVER"
    cache=$VMDIR/accel.cache
    if [ -r "$cache" ] && [ "$(sed -n 1p "$cache")" = "$key" ]; then
        sed -n 2p "$cache"
        return
    fi
    log "probing KVM (once; cached in $cache)"
    pdir=$OUT
    rm -f "$pdir/booted"
    echo "HRUN_VM_MODE='probe'" >>"$OUT/vm.conf"
    start_qemu kvm "$RUN/probe.log" -serial "file:$RUN/probe.log" >/dev/null 2>&1
    wait_for "$pdir/booted" "${HRUN_VM_PROBE_TIMEOUT:-15}"
    r=$?
    stop_qemu
    sed -i '/^HRUN_VM_MODE=.probe.$/d' "$OUT/vm.conf"
    rm -f "$pdir/booted" "$pdir/rc"
    if [ $r = 0 ]; then r=kvm; else r=tcg; fi
    printf '%s\n%s\n' "$key" "$r" >"$cache"
    echo "$r"
}

case $ACCEL in
kvm | tcg) ;;
auto) ACCEL=$(accel_probe) ;;
*) die "HRUN_VM_ACCEL must be auto, kvm or tcg" ;;
esac
if [ -z "$BOOT_TIMEOUT" ]; then
    if [ "$ACCEL" = kvm ]; then BOOT_TIMEOUT=60; else BOOT_TIMEOUT=180; fi
fi

# ---- interactive shell ----------------------------------------------------------
if [ $mode = shell ]; then
    log "booting ($ACCEL); the guest powers off when the shell exits"
    start_qemu "$ACCEL" - -serial mon:stdio
    wait "$QPID"
    QPID=
    exit 0
fi

# ---- boot + run -----------------------------------------------------------------
t0=$SECONDS
ok_boot=0
for attempt in 1 2; do
    CONSOLE=$RUN/console.log
    if [ $attempt = 2 ]; then
        CONSOLE=$RUN/console.retry.log
        BOOT_KERNEL=$VMLINUZ # retry with the plain bzImage
    fi
    rm -f "$OUT/booted" "$OUT/rc" "$OUT/summary" "$OUT/results"
    : >"$CONSOLE"
    start_qemu "$ACCEL" "$CONSOLE" -serial "file:$CONSOLE"
    # stream the guest console until qemu exits
    tail -s 0.2 --pid="$QPID" -n +1 -F "$CONSOLE" 2>/dev/null |
        sed -u -e 's/\r$//' -e '/^\[ *[0-9.]*\] reboot: Restarting system$/d' &
    TAILPID=$!
    tb=${EPOCHREALTIME/./}
    wait_for "$OUT/booted" "$BOOT_TIMEOUT"
    r=$?
    if [ $r = 0 ]; then
        ok_boot=1
        tb=$(( (${EPOCHREALTIME/./} - tb) / 1000 ))
        log "booted in $((tb / 1000)).$(printf %03d $((tb % 1000)))s ($ACCEL, guest uptime $(cat "$OUT/booted")s)"
        break
    fi
    stop_qemu
    wait "$TAILPID" 2>/dev/null
    log "VM did not boot (attempt $attempt, $([ $r = 1 ] && echo "timeout ${BOOT_TIMEOUT}s" || echo "qemu exited"))"
done

finished=0
if [ $ok_boot = 1 ]; then
    wait_for "$OUT/rc" "$RUN_TIMEOUT"
    r=$?
    if [ $r = 0 ]; then
        # the guest reboots (qemu exits) right after writing rc
        for _ in $(seq 50); do kill -0 "$QPID" 2>/dev/null || break; sleep 0.1; done
        finished=1
    elif [ $r = 1 ]; then
        log "VM run timed out after ${RUN_TIMEOUT}s"
    else
        log "VM exited before the test run finished"
    fi
    stop_qemu
    wait "$TAILPID" 2>/dev/null
fi

passed=0 failed=0 skipped=0
if [ -r "$OUT/summary" ]; then
    # shellcheck disable=SC1091
    . "$OUT/summary"
else # partial results of an unfinished run: finished files + the current one
    cur=
    [ -r "$OUT/current" ] && cur=$(cat "$OUT/current")
    partial=$(cat "$OUT/results" 2>/dev/null
        [ -n "$cur" ] && grep -E '^(ok|not ok|skip) ' "$OUT/logs/$cur.log" 2>/dev/null)
    passed=$(grep -c '^ok ' <<<"$partial")
    failed=$(grep -c '^not ok ' <<<"$partial")
    skipped=$(grep -c '^skip ' <<<"$partial")
fi
if [ $finished = 0 ] || [ ! -r "$OUT/summary" ]; then
    failed=$((failed + 1))
    if [ $ok_boot = 1 ]; then
        echo "not ok vm: the VM died or hung${cur:+ during $cur} (console: $RUN/console.log)"
    else
        echo "not ok vm: the VM did not boot (console: $RUN/console*.log)"
    fi
fi
if [ -s "$OUT/results" ] && grep -q '^not ok' "$OUT/results"; then
    echo "--- failed:"
    grep '^not ok' "$OUT/results"
fi
log "total $((SECONDS - t0))s; logs in $RUN"
rm -f "$RUN/disk.img"
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ]
exit
}
