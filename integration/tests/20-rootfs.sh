#!/bin/bash
# rootfs: mount options, readonly root, masked/readonly paths, devices, and
# hostile rootfs contents (symlinked destinations, /proc as a symlink, a fake
# /dev/null) that must stay inside the rootfs or be refused.
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state

# mount options (field 6) of the mount at DEST in mountinfo text on stdin
mnt_opts() { awk -v d="$1" '$5 == d { print $6 }' | tail -n1; }

test_readonly_root_and_options() {
    require_hrun
    mkdir -p host/ro
    echo data >host/ro/f
    mk_bundle ro --mounts-extra '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec", "size=4m"]},
    {"destination": "/mnt/ro", "type": "bind", "source": "'"$PWD"'/host/ro", "options": ["rbind", "ro", "nosuid", "nodev", "noexec"]},
    {"destination": "/mnt/atime", "type": "tmpfs", "source": "tmpfs", "options": ["noatime", "ro"]}' \
        -- sh -c 'touch /x 2>&1; cat /proc/self/mountinfo'
    out=$(H run --bundle ro "$(unique_id)")
    assert_contains "$out" "Read-only file system" "write to / fails"
    assert_match "$(mnt_opts / <<<"$out")" '^ro(,|$)' "root is ro"
    assert_match "$(mnt_opts /scratch <<<"$out")" '^rw,nosuid,nodev,noexec'
    assert_match "$(mnt_opts /mnt/ro <<<"$out")" '^ro,nosuid,nodev,noexec'
    assert_match "$(mnt_opts /mnt/atime <<<"$out")" '^ro,noatime'
    assert_match "$(mnt_opts /sys <<<"$out")" '^ro,nosuid,nodev,noexec'
    assert_match "$(mnt_opts /dev/shm <<<"$out")" '^rw,nosuid,nodev,noexec'
    assert_match "$(mnt_opts /dev/mqueue <<<"$out")" '^rw,nosuid,nodev,noexec'
    assert_match "$(mnt_opts /dev/pts <<<"$out")" '^rw,nosuid,noexec'
    assert_match "$(mnt_opts /sys/fs/cgroup <<<"$out")" '^ro,nosuid,nodev,noexec'
    assert_contains "$out" " - cgroup2 " "type cgroup mounts cgroup2"
}
t_run "readonly root; mount options visible in mountinfo" test_readonly_root_and_options

test_masked_and_readonly_paths() {
    require_hrun
    mk_bundle masked -- sh -c '
        for f in /proc/kcore /proc/keys /proc/timer_list; do
            echo "$f $(wc -c <$f)"; done
        echo "fw $(ls -A /sys/firmware | wc -l)"
        echo x >/sys/firmware/x 2>/dev/null && echo fw-rw || echo fw-ro
        echo h >/proc/sys/kernel/hostname 2>/dev/null && echo sys-rw || echo sys-ro
        echo h >/proc/sysrq-trigger 2>/dev/null && echo sysrq-rw || echo sysrq-ro
        grep " /proc/sys " /proc/self/mountinfo'
    out=$(H run --bundle masked "$(unique_id)")
    assert_contains "$out" "/proc/kcore 0"
    assert_contains "$out" "/proc/keys 0"
    assert_contains "$out" "/proc/timer_list 0"
    assert_contains "$out" "fw 0"
    assert_contains "$out" fw-ro
    assert_contains "$out" sys-ro
    assert_contains "$out" sysrq-ro
    assert_match "$(mnt_opts /proc/sys <<<"$out")" '^ro,nosuid,nodev,noexec'
}
t_run "masked paths read empty, readonly paths are ro" test_masked_and_readonly_paths

test_devices_and_links() {
    require_hrun
    mk_bundle devs --linux-extra '"devices": [{"path": "/dev/sub/mydev", "type": "c", "major": 1, "minor": 5, "fileMode": 384, "uid": 1000, "gid": 1001}, {"path": "/dev/myfifo", "type": "p"}]' \
        -- sh -c 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done
                  stat -c "%n %t:%T %a %u:%g" /dev/sub/mydev
                  stat -c "%n %F" /dev/myfifo
                  for l in fd stdin stdout stderr ptmx core; do echo "$l -> $(readlink /dev/$l)"; done
                  ls /dev/pts/ptmx /dev/shm /dev/mqueue >/dev/null && echo from-mounts'
    out=$(H run --bundle devs "$(unique_id)")
    assert_contains "$out" "/dev/null character special file 1:3 666"
    assert_contains "$out" "/dev/zero character special file 1:5 666"
    assert_contains "$out" "/dev/full character special file 1:7 666"
    assert_contains "$out" "/dev/random character special file 1:8 666"
    assert_contains "$out" "/dev/urandom character special file 1:9 666"
    assert_contains "$out" "/dev/tty character special file 5:0 666"
    assert_contains "$out" "/dev/sub/mydev 1:5 600 1000:1001"
    assert_contains "$out" "/dev/myfifo fifo"
    assert_contains "$out" "fd -> /proc/self/fd"
    assert_contains "$out" "stdin -> /proc/self/fd/0"
    assert_contains "$out" "stdout -> /proc/self/fd/1"
    assert_contains "$out" "stderr -> /proc/self/fd/2"
    assert_contains "$out" "ptmx -> pts/ptmx"
    assert_contains "$out" "core -> /proc/kcore"
    assert_contains "$out" from-mounts
}
t_run "default devices, config devices, /dev symlinks" test_devices_and_links

