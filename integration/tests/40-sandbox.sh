#!/bin/bash
# timeout: 3000
# Sandboxing by default: the hardened profile of `hrun run bundle/` and its
# effects seen from outside (read-only root, noexec tmpfs, cgroup limits,
# seccomp, caps, namespaces), dev/prod, --force, the runc form untouched,
# `hrun profile list|show`, `hrun spec --profile` and `hrun audit`.
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state
# mountinfo fields of mount point $2 in process $1: "OPTS SUPEROPTS"
mnt_of() { awk -v m="$2" '$5 == m { for (i = 7; $i != "-"; i++); print $6, $(i + 3) }' "/proc/$1/mountinfo"; }

# A config that sets only what a program needs: everything else comes from
# the profile (with a mount namespace so the runc form stays contained).
mk_minimal() {
    local dir=$1
    shift
    mkdir -p "$dir"
    [ -d "$dir/rootfs" ] || mk_rootfs "$dir/rootfs"
    cat >"$dir/config.json" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "user": {"uid": 0, "gid": 0},
    "args": $(json_arr "$@"),
    "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
    "cwd": "/"
  },
  "root": {"path": "rootfs"},
  "linux": {"namespaces": [{"type": "mount"}]}
}
EOF
}

# run_bg ID ARGS...: `hrun run -d --pid-file` with ARGS; prints the pid
run_bg() {
    local id=$1
    shift
    H run -d --pid-file "$T_TMP/$id.pid" "$@" >/dev/null
    cat "$T_TMP/$id.pid"
}

test_profile_list_show() {
    require_hrun
    local out
    out=$(hrun profile list)
    assert_match "$out" $'(^|\n)hardened +.*\\(default\\)'
    assert_match "$out" $'\ndev +'
    assert_match "$out" $'\nprod +'
    out=$(hrun profile show hardened)
    python3 -c 'import json,sys; d=json.load(sys.stdin); c=d["config"];
assert d["name"] == "hardened"
assert c["root"]["readonly"] is True
assert c["process"]["capabilities"]["bounding"] == ["CAP_NET_BIND_SERVICE"]
assert [m["destination"] for m in c["mounts"] if m["type"] == "tmpfs" and "noexec" in m["options"]][-3:] == ["/tmp", "/run", "/var/tmp"]' <<<"$out"
    # dev is resolved: hardened's mounts with dev's limits, no "base"
    out=$(hrun profile show dev)
    assert_not_contains "$out" '"base"'
    assert_contains "$out" '"/proc"'
    assert_contains "$out" '2147483648'
    out=$(hrun profile show --raw dev)
    assert_contains "$out" '"base": "hardened"'
    run hrun profile show paranoid
    assert_eq "$status" 1
    assert_contains "$output" 'unknown profile "paranoid"'
}
t_run "profile list and show" test_profile_list_show

test_direct_run_is_hardened() {
    require_hrun
    local id pid cg
    id=$(unique_id hard)
    mk_minimal box sleep 100000
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    pid=$(run_bg "$id" --id "$id" box/)
    wait_for 10 grep -q sleep "/proc/$pid/cmdline"
    # read-only root; /tmp, /run, /var/tmp tmpfs nosuid,nodev,noexec, sized
    assert_match "$(mnt_of "$pid" /)" '^ro[, ]'
    for d in /tmp /run /var/tmp; do
        assert_match "$(mnt_of "$pid" $d)" '^rw,nosuid,nodev,noexec.* rw,size=[0-9]+k' "$d"
    done
    assert_match "$(mnt_of "$pid" /sys/fs/cgroup)" '^ro,' "cgroup mount read-only"
    # caps, no_new_privs, seccomp filter mode
    assert_eq "$(status_field "$pid" CapBnd)" 0000000000000400
    assert_eq "$(status_field "$pid" CapEff)" 0000000000000400
    assert_eq "$(status_field "$pid" CapInh)" 0000000000000000
    assert_eq "$(status_field "$pid" NoNewPrivs)" 1
    assert_eq "$(status_field "$pid" Seccomp)" 2
    # limits in the container's cgroup files
    cg=$(cgroup_of "$pid")
    assert_eq "$(cg_read "$cg" memory.max)" 268435456
    assert_eq "$(cg_read "$cg" pids.max)" 128
    assert_eq "$(cg_read "$cg" cpu.max)" "100000 100000"
    # private namespaces
    for ns in net pid ipc uts mnt; do
        assert_ne "$(readlink /proc/$pid/ns/$ns)" "$(readlink /proc/self/ns/$ns)" "$ns namespace"
    done
    # masked paths
    assert_ne "$(mnt_of "$pid" /proc/kcore)" "" "/proc/kcore masked"
    # and inside: writing / fails, a binary in /tmp does not run
    run H exec "$id" sh -c 'touch /x || echo ro-root; cp /bin/busybox /tmp/bb && /tmp/bb true || echo noexec-tmp'
    assert_contains "$output" "ro-root"
    assert_contains "$output" "noexec-tmp"
}
t_run "hrun run bundle/: hardened (ro root, noexec tmpfs, caps, seccomp 2, limits, namespaces)" test_direct_run_is_hardened

