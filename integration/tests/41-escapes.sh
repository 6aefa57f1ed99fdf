#!/bin/bash
# timeout: 2400
# Escape regression tests: each is an attempt that must fail, checked from
# outside the container (the host binary, the host's mount table and files,
# /proc/PID/status) or with the static probe (build/probe) inside.
. "${HRUN_LIB:?run this via integration/vm.sh}"

ROOT=$T_TMP/state
PROBE=${HRUN_PROBE:-$(dirname "$HRUN")/probe}
require_probe() {
    [ -x "$PROBE" ] && return 0
    t_skip "probe not built ($PROBE; make builds it)"
}
# put_probe BUNDLE [NAME]: the static probe as /NAME (default probe)
put_probe() { cp "$PROBE" "$1/rootfs/${2:-probe}"; }
mounts_now() { wc -l </proc/self/mountinfo; }
# devfs DIR: a fresh tmpfs at DIR without the scratch dir's nosuid,nodev
# (device nodes and setuid bits of an image's own /dev and binaries work)
devfs() {
    mkdir -p "$1"
    mount -t tmpfs -o mode=755 tmpfs "$1"
    t_defer "umount -l $PWD/$1"
}

# ---- the runtime binary ------------------------------------------------------------

test_exe_overwrite_during_create() {
    require_hrun
    require_probe
    local id pid exe before_host before_copy out
    id=$(unique_id exe)
    mk_bundle b -- true
    put_probe b
    before_host=$(sha256sum <"$HRUN")
    before_copy=$(sha256sum <"$(hrun_bin)")
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    H create --bundle b --pid-file "$T_TMP/$id.pid" "$id"
    pid=$(cat "$T_TMP/$id.pid")
    # until start, the container's init is hrun itself: from a sealed memfd
    exe=$(readlink "/proc/$pid/exe")
    t_log "init exe: $exe"
    assert_contains "$exe" "memfd:" "the init runs from a memfd"
    assert_eq "$("$PROBE" seals "/proc/$pid/exe")" "seals=0xf" \
        "sealed against write, grow, shrink and further seals"
    out=$("$PROBE" openwrite "/proc/$pid/exe")
    t_log "host side: $out"
    assert_match "$out" '^(open=ETXTBSY|open=EPERM|write=EPERM)$' "writing the init's exe fails"
    # as the container would: a process in it opens /proc/1/exe
    out=$(H exec "$id" /probe openwrite /proc/1/exe 2>&1 || true)
    t_log "container side: $out"
    assert_match "$out" '^(read|open|write)=E[A-Z]+$' "writing /proc/1/exe from inside fails"
    assert_eq "$(sha256sum <"$HRUN")" "$before_host" "host build/hrun unchanged"
    assert_eq "$(sha256sum <"$(hrun_bin)")" "$before_copy" "the executed copy unchanged"
}
t_run "/proc/PID/exe of the created init is a sealed memfd; writing it fails" test_exe_overwrite_during_create

test_exe_overwrite_during_exec() {
    require_hrun
    require_probe
    local id pid epid exe out before
    id=$(unique_id exe2)
    mk_bundle b -- sleep 100000
    before=$(sha256sum <"$(hrun_bin)")
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    H create --bundle b --pid-file "$T_TMP/$id.pid" "$id"
    H start "$id"
    pid=$(cat "$T_TMP/$id.pid")
    wait_for 10 grep -q sleep "/proc/$pid/cmdline"
    "$(hrun_bin)" --root "$ROOT" exec "$id" sleep 100000 &
    epid=$!
    t_defer "kill $epid 2>/dev/null; wait $epid 2>/dev/null"
    # hrun exec re-executes itself from the memfd before it does anything,
    # and stays (waiting for sleep) until killed
    wait_for 30 sh -c "readlink /proc/$epid/exe | grep -q memfd:"
    exe=$(readlink "/proc/$epid/exe")
    t_log "hrun exec: $exe"
    assert_contains "$exe" "memfd:"
    assert_eq "$("$PROBE" seals "/proc/$epid/exe")" "seals=0xf"
    out=$("$PROBE" openwrite "/proc/$epid/exe")
    t_log "$out"
    assert_match "$out" '^(open=ETXTBSY|open=EPERM|write=EPERM)$'
    assert_eq "$(sha256sum <"$(hrun_bin)")" "$before"
}
t_run "hrun exec runs from a sealed memfd; writing its exe fails" test_exe_overwrite_during_exec

