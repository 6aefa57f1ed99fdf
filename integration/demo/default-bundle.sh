#!/bin/bash
# The README demo inside the VM: `hrun spec` (hardened) + `hrun run bundle/`.
. "${HRUN_LIB:?run this via integration/vm.sh}"

demo() {
    require_hrun
    mk_rootfs demo/rootfs
    hrun spec --bundle demo
    # the spec's program is `sh`: it reads the probe script from stdin
    out=$(hrun run demo/ <"$REPO/integration/demo/probe.sh")
    echo "$out"
    assert_contains "$out" "root: read-only"
    assert_contains "$out" "/tmp: noexec"
    assert_contains "$out" "Seccomp:	2"
}
t_run "hrun run of the default hardened bundle" demo