test_runc_form_is_untouched() {
    require_hrun
    local id pid cg
    id=$(unique_id runc)
    mk_minimal box sleep 100000
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    H create --bundle box --pid-file "$T_TMP/$id.pid" "$id"
    H start "$id"
    pid=$(cat "$T_TMP/$id.pid")
    wait_for 10 grep -q sleep "/proc/$pid/cmdline"
    # no overlay: no /tmp mount, no limits, the host's net namespace, the
    # caps root keeps without process.capabilities
    assert_eq "$(mnt_of "$pid" /tmp)" ""
    assert_match "$(mnt_of "$pid" /)" '^rw'
    cg=$(cgroup_of "$pid")
    assert_eq "$(cg_read "$cg" pids.max)" max
    assert_eq "$(readlink /proc/$pid/ns/net)" "$(readlink /proc/self/ns/net)"
    assert_ne "$(status_field "$pid" CapBnd)" 0000000000000400
    # --profile none in the direct form is the same
    mk_minimal box2 cat /proc/self/status
    run H run --profile none box2/
    assert_ne "$status" 0 "no overlay: no /proc"
    assert_contains "$output" "/proc/self/status"
}
t_run "the runc form (hrun run ID) and --profile none apply no overlay" test_runc_form_is_untouched

test_dev_and_prod() {
    require_hrun
    local id pid cg
    id=$(unique_id dev)
    mk_minimal box sleep 100000
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    pid=$(run_bg "$id" --profile dev --id "$id" box/)
    wait_for 10 grep -q sleep "/proc/$pid/cmdline"
    cg=$(cgroup_of "$pid")
    assert_eq "$(cg_read "$cg" memory.max)" 2147483648
    assert_eq "$(cg_read "$cg" pids.max)" 4096
    assert_eq "$(cg_read "$cg" cpu.max)" "400000 100000"
    assert_match "$(mnt_of "$pid" /tmp)" 'size=1048576k'
    H delete -f "$id"

    # prod: strict limits and the image's nobody (the config has no user)
    id=$(unique_id prod)
    sed -i 's/"user": {"uid": 0, "gid": 0},//' box/config.json
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    pid=$(run_bg "$id" --profile prod --id "$id" box/)
    wait_for 10 grep -q sleep "/proc/$pid/cmdline"
    assert_eq "$(status_field "$pid" Uid | awk '{print $1, $2}')" "65534 65534"
    assert_eq "$(status_field "$pid" Gid | awk '{print $1}')" 65534
    cg=$(cgroup_of "$pid")
    assert_eq "$(cg_read "$cg" memory.max)" 268435456
    assert_eq "$(cg_read "$cg" memory.swap.max)" 0
    assert_eq "$(cg_read "$cg" pids.max)" 64
    assert_eq "$(cg_read "$cg" cpu.max)" "50000 100000"
    assert_match "$(grep 'Max core file size' /proc/$pid/limits)" 'size +0 +0 '
}
t_run "--profile dev (looser limits) and prod (strict limits, nobody)" test_dev_and_prod