test_symlinked_destinations_stay_inside() {
    require_hrun
    local before after
    mk_bundle links --rw --mounts-extra '{"destination": "/evil/hrun-escape-1", "type": "tmpfs", "source": "tmpfs"},
    {"destination": "/up/hrun-escape-2/sub", "type": "tmpfs", "source": "tmpfs"},
    {"destination": "/abs/hrun-escape-3", "type": "bind", "source": "'"$PWD"'/hostsrc", "options": ["bind", "ro"]},
    {"destination": "/etc/hrun-file", "type": "bind", "source": "'"$PWD"'/hostfile", "options": ["bind"]}' \
        -- sh -c 'grep -E "hrun-escape|hrun-file" /proc/self/mountinfo | awk "{print \$5}"; cat /etc/hrun-file'
    mkdir hostsrc
    echo single >hostfile
    ln -s / links/rootfs/evil
    ln -s ../../../../../.. links/rootfs/up
    ln -s "$PWD/outside" links/rootfs/abs # an absolute host path: in-root
    before=$(wc -l </proc/self/mountinfo)
    out=$(H run --bundle links "$(unique_id)")
    after=$(wc -l </proc/self/mountinfo)
    assert_contains "$out" "/hrun-escape-1"
    assert_contains "$out" "/hrun-escape-2/sub"
    assert_contains "$out" "$PWD/outside/hrun-escape-3"
    assert_contains "$out" "/etc/hrun-file"
    assert_contains "$out" single
    # created inside the rootfs, nothing on the host
    assert_exists links/rootfs/hrun-escape-1
    assert_exists links/rootfs/hrun-escape-2/sub
    assert_exists "links/rootfs$PWD/outside/hrun-escape-3"
    assert_not_exists /hrun-escape-1
    assert_not_exists /hrun-escape-2
    assert_not_exists "$PWD/outside"
    assert_eq "$after" "$before" "host mount table unchanged"
}
t_run "destinations through symlinks to / and .. land inside the rootfs" test_symlinked_destinations_stay_inside

test_proc_symlink_refused() {
    require_hrun
    mk_bundle proclink -- true
    rmdir proclink/rootfs/proc
    ln -s /tmp proclink/rootfs/proc
    run H run --bundle proclink "$(unique_id)"
    assert_ne "$status" 0 "run fails"
    assert_contains "$output" 'filesystem "proc" must be mounted on an ordinary directory: "/proc"'
    assert_eq "$(ls -A proclink/rootfs/tmp)" "" "nothing mounted through the link"

    mk_bundle syslink -- true
    rmdir syslink/rootfs/sys
    ln -s ../../../../sys syslink/rootfs/sys
    run H run --bundle syslink "$(unique_id)"
    assert_ne "$status" 0 "run fails"
    assert_contains "$output" 'filesystem "sysfs" must be mounted on an ordinary directory: "/sys"'
}
t_run "rootfs with /proc or /sys as a symlink is refused" test_proc_symlink_refused

test_proc_inside_dest_refused() {
    require_hrun
    mk_bundle procdest --mounts-extra '{"destination": "/proc/sys/kernel", "type": "tmpfs", "source": "tmpfs"}' -- true
    run H run --bundle procdest "$(unique_id)"
    assert_ne "$status" 0
    assert_contains "$output" '"/proc/sys/kernel" cannot be mounted because it is inside /proc'
    # through a symlink into the container's procfs
    mk_bundle procdest2 --mounts-extra '{"destination": "/lnk/fs", "type": "tmpfs", "source": "tmpfs"}' -- true
    ln -s /proc/sys procdest2/rootfs/lnk
    run H run --bundle procdest2 "$(unique_id)"
    assert_ne "$status" 0
    assert_contains "$output" 'resolves into procfs'
}
t_run "mounts over procfs files are refused" test_proc_inside_dest_refused