# ---- fds and cwd ---------------------------------------------------------------------

test_leaked_fd_and_cwd() {
    require_hrun
    local id pid
    mkdir -p hostdir
    echo secret >hostdir/secret
    exec 9<hostdir
    t_defer "exec 9<&-"
    # a cwd through the leaked fd: refused
    mk_bundle c1 --cwd /proc/self/fd/9 -- cat secret
    run H run --bundle c1 "$(unique_id)"
    assert_ne "$status" 0
    assert_not_contains "$output" secret
    assert_contains "$output" "outside the container root"
    # the container's process holds only 0-2, checked from outside
    id=$(unique_id fds)
    mk_bundle c2 -- sleep 100000
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    H create --bundle c2 --pid-file "$T_TMP/$id.pid" "$id" </dev/null >/dev/null 2>&1
    H start "$id"
    pid=$(cat "$T_TMP/$id.pid")
    wait_for 10 grep -q sleep "/proc/$pid/cmdline"
    assert_eq "$(ls /proc/$pid/fd | sort -n | xargs)" "0 1 2"
    # exec --cwd through an fd the exec'd process would inherit: refused
    run H exec --cwd /proc/self/fd/9 "$id" cat secret
    assert_ne "$status" 0
    assert_not_contains "$output" secret
    # and exec sees only 0-2 as well
    run H exec "$id" sh -c 'ls /proc/self/fd | sort -n | xargs'
    assert_eq "$output" "0 1 2 3" "stdio + the ls dir fd"
}
t_run "a leaked host fd is not inherited; cwd /proc/self/fd/N is refused" test_leaked_fd_and_cwd

# ---- mount destinations and rootfs links ----------------------------------------------

test_mount_destination_links() {
    require_hrun
    local before after
    mk_bundle m --rw --mounts-extra '{"destination": "/dotdot/hrun-esc-a", "type": "tmpfs", "source": "tmpfs"},
    {"destination": "/slash/hrun-esc-b", "type": "tmpfs", "source": "tmpfs"},
    {"destination": "/rootlink", "type": "tmpfs", "source": "tmpfs"}' \
        -- sh -c 'grep -c hrun-esc /proc/self/mountinfo'
    ln -s .. m/rootfs/dotdot  # naively: the bundle dir
    ln -s / m/rootfs/slash    # naively: the host's /
    ln -s ../../../../../../var m/rootfs/rootlink
    before=$(mounts_now)
    run H run --bundle m "$(unique_id)"
    after=$(mounts_now)
    t_log "$output"
    assert_eq "$after" "$before" "host mount table unchanged"
    assert_not_exists m/hrun-esc-a "nothing created in the bundle dir"
    assert_not_exists /hrun-esc-b "nothing created in the host's /"
    assert_not_exists /hrun-esc-a
    if [ "$status" = 0 ]; then
        assert_eq "$output" 2 "both mounts inside the container"
        assert_exists m/rootfs/hrun-esc-a
        assert_exists m/rootfs/hrun-esc-b
    fi
}
t_run "mount destinations through links to .. and / stay inside the rootfs" test_mount_destination_links

# paused_at SYNCDIR CPID WHAT OUTFILE: wait until the test build's pause
# hook (HRUN_TEST_PAUSE) has written SYNCDIR/ready; else kill the create
# (CPID) and fail with what it printed
paused_at() {
    wait_for 60 test -s "$1/ready" && return 0
    kill -9 "$2" 2>/dev/null
    t_fail "create never reached $3: $(cat "$4")"
    return 1
}
# paused_init ROOTDIR: pid of the paused container init, found by its root
# (the pid it wrote is 1, in its own pid namespace)
paused_init() {
    local p
    for p in /proc/[0-9]*; do
        [ -e "$p/root/$1/ready" ] && echo "${p#/proc/}" && return 0
    done
    return 1
}

