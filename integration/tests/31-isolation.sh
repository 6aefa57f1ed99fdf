#!/bin/bash
# Isolation: namespaces, rootfs, mounts, devices, masked paths, and the
# process attributes, checked from outside (/proc/PID) or by a probe inside.
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state


test_namespaces_from_outside() {
    require_hrun
    local id pid t
    id=$(unique_id ns)
    mk_bundle b --hostname box1 -- sleep 100
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    pid=$(start_bg b "$id")
    for t in pid net ipc uts mnt cgroup; do
        assert_ne "$(readlink /proc/$pid/ns/$t)" "$(readlink /proc/self/ns/$t)" "$t namespace is private"
    done
    assert_eq "$(readlink /proc/$pid/ns/user)" "$(readlink /proc/self/ns/user)" "no user ns unless asked"
    assert_eq "$(status_field $pid NSpid | awk '{print $2}')" 1 "init is pid 1 inside"
    assert_eq "$(nsenter -t $pid -u hostname)" box1
}
t_run "namespaces are private (seen from outside)" test_namespaces_from_outside

test_inside_view() {
    require_hrun
    mk_bundle b -- sh -c 'echo pid=$$; cat /proc/self/cgroup; ip -o link | awk "{print \$2,\$3}"; hostname'
    out=$(H run --bundle b "$(unique_id)")
    assert_contains "$out" "pid=1"
    assert_contains "$out" "0::/"
    assert_contains "$out" "lo: <LOOPBACK,UP,LOWER_UP>"
    assert_not_contains "$out" "eth0"
    assert_contains "$out" "hrun-test"
}
t_run "inside: pid 1, cgroup ns root, only lo and it is up" test_inside_view

test_user_namespace() {
    require_hrun
    local id pid
    id=$(unique_id userns)
    mk_bundle b --ns pid,ipc,uts,mount,user,network \
        --linux-extra '"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}], "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]' \
        -- sleep 100
    chown -R 100000:100000 b/rootfs
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    pid=$(start_bg b "$id")
    assert_match "$(cat /proc/$pid/uid_map)" '^ +0 +100000 +65536$'
    assert_eq "$(status_field $pid Uid | awk '{print $1}')" 100000 "root inside is 100000 outside"
    assert_ne "$(readlink /proc/$pid/ns/user)" "$(readlink /proc/self/ns/user)"
}
t_run "user namespace with uid/gid mappings" test_user_namespace

test_join_namespace_by_path() {
    require_hrun
    local a pa
    a=$(unique_id joina)
    mk_bundle b -- sleep 100
    t_defer "hrun --root $ROOT delete -f $a >/dev/null 2>&1"
    pa=$(start_bg b "$a")
    mk_bundle j --ns pid,ipc,uts,mount -- readlink /proc/self/ns/net
    sed -i "s|{\"type\": \"mount\"}|{\"type\": \"mount\"}, {\"type\": \"network\", \"path\": \"/proc/$pa/ns/net\"}|" j/config.json
    out=$(H run --bundle j "$(unique_id)")
    assert_eq "$out" "$(readlink /proc/$pa/ns/net)" "joined the other container's netns"
}
t_run "join a namespace by path" test_join_namespace_by_path

test_readonly_root_and_mounts() {
    require_hrun
    mk_bundle b --mounts-extra '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec", "size=4m"]}' \
        -- sh -c 'touch /x 2>/dev/null && echo rw-root || echo ro-root
                  cp /bin/busybox /scratch/bb && (/scratch/bb true 2>/dev/null && echo exec || echo noexec)
                  grep " /scratch " /proc/self/mountinfo
                  grep " /dev/shm " /proc/self/mountinfo'
    out=$(H run --bundle b "$(unique_id)")
    assert_contains "$out" "ro-root"
    assert_contains "$out" "noexec"
    assert_match "$out" ' /scratch rw,nosuid,nodev,noexec'
    assert_match "$out" ' /dev/shm rw,nosuid,nodev,noexec'
}
t_run "readonly root; tmpfs mount with nosuid,nodev,noexec" test_readonly_root_and_mounts

test_bind_mounts() {
    require_hrun
    mkdir -p host/ro host/rw
    echo data >host/ro/f
    mk_bundle b --mounts-extra "{\"destination\": \"/mnt/ro\", \"type\": \"bind\", \"source\": \"$PWD/host/ro\", \"options\": [\"rbind\", \"ro\", \"nosuid\", \"nodev\"]},
    {\"destination\": \"/mnt/rw\", \"type\": \"none\", \"source\": \"$PWD/host/rw\", \"options\": [\"bind\", \"rw\", \"rprivate\"]}" \
        -- sh -c 'cat /mnt/ro/f; echo x >/mnt/ro/g 2>/dev/null || echo ro-ok; echo written >/mnt/rw/out'
    out=$(H run --bundle b "$(unique_id)")
    assert_contains "$out" data
    assert_contains "$out" ro-ok
    assert_file_eq host/rw/out written
    assert_not_exists host/ro/g
}
t_run "bind mounts honour ro and write through rw" test_bind_mounts

test_masked_readonly_paths() {
    require_hrun
    mk_bundle b -- sh -c 'wc -c </proc/kcore; echo 1 >/proc/sys/kernel/ns_last_pid 2>/dev/null && echo sys-rw || echo sys-ro; ls /sys/firmware | wc -l'
    out=$(H run --bundle b "$(unique_id)")
    assert_eq "$(sed -n 1p <<<"$out")" 0 "/proc/kcore masked"
    assert_contains "$out" sys-ro
    assert_eq "$(sed -n 3p <<<"$out")" 0 "/sys/firmware masked"
}
t_run "masked and readonly paths" test_masked_readonly_paths

test_devices() {
    require_hrun
    mk_bundle b --linux-extra '"devices": [{"path": "/dev/mydev", "type": "c", "major": 1, "minor": 7, "fileMode": 432}]' \
        -- sh -c 'for d in null zero full random urandom tty mydev; do stat -c "%n %t:%T %a" /dev/$d; done
                  for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink /dev/$l)"; done
                  head -c 4 /dev/mydev | wc -c'
    out=$(H run --bundle b "$(unique_id)")
    assert_contains "$out" "/dev/null 1:3"
    assert_contains "$out" "/dev/zero 1:5"
    assert_contains "$out" "/dev/urandom 1:9"
    assert_contains "$out" "/dev/tty 5:0"
    assert_contains "$out" "/dev/mydev 1:7 660"
    assert_contains "$out" "fd -> /proc/self/fd"
    assert_contains "$out" "stderr -> /proc/self/fd/2"
    assert_contains "$out" "ptmx -> pts/ptmx"
    assert_eq "$(tail -n1 <<<"$out")" 4 "config device is usable"
}
t_run "default devices, /dev symlinks and config devices" test_devices

test_no_pivot() {
    require_hrun
    mk_bundle b -- sh -c 'cat /proc/self/mountinfo | wc -l; ls /'
    out=$(H run --no-pivot --bundle b "$(unique_id)")
    assert_contains "$out" "bin"
}
t_run "--no-pivot runs with MS_MOVE+chroot" test_no_pivot