test_fake_dev_null() {
    require_hrun
    local pattern
    pattern=$(cat /proc/sys/kernel/core_pattern)
    # No /dev tmpfs: the image's /dev is used, with /dev/null pointing at a
    # procfs file; it must be replaced by the real node.
    mk_bundle fakenull --rw -- sh -c 'stat -c "%F %t:%T" /dev/null; echo x >/dev/null; echo done'
    sed -i '/"destination": "\/dev",/,+1d; /"destination": "\/dev\/pts"/,+1d; /"destination": "\/dev\/shm"/,+1d; /"destination": "\/dev\/mqueue"/,+1d' fakenull/config.json
    ln -s /proc/sys/kernel/core_pattern fakenull/rootfs/dev/null
    out=$(H run --bundle fakenull "$(unique_id)")
    assert_contains "$out" "character special file 1:3"
    assert_contains "$out" done
    assert_eq "$(cat /proc/sys/kernel/core_pattern)" "$pattern" "core_pattern untouched"
    assert_eq "$(stat -c %F fakenull/rootfs/dev/null)" "character special file"

    # /dev bound from the host with a fake null: masking must refuse it
    mkdir -p fakedev
    ln -s /proc/sys/kernel/core_pattern fakedev/null
    mk_bundle fakenull2 -- true
    sed -i 's|{"destination": "/dev", "type": "tmpfs", "source": "tmpfs",|{"destination": "/dev", "type": "bind", "source": "'"$PWD"'/fakedev", "options": ["bind"]}, {"destination": "/unused", "type": "tmpfs", "source": "tmpfs",|' fakenull2/config.json
    run H run --bundle fakenull2 "$(unique_id)"
    assert_ne "$status" 0
    assert_contains "$output" "/dev/null is not the null device"
    assert_eq "$(cat /proc/sys/kernel/core_pattern)" "$pattern" "core_pattern untouched"
}
t_run "/dev/null symlinked to a procfs file is replaced or refused" test_fake_dev_null

test_no_pivot() {
    require_hrun
    mk_bundle nopivot -- sh -c 'ls /; wc -c </proc/kcore; touch /x 2>/dev/null || echo ro-root; stat -c "%t:%T" /dev/null'
    out=$(H run --no-pivot --bundle nopivot "$(unique_id)")
    assert_contains "$out" bin
    assert_contains "$out" ro-root
    assert_contains "$out" "1:3"
    assert_eq "$(sed -n '/^0$/p' <<<"$out")" 0 "/proc/kcore masked"
}
t_run "--no-pivot: MS_MOVE+chroot with the same setup" test_no_pivot

test_userns_devices_and_locked_flags() {
    require_hrun
    mkdir -p locked
    mount -t tmpfs -o nosuid,nodev,noexec,size=1m tmpfs locked
    t_defer "umount $PWD/locked"
    echo hi >locked/f
    mk_bundle userns --ns pid,ipc,uts,mount,user,network,cgroup \
        --linux-extra '"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}], "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]' \
        --mounts-extra '{"destination": "/mnt/l", "type": "bind", "source": "'"$PWD"'/locked", "options": ["bind", "ro"]}' \
        -- sh -c 'for d in null zero tty; do stat -c "%n %t:%T" /dev/$d; done; cat /mnt/l/f; grep " /mnt/l " /proc/self/mountinfo'
    chown -R 100000:100000 userns/rootfs
    out=$(H run --bundle userns "$(unique_id)")
    assert_contains "$out" "/dev/null 1:3"
    assert_contains "$out" "/dev/zero 1:5"
    assert_contains "$out" "/dev/tty 5:0"
    assert_contains "$out" hi
    assert_match "$(mnt_opts /mnt/l <<<"$out")" '^ro,nosuid,nodev,noexec'

    # asking to lift a locked flag fails, naming the mount
    mk_bundle userns2 --ns pid,ipc,uts,mount,user,network,cgroup \
        --linux-extra '"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}], "gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]' \
        --mounts-extra '{"destination": "/mnt/l", "type": "bind", "source": "'"$PWD"'/locked", "options": ["bind", "ro", "suid"]}' -- true
    chown -R 100000:100000 userns2/rootfs
    run H run --bundle userns2 "$(unique_id)"
    assert_ne "$status" 0
    assert_contains "$output" 'mounts[7]: remount "/mnt/l" with its options: Operation not permitted'
}
t_run "user namespace: devices bound from the host, locked flags kept" test_userns_devices_and_locked_flags

test_rootfs_propagation() {
    require_hrun
    mk_bundle propshared --linux-extra '"rootfsPropagation": "shared"' -- sh -c 'awk "\$5 == \"/\"" /proc/self/mountinfo'
    out=$(H run --bundle propshared "$(unique_id)")
    assert_contains "$out" "shared:"
    mk_bundle propprivate --linux-extra '"rootfsPropagation": "private"' -- sh -c 'awk "\$5 == \"/\"" /proc/self/mountinfo'
    out=$(H run --bundle propprivate "$(unique_id)")
    assert_not_contains "$out" "shared:"
    assert_not_contains "$out" "master:"
}
t_run "rootfsPropagation applies to the container's /" test_rootfs_propagation