# The window between resolving a mount destination inside the rootfs and
# mounting on it (CVE-2021-30465 class): the test build pauses there
# (HRUN_TEST_PAUSE, include/hrun/test_hooks.h) while the destination is
# swapped for a symlink. hrun mounts through the fd it resolved, then
# checks that the path now leads to the new mount: the swap must make
# create fail, and the same pause without a swap must not.
race_create() { # BUNDLE ID SYNCDIR SWAP(0|1) -> status in RC, output in OUT
    local b=$1 id=$2 sync=$PWD/$3 swap=$4 cpid
    mkdir -p "$sync"
    HRUN_TEST_PAUSE="mount-dest-resolved:/data:$sync" "$_T_TEST_BIN" --root "$ROOT" \
        create --bundle "$b" "$id" >"$sync/out" 2>&1 </dev/null &
    cpid=$!
    paused_at "$sync" $cpid "the mount of /data" "$sync/out" || return 1
    if [ "$swap" = 1 ]; then
        mv "$b/rootfs/data" "$b/rootfs/data.orig"
        ln -s ../../../../../../../../tmp/victim "$b/rootfs/data"
    fi
    : >"$sync/go"
    RC=0
    wait $cpid || RC=$?
    OUT=$(cat "$sync/out")
}

test_mount_destination_swap_race() {
    require_hrun
    require_test_build || return 0
    mkdir -p payload && echo secret >payload/file
    mk_bundle r --mounts-extra "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": $(json_str "$PWD/payload"), \"options\": [\"rbind\", \"ro\"]}" \
        -- cat /data/file
    mkdir -p r/rootfs/data r/rootfs/tmp/victim
    # control: the pause alone changes nothing
    local id
    id=$(unique_id race)
    race_create r "$id" sync0 0 || return 1
    assert_eq "$RC" 0 "create with the pause but no swap: $OUT"
    t_defer "H delete -f $id >/dev/null 2>&1"
    H start "$id"
    wait_for 30 grep -q secret "$PWD/sync0/out"
    H delete -f "$id" >/dev/null 2>&1
    # the swap: refused, nothing left
    id=$(unique_id race)
    race_create r "$id" sync1 1 || return 1
    t_log "$OUT"
    assert_ne "$RC" 0 "create after the destination became a symlink"
    assert_contains "$OUT" "mounts["
    assert_contains "$OUT" "changed while being mounted"
    assert_failure H state "$id"
    assert_eq "$(ls -A r/rootfs/tmp/victim)" "" "nothing in the symlink's target"
}
t_run "a mount destination swapped for a symlink while being mounted is refused" test_mount_destination_swap_race

# CVE-2025-52881 class: a mount placed over a /proc file the runtime writes
# (here the sysctl net.ipv4.ip_forward) in the window before the write,
# e.g. raced in through a volume another container shares. The test build
# pauses the init just before it opens the file (HRUN_TEST_PAUSE
# procfs-open); the test bind-mounts a decoy over it inside the container's
# mount namespace. hrun must refuse to write through the mount and leave
# the decoy as it was; the same pause without the mount must not fail.
# The init pauses after pivot_root, so the sync directory is given as the
# container sees it: /SYNCDIR in the rootfs.
procfs_create() { # BUNDLE ID SYNCDIR MOUNT(0|1) -> status in RC, output in OUT
    local b=$1 id=$2 sync=$PWD/$1/rootfs/$3 mnt=$4 cpid pid
    mkdir -p "$sync"
    HRUN_TEST_PAUSE="procfs-open:sys/net/ipv4/ip_forward:/$3" "$_T_TEST_BIN" --root "$ROOT" \
        create --bundle "$b" "$id" >"$sync/out" 2>&1 </dev/null &
    cpid=$!
    paused_at "$sync" $cpid "the sysctl write" "$sync/out" || return 1
    pid=$(paused_init "$3")
    if [ "$mnt" = 1 ]; then
        # the paused init's root is the container's: /decoy is in it. The
        # net namespace too: /proc/sys/net entries are per network namespace
        nsenter -t "$pid" -m -n -r mount --bind /decoy /proc/sys/net/ipv4/ip_forward ||
            t_fail "could not mount the decoy in the container"
    fi
    : >"$sync/go"
    RC=0
    wait $cpid || RC=$?
    OUT=$(cat "$sync/out")
}