test_fill_in_versus_force() {
    require_hrun
    local id pid
    # a runc-spec style config: caps AUDIT_WRITE KILL NET_BIND_SERVICE, the
    # seccomp opt-out annotation, /dev without noexec
    mk_bundle r --extra '"annotations": {"run.hrun.seccomp": "unconfined"}' -- sleep 100000
    id=$(unique_id fill)
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    pid=$(run_bg "$id" --profile hardened --id "$id" r/)
    wait_for 10 grep -q sleep "/proc/$pid/cmdline"
    assert_eq "$(status_field "$pid" CapBnd)" 0000000020000420 "the config's caps kept"
    assert_eq "$(status_field "$pid" Seccomp)" 0 "the config's opt-out kept"
    assert_eq "$(cg_read "$(cgroup_of "$pid")" pids.max)" 128 "a missing limit filled in"
    assert_match "$(mnt_of "$pid" /tmp)" '^rw,nosuid,nodev,noexec' "a missing /tmp added"
    assert_not_contains "$(mnt_of "$pid" /dev)" noexec "the config's /dev kept"
    H delete -f "$id"

    id=$(unique_id force)
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    pid=$(run_bg "$id" --profile hardened --force --id "$id" r/)
    wait_for 10 grep -q sleep "/proc/$pid/cmdline"
    assert_eq "$(status_field "$pid" CapBnd)" 0000000000000400 "caps replaced"
    assert_eq "$(status_field "$pid" Seccomp)" 2 "opt-out removed"
    assert_match "$(mnt_of "$pid" /dev)" '^rw,nosuid,noexec' "/dev options replaced"
    # exec gets the container's profile too, not the file as written
    out=$(H exec "$id" sh -c 'grep -E "^(CapBnd|Seccomp):" /proc/self/status')
    assert_contains "$out" "CapBnd:	0000000000000400"
    assert_contains "$out" "Seccomp:	2"
    # the bundle's config.json itself is never changed
    assert_contains "$(cat r/config.json)" '"run.hrun.seccomp": "unconfined"'
    mk_bundle r2 -- true
    run H run --force r2/
    assert_eq "$status" 0 "--force alone means the default profile"
    run H run --force --bundle r "$(unique_id)"
    assert_ne "$status" 0
    assert_contains "$output" "--force needs --profile"
}
t_run "profile fills in what the config leaves unset; --force overrides" test_fill_in_versus_force

test_spec_profiles() {
    require_hrun
    mkdir -p s1 s2 s3
    mk_rootfs s2/rootfs
    (cd s1 && hrun spec)
    assert_contains "$(cat s1/config.json)" '"CAP_NET_BIND_SERVICE"'
    hrun spec --bundle s2 --profile prod
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
assert d["process"]["user"] == {"uid": 65534, "gid": 65534}, d["process"]["user"]
assert d["linux"]["resources"]["pids"]["limit"] == 64' s2/config.json
    hrun spec --bundle s3 --profile dev
    assert_contains "$(cat s3/config.json)" 4096
    run hrun spec --bundle s3 --profile none
    assert_ne "$status" 0
}
t_run "spec --profile hardened|dev|prod" test_spec_profiles

test_audit() {
    require_hrun
    mkdir -p a
    mk_rootfs a/rootfs
    (cd a && hrun spec)
    # hardened but root: 14 of 15
    run hrun audit a
    assert_eq "$status" 0
    assert_contains "$output" "FAIL  non-root"
    assert_contains "$output" "fix: set process.user.uid"
    assert_contains "$output" "PASS  seccomp"
    assert_contains "$output" "score: 93% (14 of 15 passed)"
    run hrun audit --min-score 100 a
    assert_eq "$status" 2 "below --min-score"
    assert_contains "$output" "below the minimum score 100%"
    run hrun audit --min-score 90 a
    assert_eq "$status" 0
    # what `run --profile prod --force` would get scores 100
    run hrun audit --profile prod --force --min-score 100 a
    assert_eq "$status" 0
    assert_contains "$output" "score: 100%"
    # JSON
    out=$(hrun audit --format json a)
    python3 -c 'import json,sys; d=json.load(sys.stdin)
assert d["score"] == 93 and d["passed"] == 14 and d["total"] == 15
f = [i for i in d["items"] if i["result"] == "fail"]
assert [i["id"] for i in f] == ["non-root"] and f[0]["fix"]' <<<"$out"
    # runc-style config from mk_bundle: caps, limits, /dev fail
    mk_bundle r -- true
    run hrun audit r
    assert_eq "$status" 0
    assert_contains "$output" "FAIL  capabilities"
    assert_contains "$output" "FAIL  memory-limit"
    assert_contains "$output" "FAIL  pids-limit"
    # errors: exit 1
    run hrun audit --format yaml a
    assert_eq "$status" 1
    run hrun audit nonexistent
    assert_eq "$status" 1
    assert_contains "$output" "config.json"
}
t_run "audit: items, score, --min-score exit code, json, --profile" test_audit
