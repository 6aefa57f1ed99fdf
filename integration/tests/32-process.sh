#!/bin/bash
# Process attributes: user, groups, caps, no_new_privs, rlimits, umask,
# oom_score_adj, cwd, env, sysctl, seccomp, hooks, fds.
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state

test_identity_and_caps_from_outside() {
    require_hrun
    local id pid
    id=$(unique_id proc)
    mk_bundle b --user 1000:1000 --process-extra '"oomScoreAdj": 123' -- sleep 100
    sed -i 's/"rlimits": \[[^]]*\]/"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256}, {"type": "RLIMIT_NPROC", "hard": 77, "soft": 77}, {"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 18446744073709551615}]/' b/config.json
    sed -i 's/"user": {"uid": 1000, "gid": 1000}/"user": {"uid": 1000, "gid": 1000, "additionalGids": [5, 7], "umask": 63}/' b/config.json
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    pid=$(start_bg b "$id")
    wait_for 10 grep -q sleep /proc/$pid/cmdline
    assert_eq "$(status_field $pid Uid)" "$(printf '1000\t1000\t1000\t1000')"
    assert_eq "$(status_field $pid Gid)" "$(printf '1000\t1000\t1000\t1000')"
    assert_eq "$(status_field $pid Groups | xargs)" "5 7"
    # CAP_AUDIT_WRITE(29) CAP_KILL(5) CAP_NET_BIND_SERVICE(10)
    assert_eq "$(status_field $pid CapBnd)" 0000000020000420
    assert_eq "$(status_field $pid CapInh)" 0000000000000000 "no inheritable caps"
    assert_eq "$(status_field $pid CapAmb)" 0000000000000000
    assert_eq "$(status_field $pid NoNewPrivs)" 1
    assert_eq "$(status_field $pid Umask)" 0077
    assert_eq "$(cat /proc/$pid/oom_score_adj)" 123
    assert_match "$(grep 'Max open files' /proc/$pid/limits)" 'Max open files +256 +512 '
    assert_match "$(grep 'Max processes' /proc/$pid/limits)" 'Max processes +77 +77 '
    # 2^64-1 (RLIM_INFINITY, as podman --ulimit host writes it) is above
    # jansson's signed integers; the kernel's default soft core limit is 0
    assert_match "$(grep 'Max core file size' /proc/$pid/limits)" 'Max core file size +unlimited +unlimited '
    assert_match "$(status_field $pid Seccomp)" '^2$' "default seccomp filter installed"
}
t_run "user, groups, caps, nnp, umask, oom, rlimits (from /proc)" test_identity_and_caps_from_outside

test_root_caps_match_config() {
    require_hrun
    local id pid
    id=$(unique_id caps)
    mk_bundle b -- sleep 100
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    pid=$(start_bg b "$id")
    wait_for 10 grep -q sleep /proc/$pid/cmdline
    assert_eq "$(status_field $pid CapEff)" 0000000020000420
    assert_eq "$(status_field $pid CapPrm)" 0000000020000420
    assert_eq "$(status_field $pid CapBnd)" 0000000020000420
    assert_eq "$(status_field $pid CapInh)" 0000000000000000
}
t_run "root's caps are exactly the configured ones" test_root_caps_match_config

test_cwd_env() {
    require_hrun
    mk_bundle b --cwd /tmp --env FOO=bar -- sh -c 'pwd; echo $FOO'
    out=$(H run --bundle b "$(unique_id)")
    assert_eq "$out" "$(printf '/tmp\nbar')"
}
t_run "cwd and env" test_cwd_env

test_sysctl() {
    require_hrun
    mk_bundle b --linux-extra '"sysctl": {"net.ipv4.ip_forward": "1"}' -- cat /proc/sys/net/ipv4/ip_forward
    assert_eq "$(H run --bundle b "$(unique_id)")" 1
    assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" 0 "host value untouched"
}
t_run "namespaced sysctl applies inside only" test_sysctl

test_config_seccomp() {
    require_hrun
    mk_bundle b --linux-extra '"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}' \
        -- sh -c 'mkdir /tmp/x 2>&1; echo rc=$?'
    out=$(H run --bundle b "$(unique_id)")
    assert_contains "$out" "Permission denied"
    assert_contains "$out" "rc=1"
}
t_run "seccomp from the config with errnoRet" test_config_seccomp

