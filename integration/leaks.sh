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
        IFS= read -r l <"/proc/$x/stat" 2>/dev/null || break
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
        IFS= read -r l <"/proc/$p/stat" 2>/dev/null || continue
        rest=${l##*) }
        read -r _ ppid _ <<<"$rest"
        [ "$p" = 2 ] || [ "$ppid" = 2 ] && continue # kernel threads
        echo "P $p"
    done
    [ $had_globstar = 1 ] || shopt -u globstar
    [ $had_nullglob = 1 ] || shopt -u nullglob
}

# leak_describe ITEM: ITEM with details (a process's state and command line)
leak_describe() {
    local item=$1 p l cmd
    if [[ $item == P\ * ]]; then
        p=${item#P }
        IFS= read -r l <"/proc/$p/stat" 2>/dev/null
        cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
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
        [ -n "$l" ] && [ -z "${seen[$l]:-}" ] && echo "$l"
    done <<<"$2"
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

# leak_counts ROOT: "N state dirs, N cgroups under hrun/, N mounts,
# N processes" of the current system (for the figures the tests print)
leak_counts() {
    local snap s=0 c=0 m=0 p=0 l
    snap=$(leak_snapshot "$1")
    while IFS= read -r l; do
        case $l in
        S\ *) s=$((s + 1)) ;;
        C\ /sys/fs/cgroup/hrun/*) c=$((c + 1)) ;;
        M\ *) m=$((m + 1)) ;;
        P\ *) p=$((p + 1)) ;;
        esac
    done <<<"$snap"
    echo "$s state dirs, $c cgroups under hrun/, $m mounts, $p processes"
}
