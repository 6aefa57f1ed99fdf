#!/bin/bash
# Smoke tests of the VM harness itself (no hrun needed): guest setup, cgroup
# delegation, the busybox rootfs helpers and the peer runtimes crun and runc.
. "${HRUN_LIB:?run this via integration/vm.sh}"

test_cgroup2() {
    assert_eq "$(stat -f -c %T "$CG")" cgroup2fs "cgroup2 at $CG"
    local avail enabled c
    avail=$(cat "$CG/cgroup.controllers")
    enabled=$(cat "$CG/cgroup.subtree_control")
    for c in memory pids cpu io cpuset; do
        assert_contains " $avail " " $c " "controller $c available"
    done
    assert_eq "$enabled" "$avail" "all controllers enabled in the root"
    assert_eq "$(cgroup_of $$)" /harness "tests run in the /harness child cgroup"
}
t_run "cgroup2 mounted, all controllers delegated" test_cgroup2

test_guest() {
    assert_eq "$(hostname)" hrun-vm
    assert_contains "$(cat /sys/class/net/lo/operstate /sys/class/net/lo/flags)" 0x9 "lo is up"
    assert_exists /dev/vda "scratch disk"
    [ -b /dev/vda ] || t_fail "/dev/vda not a block device"
    assert_eq "$(id -u)" 0
    touch /etc/hrun-probe "$T_TMP/x" # guest root and scratch are writable
}
t_run "guest basics (hostname, lo, /dev/vda, writable root)" test_guest

test_rootfs() {
    mk_rootfs r
    assert_exists r/bin/sh
    assert_eq "$(chroot r /bin/echo hi)" hi
}
t_run "mk_rootfs builds a busybox rootfs" test_rootfs

# run_peer RUNTIME: run a busybox bundle with the peer runtime and check its
# output, including its cgroup limits as seen from inside the container.
run_peer() {
    local rt=$1 id
    require_cmd "$rt"
    id=$(unique_id "$rt")
    mk_bundle b --resources '{"memory": {"limit": 67108864}, "pids": {"limit": 32}}' \
        -- sh -c 'echo "hello from $(hostname)"; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max'
    t_defer "$rt delete -f $id >/dev/null 2>&1"
    out=$(run_timeout 60 "$rt" run -b b "$id")
    assert_eq "$out" "hello from hrun-test
67108864
32"
}
t_run "crun runs a busybox bundle" run_peer crun
t_run "runc runs a busybox bundle" run_peer runc