test_hooks() {
    require_hrun
    local id
    id=$(unique_id hooks)
    cat >"$T_TMP/hook.sh" <<HOOK
#!/bin/sh
cat >"$T_TMP/hook-\$1.json"
HOOK
    chmod +x "$T_TMP/hook.sh"
    local h="\"path\": \"$T_TMP/hook.sh\""
    mk_bundle b --rw --hostname hk --extra '"domainname": "example.org"' \
        -- sh -c 'cat /tmp/start.json; echo; hostname; cat /proc/sys/kernel/domainname'
    # startContainer runs inside the container: its path is in the rootfs
    printf '#!/bin/sh\ncat >/tmp/start.json\n' >b/rootfs/hook-start.sh
    chmod +x b/rootfs/hook-start.sh
    sed -i "s|\"domainname\": \"example.org\"|\"domainname\": \"example.org\", \"hooks\": {\"prestart\": [{$h, \"args\": [\"hook\", \"prestart\"]}], \"createRuntime\": [{$h, \"args\": [\"hook\", \"createRuntime\"]}], \"createContainer\": [{$h, \"args\": [\"hook\", \"createContainer\"]}], \"startContainer\": [{\"path\": \"/hook-start.sh\"}], \"poststart\": [{$h, \"args\": [\"hook\", \"poststart\"]}], \"poststop\": [{$h, \"args\": [\"hook\", \"poststop\"], \"timeout\": 5}]}|" b/config.json
    out=$(H run --bundle b "$id")
    for k in prestart createRuntime createContainer poststart poststop; do
        assert_contains "$(cat "$T_TMP/hook-$k.json")" "\"id\":\"$id\"" "$k hook got the state"
    done
    assert_contains "$out" "\"id\":\"$id\"" "startContainer ran inside the container"
    assert_contains "$out" "hk"
    assert_contains "$out" "example.org" "domainname set"
    assert_contains "$(cat "$T_TMP/hook-createRuntime.json")" '"status":"creating"'
    assert_contains "$(cat "$T_TMP/hook-poststart.json")" '"status":"running"'
    assert_contains "$(cat "$T_TMP/hook-poststop.json")" '"status":"stopped"'
    assert_match "$(cat "$T_TMP/hook-poststart.json")" '"pid":[1-9][0-9]*'
}
t_run "all six hook kinds get the state on stdin; domainname" test_hooks

test_failing_hook() {
    require_hrun
    mk_bundle b --extra '"hooks": {"createRuntime": [{"path": "/bin/false"}]}' -- true
    run H run --bundle b "$(unique_id)"
    assert_ne "$status" 0
    assert_contains "$output" "createRuntime hook #0"
    assert_eq "$(ls "$ROOT")" "" "failed create leaves nothing"
}
t_run "a failing hook fails create and leaves nothing" test_failing_hook

test_fds_not_leaked() {
    require_hrun
    mk_bundle b -- sh -c 'ls /proc/self/fd | sort -n | tr "\n" " "'
    exec 7</etc/hostname
    out=$(H run --bundle b "$(unique_id)")
    assert_eq "$out" "0 1 2 3 " "only stdio (+ the ls dir fd)"
    out=$(H run --preserve-fds 5 --bundle b "$(unique_id)" 3<&0 4</etc/hostname 5</etc/hostname 6</etc/hostname 7</etc/hostname)
    assert_contains "$out" "0 1 2 3 4 5 6 7 8 " "--preserve-fds keeps 3..7"
    exec 7<&-
}
t_run "fds above 2 are closed; --preserve-fds keeps N" test_fds_not_leaked

test_cwd_outside_root_refused() {
    require_hrun
    mk_bundle b --cwd /proc/self/fd/7 -- pwd
    exec 7</
    run H run --bundle b "$(unique_id)"
    exec 7<&-
    assert_ne "$status" 0
    assert_contains "$output" "outside the container root"
}
t_run "a cwd through a leaked fd is refused" test_cwd_outside_root_refused
