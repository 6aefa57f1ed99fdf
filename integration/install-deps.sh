#!/bin/bash
# Install hrun's build dependencies (and, with --test, the integration-test
# dependencies plus the VM kernel) on Debian 12.  Must be run as root.
# Idempotent: packages already installed are skipped, `apt-get update` only
# runs when something is missing, and the kernel is only fetched once.
#
#   integration/install-deps.sh            build deps only
#   integration/install-deps.sh --test     build + test deps + VM kernel
#   integration/install-deps.sh --kernel   only fetch/unpack the VM kernel
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
vmdir=${HRUN_VM_DIR:-$repo/build/vm}

build_pkgs=(build-essential pkg-config libjansson-dev libseccomp-dev libcap-dev
    libcap-ng-dev clang-format cppcheck busybox-static
    clang libclang-rt-14-dev) # clang: `make asan`; libFuzzer runtime: `make fuzz`
# Installed with --no-install-recommends (podman's recommends are huge).
# kmod provides depmod (modules.dep for on-demand modprobe in the guest).
# gnuplot-nox, time, jq: make bench (plots, peak RSS, results.json).
test_pkgs=(qemu-system-x86 cpio xz-utils zstd kmod runc crun containerd podman
    gnuplot-nox time jq)

want_test=0 want_build=1
for a in "$@"; do
    case $a in
    --test) want_test=1 ;;
    --kernel) want_build=0 want_test=2 ;;
    -h | --help)
        sed -n '2,9p' "$0"
        exit 0
        ;;
    *)
        echo "install-deps.sh: unknown argument: $a" >&2
        exit 2
        ;;
    esac
done

say() { echo "install-deps: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
    say "must be run as root"
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive

updated=0
apt_update() {
    if [ $updated = 0 ]; then
        apt-get update -q
        updated=1
    fi
}

# missing PKG... -> prints the packages that are not installed
missing() {
    local p st
    for p in "$@"; do
        st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$st" = installed ] || echo "$p"
    done
}

install_pkgs() { # install_pkgs [apt options --] PKG...
    local opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        opts+=("$1")
        shift
    done
    shift
    local miss
    miss=$(missing "$@")
    [ -n "$miss" ] || return 0
    say "installing:" $miss
    apt_update
    # shellcheck disable=SC2086
    apt-get install -y -q "${opts[@]}" $miss
}

if [ $want_build = 1 ]; then
    install_pkgs -- "${build_pkgs[@]}"
fi
if [ $want_test = 1 ]; then
    install_pkgs --no-install-recommends -- "${test_pkgs[@]}"
fi

# ---- VM kernel -------------------------------------------------------------
# Resolve the versioned image package that linux-image-amd64 depends on and
# unpack it (no install) into $vmdir/kernel.
fetch_kernel() {
    local kdir=$vmdir/kernel pkg deb tmp
    if ls "$kdir"/boot/vmlinuz-* >/dev/null 2>&1 && [ -e "$kdir/.complete" ]; then
        say "kernel already present: $(cat "$kdir/.complete")"
        return 0
    fi
    command -v apt-cache >/dev/null || { say "apt-cache missing"; return 1; }
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n1)
    if [ -z "$pkg" ]; then
        apt_update
        pkg=$(apt-cache depends linux-image-amd64 |
            sed -n 's/^ *Depends: *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n1)
    fi
    [ -n "$pkg" ] || { say "cannot resolve linux-image-amd64 dependency"; return 1; }
    say "fetching kernel package $pkg"
    mkdir -p "$vmdir"
    tmp=$(mktemp -d "$vmdir/kernel-dl.XXXXXX")
    # _apt cannot write into root-owned dirs; this avoids a noisy warning.
    chmod 777 "$tmp"
    if ! (cd "$tmp" && apt-get download -q "$pkg"); then
        apt_update
        (cd "$tmp" && apt-get download -q "$pkg")
    fi
    deb=$(ls "$tmp"/*.deb)
    rm -rf "$kdir"
    mkdir -p "$tmp/x"
    dpkg-deb -x "$deb" "$tmp/x"
    mv "$tmp/x" "$kdir"
    rm -rf "$tmp"
    local kver
    kver=$(ls "$kdir/lib/modules" | head -n1)
    if command -v depmod >/dev/null 2>&1; then
        depmod -b "$kdir" "$kver"
    elif [ -x /sbin/depmod ]; then
        /sbin/depmod -b "$kdir" "$kver"
    fi
    echo "$pkg" >"$kdir/.complete"
    say "kernel unpacked into $kdir ($kver)"
}

if [ $want_test -ge 1 ]; then
    fetch_kernel
fi