test_procfs_write_not_redirected() {
    require_hrun
    require_test_build || return 0
    local id
    mk_bundle p --linux-extra '"sysctl": {"net.ipv4.ip_forward": "1"}' -- cat /proc/sys/net/ipv4/ip_forward
    echo decoy >p/rootfs/decoy
    id=$(unique_id pctl)
    procfs_create p "$id" psync0 0 || return 1
    assert_eq "$RC" 0 "create with the pause and no mount: $OUT"
    H delete -f "$id" >/dev/null 2>&1
    id=$(unique_id pmnt)
    t_defer "H delete -f $id >/dev/null 2>&1"
    procfs_create p "$id" psync1 1 || return 1
    t_log "create: $RC $OUT; decoy: $(cat p/rootfs/decoy)"
    assert_ne "$RC" 0 "create must fail"
    assert_contains "$OUT" "linux.sysctl: open /proc/sys/net/ipv4/ip_forward: the path crosses a mount"
    assert_eq "$(cat p/rootfs/decoy)" decoy "the decoy was not written"
    assert_not_exists "$ROOT/$id" "no state left"
}
t_run "a mount raced over a /proc file before the runtime writes it is refused" test_procfs_write_not_redirected

# CVE-2025-52565 class: the pty is bound onto /dev/console. Had the bind
# taken the /dev/pts/N path, a mount placed over that path meanwhile (here
# a decoy file, in the window the test build holds open just before the
# bind) would become the container's /dev/console. It must stay the pty.
test_console_bind_not_redirected() {
    require_hrun
    require_test_build || return 0
    local id rt rp cpid pid pts out sync=$PWD/cb/rootfs/csync
    id=$(unique_id cons)
    rt=$(_t_cache_bin "$(dirname "$HRUN")/recvtty" recvtty)
    # a writable root: the paused init writes its sync file there
    mk_bundle cb --rw --terminal -- sh -c 'ls -l /dev/console | cut -c1; stat -c %t:%T /dev/console; stat -L -c %t:%T /proc/self/fd/0'
    echo decoy >cb/rootfs/decoy
    mkdir -p "$sync"
    t_defer "H delete -f $id >/dev/null 2>&1"
    "$rt" "$T_TMP/cb.sock" >"$T_TMP/cb.out" 2>&1 &
    rp=$!
    wait_for 10 grep -q ready "$T_TMP/cb.out"
    HRUN_TEST_PAUSE="console-bind:/dev/console:/csync" "$_T_TEST_BIN" --root "$ROOT" \
        create --bundle cb --console-socket "$T_TMP/cb.sock" "$id" >"$T_TMP/cbc.out" 2>&1 </dev/null &
    cpid=$!
    paused_at "$sync" $cpid "the console bind" "$T_TMP/cbc.out" || return 1
    pid=$(paused_init csync)
    # the pty's path, as recvtty got it with the master
    pts=$(sed -n 's/^payload=//p' "$T_TMP/cb.out")
    nsenter -t "$pid" -m -r mount --bind /decoy "$pts" || t_fail "could not cover $pts"
    : >"$sync/go"
    wait $cpid || t_fail "create: $(cat "$T_TMP/cbc.out")"
    H start "$id"
    wait $rp || true
    t_log "$(cat "$T_TMP/cb.out")"
    local kind con tty
    { read -r kind && read -r con && read -r tty; } < <(tr -d '\r' <"$T_TMP/cb.out" | tail -n 3)
    assert_eq "$kind" c "/dev/console is a char device"
    assert_eq "$con" "$tty" "/dev/console has stdin's (the pty's) device numbers"
    assert_eq "$(cat cb/rootfs/decoy)" decoy
}
t_run "a mount raced over the pty's path does not become /dev/console" test_console_bind_not_redirected

test_proc_link_refused() {
    require_hrun
    local before
    mk_bundle p -- true
    rmdir p/rootfs/proc
    ln -s ../../../../../../proc p/rootfs/proc
    before=$(mounts_now)
    run H run --bundle p "$(unique_id)"
    assert_ne "$status" 0 "a /proc symlink is refused"
    assert_contains "$output" '"/proc"'
    assert_eq "$(mounts_now)" "$before" "nothing mounted on the host"
}
t_run "a rootfs whose /proc is a symlink out is refused" test_proc_link_refused

