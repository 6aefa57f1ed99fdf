#!/bin/bash
# README command 1 (after the build deps): build hrun, build the default
# bundle (a busybox-static rootfs with the hardened config from `hrun spec`)
# and run it with `hrun run`. On a host with a usable cgroup v2 hierarchy it
# runs right here; otherwise (e.g. a hybrid cgroup host) in the test VM.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
make -s all

host_has_cgroup2() {
    [ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] &&
        grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null &&
        grep -qw pids /sys/fs/cgroup/cgroup.controllers 2>/dev/null
}

if host_has_cgroup2 && [ "$(id -u)" = 0 ]; then
    bundle=$repo/build/demo-bundle
    rm -rf "$bundle"
    mkdir -p "$bundle/rootfs/bin"
    cp /bin/busybox "$bundle/rootfs/bin/busybox"
    chroot "$bundle/rootfs" /bin/busybox --install -s /bin
    mkdir -p "$bundle/rootfs/"{proc,sys,dev,tmp,run,var/tmp,etc}
    build/hrun spec --bundle "$bundle"
    # the spec's program is `sh`: it reads the probe script from stdin
    exec build/hrun run "$bundle/" <integration/demo/probe.sh
fi

echo "demo: this host has no usable cgroup v2 hierarchy; running in the test VM" >&2
./integration/install-deps.sh --test
HRUN_VERBOSE=1 integration/vm.sh integration/demo/default-bundle.sh
