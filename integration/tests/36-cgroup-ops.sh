#!/bin/bash
# timeout: 300
# Operations on a container's cgroup (issue 4): ps, pause/resume, update,
# kill --all, delete of nested cgroups, cgroupsPath placement, and cleanup
# after a write the kernel rejects. Checked from outside: cgroup files,
# /proc, the state.
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state
nprocs_is() { [ "$(wc -l <"$CG$1/cgroup.procs")" = "$2" ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
have_swap() { [ -e "$CG/harness/memory.swap.max" ]; }

test_lifecycle() {
    require_hrun
    local id pid cg child procs out
    id=$(unique_id ops)
    # no pid namespace: a forked child outlives the init, so only a kill
    # that reaches every process of the cgroup stops it
    mk_bundle b --ns network,ipc,uts,mount,cgroup \
        --resources '{"memory": {"limit": 67108864}, "pids": {"limit": 20},
                      "cpu": {"quota": 50000, "period": 100000}}' \
        -- sh -c 'sleep 1000 & exec sleep 1001'
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    C --bundle b "$id"
    pid=$(init_pid "$id")
    cg=$(cgroup_of "$pid")
    H start "$id"
    wait_for 20 nprocs_is "$cg" 2
    procs=$(sort -n "$CG$cg/cgroup.procs" | tr '\n' ' ')
    child=$(grep -vx "$pid" "$CG$cg/cgroup.procs")
    assert_match "$child" '^[0-9]+$'

    # ps lists the init and the forked child
    out=$(H ps --format json "$id")
    assert_match "$out" '^\[[0-9]+(,[0-9]+)*\]$' "json array of pids"
    assert_eq "$(tr -d '[]' <<<"$out" | tr ',' '\n' | sort -n | tr '\n' ' ')" "$procs"
    out=$(H ps "$id")
    assert_contains "$out" "sleep 1000"
    assert_contains "$out" "sleep 1001"

    # pause / resume
    H pause "$id"
    assert_contains "$(H state "$id")" '"status": "paused"'
    assert_eq "$(cg_read "$cg" cgroup.freeze)" 1
    assert_contains "$(cg_read "$cg" cgroup.events)" "frozen 1"
    H resume "$id"
    assert_contains "$(H state "$id")" '"status": "running"'
    assert_eq "$(cg_read "$cg" cgroup.freeze)" 0
    assert_contains "$(cg_read "$cg" cgroup.events)" "frozen 0"
    run H resume "$id"
    assert_contains "$output" "container not paused"

    # update with flags
    H update --memory 128m --memory-swap 256m --pids-limit 50 \
        --cpu-quota 20000 --cpu-period 50000 "$id"
    assert_eq "$(cg_read "$cg" memory.max)" 134217728
    ! have_swap || assert_eq "$(cg_read "$cg" memory.swap.max)" 134217728
    assert_eq "$(cg_read "$cg" pids.max)" 50
    assert_eq "$(cg_read "$cg" cpu.max)" "20000 50000"
    H update --cpu-period 100000 "$id"
    assert_eq "$(cg_read "$cg" cpu.max)" "20000 100000" "quota kept"
    # from stdin and from a file
    H update --resources - "$id" <<<'{"memory": {"limit": 100663296}, "pids": {"limit": -1}}'
    assert_eq "$(cg_read "$cg" memory.max)" 100663296
    assert_eq "$(cg_read "$cg" pids.max)" max
    echo '{"cpu": {"shares": 512}}' >r.json
    H update --resources=r.json "$id"
    assert_eq "$(cg_read "$cg" cpu.weight)" 59
    if have_swap; then
        # memory+swap alone: relative to the current memory.max (96 MiB)
        H update --memory-swap 200m "$id"
        assert_eq "$(cg_read "$cg" memory.swap.max)" 109051904
    fi

    # errors name the flag or the JSON path; nothing is written
    run H update --memory 12x "$id"
    assert_eq "$status" 1
    assert_contains "$output" '--memory: invalid value "12x"'
    run H update --memory 100m --cpu-period 10 "$id"
    assert_contains "$output" "--cpu-period: must be between 1000 and 1000000"
    run H update --memory-swap 50m "$id"
    assert_contains "$output" "--memory-swap: must be greater than or equal to memory.limit"
    run H update --resources - "$id" <<<'{"memory": {"limit": "x"}}'
    assert_contains "$output" "resources.memory.limit: "
    run H update --resources - "$id" <<<'{"memory": {"kernel": 1048576}}'
    assert_contains "$output" "resources.memory.kernel: not supported on cgroup v2"
    run H update --resources - "$id" <<<'{"memory": {"limit": 4096, "checkBeforeUpdate": true}}'
    assert_contains "$output" "resources.memory.limit: unable to set memory limit to 4096 (current usage: "
    run H update --resources - --pids-limit 5 "$id" <<<'{}'
    assert_contains "$output" "--pids-limit cannot be combined with --resources"
    assert_eq "$(cg_read "$cg" memory.max)" 100663296 "failed updates wrote nothing"
    assert_eq "$(cg_read "$cg" pids.max)" max

    # kill without --all reaches the init only; --all reaches the child
    H kill "$id" KILL
    wait_for 20 status_is "$id" stopped
    kill -0 "$child" || t_fail "the child died with the init (it should not without a pid namespace)"
    H kill --all "$id" KILL
    wait_for 20 gone "$child"
    run H update --memory 1g "$id"
    assert_contains "$output" "container not running"
    H delete "$id"
    assert_not_exists "$CG$cg" "cgroup removed"
    assert_not_exists "$ROOT/$id"
}
t_run "ps, pause/resume, update and kill --all on a live container" test_lifecycle

test_nested_cleanup() {
    require_hrun
    local id pid cg
    id=$(unique_id nest)
    mk_bundle b -- sh /nest.sh
    # a writable cgroup2 mount in the container's cgroup namespace
    sed -i 's/"relatime", "ro"\]/"relatime"]/' b/config.json
    cat >b/rootfs/nest.sh <<'EOF'
exec 2>/dev/shm/err
mkdir -p /sys/fs/cgroup/inner/deeper || exit 1
sh -c 'echo $$ >/sys/fs/cgroup/inner/deeper/cgroup.procs && exec sleep 1000' &
exec sleep 1001
EOF
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    C --bundle b "$id"
    pid=$(init_pid "$id")
    cg=$(cgroup_of "$pid")
    H start "$id"
    wait_for 20 grep -q . "$CG$cg/inner/deeper/cgroup.procs" || {
        cat "/proc/$pid/root/dev/shm/err" "$CG$cg/cgroup.procs"
        grep cgroup "/proc/$pid/mountinfo"
        return 1
    }
    local inner
    inner=$(cat "$CG$cg/inner/deeper/cgroup.procs")
    # and an empty one made from outside
    mkdir -p "$CG$cg/outside/x"
    H delete -f "$id"
    assert_not_exists "$CG$cg" "no cgroup directory remains"
    gone "$inner" || t_fail "the process in the nested cgroup survived"
}
t_run "delete removes nested child cgroups and kills their processes" test_nested_cleanup

test_cgroups_path() {
    require_hrun
    local id pid out
    # absolute: relative to the cgroup2 mount (containerd's /default/ID)
    id=$(unique_id abs)
    mk_bundle a --cgroups-path "/default/$id" -- sleep 100
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1; rmdir $CG/default 2>/dev/null"
    C --bundle a "$id"
    assert_eq "$(cgroup_of "$(init_pid "$id")")" "/default/$id"
    H delete "$id"
    assert_not_exists "$CG/default/$id"

    # relative: under the caller's own cgroup
    local caller=$CG/caller-$$ rid
    rid=$(unique_id rel)
    mkdir "$caller"
    mk_bundle r --cgroups-path "sub/$rid" -- sleep 100
    t_defer "hrun --root $ROOT delete -f $rid >/dev/null 2>&1; rmdir $caller/sub $caller 2>/dev/null"
    (
        echo $BASHPID >"$caller/cgroup.procs"
        C --bundle r "$rid"
    )
    assert_eq "$(cgroup_of "$(init_pid "$rid")")" "/caller-$$/sub/$rid"
    H delete "$rid"
    assert_not_exists "$caller/sub/$rid"

    # systemd form without systemd: a clear error, nothing left behind
    local sid
    sid=$(unique_id sd)
    mk_bundle s --cgroups-path "system.slice:hrun:$sid" -- sleep 100
    run H --systemd-cgroup create --bundle s "$sid"
    assert_ne "$status" 0
    assert_contains "$output" "systemd cgroup driver requested (--systemd-cgroup) but systemd is not reachable"
    assert_eq "$(wc -l <<<"$output")" 1 "one line"
    assert_not_exists "$ROOT/$sid"
    assert_not_exists "$CG/system.slice"

    # ".." cannot leave the hierarchy
    mk_bundle d --cgroups-path "/x/../../etc" -- sleep 100
    run H create --bundle d "$(unique_id dots)"
    assert_ne "$status" 0
    assert_contains "$output" 'must not contain ".."'
}
t_run "cgroupsPath: absolute, relative to the caller, systemd form fails clearly" test_cgroups_path

test_rejected_write() {
    require_hrun
    local id
    id=$(unique_id rej)
    # valid syntax, but the VM has no cpu 7: the kernel refuses the write
    mk_bundle b --resources '{"cpu": {"cpus": "7"}}' -- sleep 100
    run H create --bundle b "$id"
    assert_ne "$status" 0
    assert_contains "$output" 'write "7" to cpuset.cpus'
    assert_not_exists "$CG/hrun/$id" "the half-made cgroup is removed"
    assert_not_exists "$ROOT/$id"
}
t_run "a write the kernel rejects names file and value and removes the cgroup" test_rejected_write