test_dev_link() {
    require_hrun
    local before d
    for d in abs rel image; do
        rm -rf hostdev-$d
        mkdir hostdev-$d
    done
    # /dev -> an absolute host path, with the config's /dev tmpfs
    mk_bundle d1 -- sh -c 'stat -c "%F %t:%T" /dev/null'
    rm -rf d1/rootfs/dev
    ln -s "$PWD/hostdev-abs" d1/rootfs/dev
    # /dev -> ../../hostdev-rel (naively next to the bundle)
    mk_bundle d2 -- sh -c 'stat -c "%F %t:%T" /dev/null'
    rm -rf d2/rootfs/dev
    ln -s ../../hostdev-rel d2/rootfs/dev
    # no /dev mount: the image's /dev is used and hrun creates the nodes
    mk_bundle d3 --rw -- sh -c 'stat -c "%F %t:%T" /dev/null'
    sed -i '/"destination": "\/dev",/,+1d; /"destination": "\/dev\/pts"/,+1d; /"destination": "\/dev\/shm"/,+1d; /"destination": "\/dev\/mqueue"/,+1d' d3/config.json
    rm -rf d3/rootfs/dev
    ln -s "$PWD/hostdev-image" d3/rootfs/dev
    local hostdev_n
    hostdev_n=$(ls -A /dev | wc -l)
    for b in d1 d2 d3; do
        before=$(mounts_now)
        run H run --bundle $b "$(unique_id)"
        t_log "$b: status $status: $output"
        assert_eq "$(mounts_now)" "$before" "$b: host mount table unchanged"
        if [ "$status" = 0 ]; then
            assert_eq "$output" "character special file 1:3" "$b: the real null device"
        fi
    done
    assert_eq "$(ls -A hostdev-abs)" "" "nothing created in the absolute target"
    assert_eq "$(ls -A hostdev-rel)" "" "nothing created in the relative target"
    assert_eq "$(ls -A hostdev-image)" "" "no device nodes on the host"
    assert_eq "$(ls -A /dev | wc -l)" "$hostdev_n" "host /dev unchanged"
}
t_run "a rootfs whose /dev is a symlink: neutralised inside or refused" test_dev_link

test_dev_null_to_procfs() {
    require_hrun
    local modprobe
    modprobe=$(cat /proc/sys/kernel/modprobe)
    devfs nd
    mk_bundle nd/n --rw -- sh -c 'echo /tmp/evil >/dev/null; stat -c "%F %t:%T" /dev/null'
    sed -i '/"destination": "\/dev",/,+1d; /"destination": "\/dev\/pts"/,+1d; /"destination": "\/dev\/shm"/,+1d; /"destination": "\/dev\/mqueue"/,+1d' nd/n/config.json
    ln -s /proc/sys/kernel/modprobe nd/n/rootfs/dev/null
    run H run --bundle nd/n "$(unique_id)"
    t_log "status $status: $output"
    if [ "$status" = 0 ]; then
        assert_eq "$output" "character special file 1:3"
    fi
    assert_eq "$(cat /proc/sys/kernel/modprobe)" "$modprobe" "kernel.modprobe untouched"
}
t_run "/dev/null symlinked to a procfs file never reaches procfs" test_dev_null_to_procfs

# ---- capabilities ----------------------------------------------------------------------

# start_with_caps DIR ID CAPS: a sleeping container whose bounding,
# effective and permitted members are replaced by CAPS (JSON members of
# process.capabilities), created (its output in $T_TMP/ID.out) and
# started; sets PID
start_with_caps() {
    local dir=$1 id=$2 caps=$3
    mk_bundle "$dir" -- sleep 100000
    sed -i "s/\"bounding\": \[[^]]*\], \"effective\": \[[^]]*\], \"permitted\": \[[^]]*\]/$caps/" "$dir/config.json"
    grep -qF "$caps" "$dir/config.json" || {
        t_fail "$dir/config.json: capabilities not replaced"
        return 1
    }
    t_defer "hrun --root $ROOT delete -f $id >/dev/null 2>&1"
    PID=$(start_bg "$dir" "$id") || return 1
    wait_for 10 grep -q sleep "/proc/$PID/cmdline"
}

