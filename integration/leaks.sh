# shellcheck shell=bash
# Leak accounting for the reliability tests (60-bad-input, 61-stress,
# 62-faults): what hrun may leave behind, snapshotted with bash builtins only
# (no fork, so the snapshot itself adds no process):
#   S NAME   a state dir under --root
#   C DIR    a cgroup directory anywhere under /sys/fs/cgroup (except the
#            shared parent /sys/fs/cgroup/hrun)
#   M LINE   a mount in this (the VM's) mount namespace: /proc/self/mountinfo
#            minus the mount and parent ids
#   P PID    a process (kernel threads excluded); zombies count
#
#   before=$(leak_snapshot ROOT)
#   ... hrun ...
#   leaks=$(leak_check "$before" ROOT) || t_fail "left behind: $leaks"
#
# These run under the tests' `set -eE` and ERR trap, also inside $(...) and
# <(...): every function returns 0 unless it reports a leak.
#
# leak_check waits up to LEAK_SETTLE_S (default 3) seconds for things that
# go away asynchronously (a killed init being reaped, a cgroup emptied).

# leak_snapshot ROOT: one item per line
leak_snapshot() {
    local root=$1 d l p rest ppid x
    # the caller chain ($(...) subshells included) is not a leak
    local -A mine=()
    x=$BASHPID
    while [ -n "$x" ] && [ "$x" != 0 ] && [ -z "${mine[$x]:-}" ]; do
        mine[$x]=1
        IFS= read -r l 2>/dev/null <"/proc/$x/stat" || break
        read -r _ x _ <<<"${l##*) }"
    done
    local had_globstar=0 had_nullglob=0
    shopt -q globstar && had_globstar=1
    shopt -q nullglob && had_nullglob=1
    shopt -s globstar nullglob
    for d in "$root"/*; do
        echo "S ${d##*/}"
    done
    for d in /sys/fs/cgroup/**/; do
        # the shared parent of the default cgroupsPath ("hrun/ID") stays,
        # as runc's and systemd's parents do
        case $d in /sys/fs/cgroup/ | /sys/fs/cgroup/hrun/) continue ;; esac
        echo "C ${d%/}"
    done
    while IFS= read -r l; do
        echo "M ${l#* * }"
    done </proc/self/mountinfo
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        [ -n "${mine[$p]:-}" ] && continue
        IFS= read -r l 2>/dev/null <"/proc/$p/stat" || continue
        rest=${l##*) }
        read -r _ ppid _ <<<"$rest"
        [ "$p" = 2 ] || [ "$ppid" = 2 ] && continue # kernel threads
        echo "P $p"
    done
    [ $had_globstar = 1 ] || shopt -u globstar
    [ $had_nullglob = 1 ] || shopt -u nullglob
    return 0
}

# leak_describe ITEM: ITEM with details (a process's state and command line)
leak_describe() {
    local item=$1 p l cmd
    if [[ $item == P\ * ]]; then
        p=${item#P }
        IFS= read -r l 2>/dev/null <"/proc/$p/stat" || l=gone
        cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline") || cmd=
        echo "process $p [${l#* }] ${cmd:0:80}" | cut -c1-200
    else
        echo "$item"
    fi
}

# leak_new BEFORE AFTER: items of AFTER not in BEFORE
leak_new() {
    local -A seen=()
    local l
    while IFS= read -r l; do seen[$l]=1; done <<<"$1"
    while IFS= read -r l; do
        if [ -n "$l" ] && [ -z "${seen[$l]:-}" ]; then echo "$l"; fi
    done <<<"$2"
    return 0
}

# leak_check BEFORE ROOT: prints what is new since BEFORE (one item per
# line, described), returns 1 if anything is
leak_check() {
    local before=$1 root=$2 new i
    local deadline=$((${EPOCHREALTIME/./} + ${LEAK_SETTLE_S:-3} * 1000000))
    for ((i = 0; ; i++)); do
        new=$(leak_new "$before" "$(leak_snapshot "$root")")
        [ -z "$new" ] && return 0
        [ "${EPOCHREALTIME/./}" -lt $deadline ] || break
        sleep 0.1
    done
    while IFS= read -r i; do leak_describe "$i"; done <<<"$new"
    return 1
}

# leak_counts BEFORE ROOT: what is new since BEFORE, by kind: "N state
# dirs, N cgroups, N mounts, N processes (N zombies)" (the figures the
# tests print)
leak_counts() {
    local s=0 c=0 m=0 p=0 z=0 l st
    while IFS= read -r l; do
        case $l in
        S\ *) s=$((s + 1)) ;;
        C\ *) c=$((c + 1)) ;;
        M\ *) m=$((m + 1)) ;;
        P\ *)
            p=$((p + 1))
            IFS= read -r st 2>/dev/null <"/proc/${l#P }/stat" || st=
            st=${st##*) }
            if [ "${st:0:1}" = Z ]; then z=$((z + 1)); fi
            ;;
        esac
    done < <(leak_new "$1" "$(leak_snapshot "$2")")
    echo "$s state dirs, $c cgroups, $m mounts, $p processes ($z zombies)"
}
