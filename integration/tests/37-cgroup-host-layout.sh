#!/bin/bash
# timeout: 300
# hrun on the development host's cgroup layout (issue 4), simulated in the
# VM: in a private mount and cgroup namespace, HRUN_CGROUP_ROOT points at a
# tmpfs holding a cgroup v1 (named) hierarchy and, at unified/, a cgroup2
# mount whose root is a cgroup without controllers - a hybrid host. A limit
# fails with one line naming the controller and leaves nothing behind; a
# config without limits runs (without a cgroup).
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state
FAKE=$T_TMP/fakecg
# the simulated unified hierarchy's root: SIM delegates no controller to
# SIM/leaf, so a cgroup namespace rooted at leaf sees none
SIM=$CG/hybsim-$$
mkdir -p "$SIM/leaf" "$FAKE"
cleanup_sim() { rmdir "$SIM/leaf" "$SIM" 2>/dev/null || true; }

# in_hybrid SCRIPT: run the bash SCRIPT with HRUN_CGROUP_ROOT=$FAKE a
# hybrid layout; $HR is the hrun binary. Prints SCRIPT's output.
in_hybrid() {
    local hr
    hr=$(hrun_bin)
    printf '%s\n' "$1" >"$T_TMP/script.sh"
    # a new v1 hierarchy can only be mounted from the initial cgroup
    # namespace: mount it first, then enter the cgroup namespace
    cat >"$T_TMP/outer.sh" <<'EOF'
set -e
mount -t tmpfs tmpfs "$FAKE"
mkdir "$FAKE/unified" "$FAKE/systemd"
mount -t cgroup -o none,name=hrunsim cgroup "$FAKE/systemd"
exec unshare -C bash "$T_TMP/inner.sh"
EOF
    cat >"$T_TMP/inner.sh" <<'EOF'
set -e
mount -t cgroup2 cgroup2 "$FAKE/unified"
export HRUN_CGROUP_ROOT=$FAKE
set +e
. "$T_TMP/script.sh"
# what hrun left in either hierarchy
find "$FAKE/unified" "$FAKE/systemd" -mindepth 1 -type d | sed "s/^/left: /"
EOF
    (
        echo $BASHPID >"$SIM/leaf/cgroup.procs"
        exec unshare -m --propagation private env HR="$hr" ROOT="$ROOT" \
            FAKE="$FAKE" T_TMP="$T_TMP" bash "$T_TMP/outer.sh"
    )
}
# "$R BUNDLE ID $RCX" in a SCRIPT: hrun run, its output and "rc=N"
# shellcheck disable=SC2016 # expanded in the namespace
R='"$HR" --root "$ROOT" run --bundle'
RCX='2>&1; echo "rc=$?"'