test_caps_exact() {
    require_hrun
    local id
    id=$(unique_id caps)
    # bounding NET_BIND_SERVICE(10) CHOWN(0) SETUID(7); effective and
    # permitted NET_BIND_SERVICE CHOWN (root's execve makes effective =
    # permitted, and no_new_privs keeps permitted within the configured
    # one instead of raising it to the bounding set); no inheritable, no
    # ambient
    start_with_caps c "$id" '"bounding": ["CAP_NET_BIND_SERVICE", "CAP_CHOWN", "CAP_SETUID"], "effective": ["CAP_NET_BIND_SERVICE", "CAP_CHOWN"], "permitted": ["CAP_NET_BIND_SERVICE", "CAP_CHOWN"]' || return 1
    assert_eq "$(status_field $PID CapBnd)" 0000000000000481
    assert_eq "$(status_field $PID CapEff)" 0000000000000401
    assert_eq "$(status_field $PID CapPrm)" 0000000000000401
    assert_eq "$(status_field $PID CapInh)" 0000000000000000
    assert_eq "$(status_field $PID CapAmb)" 0000000000000000
}
t_run "CapBnd/CapEff/CapPrm exactly as configured, CapInh and CapAmb 0" test_caps_exact

# CVE-2022-29162: inheritable caps survive execve of a program with
# inheritable file caps. A config that asks for them (and for ambient caps,
# which need them) starts with both sets empty and says so.
test_inheritable_never_set() {
    require_hrun
    local id
    id=$(unique_id inh)
    start_with_caps i "$id" '"bounding": ["CAP_NET_BIND_SERVICE", "CAP_CHOWN"], "effective": ["CAP_NET_BIND_SERVICE"], "permitted": ["CAP_NET_BIND_SERVICE"], "inheritable": ["CAP_NET_BIND_SERVICE", "CAP_CHOWN"], "ambient": ["CAP_NET_BIND_SERVICE"]' || return 1
    assert_contains "$(cat "$T_TMP/$id.out")" "process.capabilities.inheritable: not applied"
    assert_contains "$(cat "$T_TMP/$id.out")" "process.capabilities.ambient: not applied"
    assert_eq "$(status_field $PID CapInh)" 0000000000000000
    assert_eq "$(status_field $PID CapAmb)" 0000000000000000
    assert_eq "$(status_field $PID CapEff)" 0000000000000400
}
t_run "inheritable and ambient caps asked for are never set, with a warning" test_inheritable_never_set

# ---- the default seccomp profile ---------------------------------------------------------

test_default_seccomp_denies() {
    require_hrun
    require_probe
    local out
    mk_bundle s -- /probe sys unshare-user mount keyctl bpf af-alg unknown
    put_probe s
    out=$(H run --bundle s "$(unique_id)")
    t_log "$out"
    assert_eq "$out" "unshare-user=EPERM
mount=EPERM
keyctl=EPERM
bpf=EPERM
af-alg=EPERM
unknown=ENOSYS"
    # busybox's unshare -U fails the same way
    mk_bundle s2 -- sh -c 'unshare -U true 2>&1; echo rc=$?'
    out=$(H run --bundle s2 "$(unique_id)")
    assert_contains "$out" "rc=1"
    # the contrast: with the filter off, the kernel lets unshare and keyctl
    # through, so the EPERMs above came from the profile
    mk_bundle s3 --extra '"annotations": {"run.hrun.seccomp": "unconfined"}' \
        -- /probe sys unshare-user keyctl unknown
    put_probe s3
    out=$(H run --bundle s3 "$(unique_id)")
    t_log "unconfined: $out"
    assert_eq "$out" "unshare-user=OK
keyctl=OK
unknown=ENOSYS"
}
t_run "default profile: unshare -U, mount, keyctl, bpf, AF_ALG EPERM; unknown syscall ENOSYS" test_default_seccomp_denies

# ---- no_new_privs -----------------------------------------------------------------------

test_nnp_setuid() {
    require_hrun
    require_probe
    # the scratch dir is nosuid in the VM: a fresh tmpfs that is not
    devfs suidfs
    mk_bundle suidfs/b --user 1000:1000 -- /suid-probe id
    put_probe suidfs/b suid-probe
    chown 0:0 suidfs/b/rootfs/suid-probe
    chmod 4755 suidfs/b/rootfs/suid-probe
    out=$(H run --bundle suidfs/b "$(unique_id)")
    assert_eq "$out" "uid=1000 euid=1000" "setuid ignored under no_new_privs"
    # the contrast: without no_new_privs the same binary does gain root
    sed -i 's/"noNewPrivileges": true/"noNewPrivileges": false/' suidfs/b/config.json
    out=$(H run --bundle suidfs/b "$(unique_id)")
    assert_eq "$out" "uid=1000 euid=0" "(contrast) setuid works without it"
}
t_run "no_new_privs: a setuid-root binary does not gain privilege" test_nnp_setuid