test_limit_fails() {
    require_hrun
    local out id
    id=$(unique_id hmem)
    mk_bundle b --resources '{"memory": {"limit": 67108864}}' -- echo hi
    out=$(in_hybrid "
        echo \"controllers: [\$(cat \$FAKE/unified/cgroup.controllers)]\"
        $R b $id $RCX")
    t_log "$out"
    assert_contains "$out" "controllers: []" "the simulated unified hierarchy has no controllers"
    assert_contains "$out" 'cgroup v2 controller "memory" is not available (host uses a hybrid cgroup layout); cannot apply linux.resources.memory'
    assert_eq "$(grep -c 'cgroup v2' <<<"$out")" 1 "one line"
    assert_contains "$out" "rc=1"
    assert_not_contains "$out" "hi"
    assert_not_contains "$out" "left: " "no cgroup made in either hierarchy"
    assert_not_exists "$ROOT/$id" "no state left"
    assert_eq "$(find "$SIM/leaf" -mindepth 1 -type d | wc -l)" 0 "nothing under the simulated root"
    # another controller, another field
    mk_bundle p --resources '{"pids": {"limit": 10}}' -- echo hi
    out=$(in_hybrid "$R p $(unique_id hpids) $RCX")
    assert_contains "$out" 'cgroup v2 controller "pids" is not available (host uses a hybrid cgroup layout); cannot apply linux.resources.pids'
}
t_run "hybrid host: a memory limit fails naming the controller, nothing left" test_limit_fails

test_no_limits_run() {
    require_hrun
    local out id
    id=$(unique_id hnone)
    mk_bundle b -- sh -c 'echo hello; cat /proc/self/cgroup'
    out=$(in_hybrid "$R b $id $RCX")
    t_log "$out"
    assert_contains "$out" "hello"
    assert_contains "$out" "rc=0"
    assert_not_contains "$out" "left: "
    assert_not_exists "$ROOT/$id"
    assert_not_exists "$CG/hrun/$id" "no cgroup in the real hierarchy either"
}
t_run "hybrid host: a config without resources runs" test_no_limits_run

# runc's (and hrun's) default spec denies every device. Without a device
# cgroup that holds as long as the container cannot reach a node hrun did
# not create: no CAP_MKNOD/CAP_SYS_ADMIN, no mount that may carry nodes.
# sect NAME: the lines of $out after "== NAME" up to the next "=="
sect() { awk -v n="== $1" '$0 == n { on = 1; next } /^== / { on = 0 } on' <<<"$out"; }
test_default_devices() {
    require_hrun
    local out deny='{"devices": [{"allow": false, "access": "rwm"}]}' b
    mk_bundle b --resources "$deny" -- echo default-spec
    mk_bundle mk --resources "$deny" -- echo mknod
    sed -i 's/"CAP_AUDIT_WRITE", "CAP_KILL"/"CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_KILL"/g' mk/config.json
    mk_bundle bd --resources "$deny" --mounts-extra \
        '{"destination": "/mnt", "type": "bind", "source": "/dev", "options": ["bind"]}' -- echo bind
    mk_bundle br --resources "$deny" --mounts-extra \
        '{"destination": "/mnt", "type": "bind", "source": "/dev", "options": ["rbind", "nodev"]}' -- echo rbind
    mk_bundle bn --resources "$deny" --mounts-extra \
        '{"destination": "/mnt", "type": "bind", "source": "/dev", "options": ["bind", "nodev"]}' \
        -- sh -c "dd if=/mnt/${T_DISK#/dev/} of=/dev/null count=1 2>&1; echo bind-nodev"
    out=$(in_hybrid "
        for b in b mk bd br bn; do echo \"== \$b\"; $R \$b \$b-\$\$ $RCX; done
        echo '== end'")
    t_log "$out"
    assert_eq "$(sect b)" "default-spec
rc=0" "deny-all, no CAP_MKNOD, no binds: runs"
    assert_contains "$(sect mk)" 'cgroup v2 is not available (host uses a hybrid cgroup layout); cannot apply linux.resources.devices without a device cgroup (CAP_MKNOD in the bounding set can create device nodes)'
    assert_contains "$(sect bd)" "cannot apply linux.resources.devices without a device cgroup (a mount without nodev may carry device nodes)"
    assert_contains "$(sect br)" "cannot apply linux.resources.devices without a device cgroup (a recursive bind mount may carry device nodes in its submounts)"
    for b in mk bd br; do
        assert_eq "$(sect $b | tail -n1)" "rc=1" "$b fails"
        assert_eq "$(sect $b | wc -l)" 2 "$b: one line of error"
    done
    assert_contains "$(sect bn)" "Permission denied" "nodev: the host disk cannot be opened"
    assert_contains "$(sect bn)" "bind-nodev
rc=0" "a nodev bind runs"
    assert_not_contains "$out" "left: "
    assert_eq "$(ls "$ROOT" 2>/dev/null)" "" "no state left"
}
t_run "hybrid host: default deny-all devices run unless the container could reach other nodes" test_default_devices

cleanup_sim
