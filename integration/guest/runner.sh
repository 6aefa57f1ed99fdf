#!/bin/bash
# Runs inside the VM (started by stage2 in cgroup /sys/fs/cgroup/harness).
# Executes each test file listed in /run/hrun-vm/out/tests, streams its output
# to the console, keeps a log per file in the results share, and writes the
# counts to out/summary (read by vm.sh on the host).
# The whole script is one block, so bash parses it completely before
# running it: editing this file cannot disturb runs in progress.
{
V=/run/hrun-vm
OUT=$V/out
# shellcheck disable=SC1091
. "$OUT/vm.conf"
# shellcheck disable=SC1091
. "$OUT/env.sh"
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
export HRUN_LIB=$REPO/integration/lib.sh
# binaries under the host's /tmp or /run are only visible via the raw host view
[ -e "$HRUN" ] || [ ! -e "$V/host$HRUN" ] || HRUN=$V/host$HRUN
[ -e "$HRUN_SHIM" ] || [ ! -e "$V/host$HRUN_SHIM" ] || HRUN_SHIM=$V/host$HRUN_SHIM
export HRUN_VM=1

case $HRUN_VM_MODE in
probe) exit 0 ;;
shell)
    cd "$REPO" || cd /
    echo "hrun-vm: interactive shell; REPO=$REPO HRUN=$HRUN; 'exit' powers off"
    setsid -c bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
    exit 0
    ;;
esac

mkdir -p "$OUT/logs"

# Sanitizer build: every ASan/UBSan/LSan report goes to a file of its own
# in the results share (the suffix is the reporting pid), and a test file
# that produced any counts as failed, even if its assertions passed.
# Processes that run after pivot_root cannot reach the share; they report
# on stderr, which the tests see.  symbolize=0: hrun runs from a memfd, so
# reports carry module offsets (addr2line -e build/asan/hrun).
SAN=$OUT/sanitizer
if [ "${HRUN_SANITIZED:-0}" = 1 ]; then
    mkdir -p "$SAN"
    # log_path is a flag common to all sanitizers: the same in each
    export ASAN_OPTIONS="log_path=$SAN/report:symbolize=0:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export UBSAN_OPTIONS="log_path=$SAN/report:symbolize=0:print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
    export LSAN_OPTIONS="log_path=$SAN/report${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi
san_reports() { # the report files so far, one per line
    local f
    for f in "$SAN"/*; do [ -f "$f" ] && echo "${f##*/}"; done
}
san_before=
fifo=/run/hrun-vm/test-output.fifo
: >"$OUT/results"
passed=0 failed=0 skipped=0
timeout_s=${HRUN_TEST_TIMEOUT:-900}
n=0

CG=/sys/fs/cgroup
CGH=$CG/harness

# cleanup_leftovers: kill what a test file left behind: processes in the
# harness cgroup (other than PID 1 and this runner) and populated cgroups
# outside it (leaked containers).  Reported, not counted as failures.
cleanup_leftovers() { # [TEE_PID]
    local procs p c leaked=() n=0 try
    for try in 1 2 3; do
        mapfile -t procs <"$CGH/cgroup.procs"
        for p in "${procs[@]}"; do
            [ "$p" = 1 ] || [ "$p" = $$ ] && continue
            if [ "$p" = "${1:-}" ]; then
                kill "$p" 2>/dev/null # our tee, kept open by a leftover
            else
                kill -9 "$p" 2>/dev/null && n=$((n + 1))
            fi
        done
        [ ${#procs[@]} -le 2 ] && break
        sleep 0.1
    done
    [ $n = 0 ] || echo "# $name: killed $n leftover process(es) of the test file"
    for c in "$CG"/*/ "$CG"/*/*/ "$CG"/*/*/*/; do
        c=${c%/}
        [ "$c" = "$CGH" ] && continue
        [ -e "$c/cgroup.events" ] || continue
        [[ $(<"$c/cgroup.events") == *"populated 1"* ]] || continue
        case " ${leaked[*]} " in *" ${c%/*} "*) continue ;; esac # parent listed
        leaked+=("$c")
    done
    if [ ${#leaked[@]} -gt 0 ]; then
        echo "# $name: leaked populated cgroups (killed): ${leaked[*]#"$CG"}"
        for c in "${leaked[@]}"; do echo 1 >"$c/cgroup.kill"; done
    fi
}

# Every exec costs ~50 ms under TCG: stick to builtins in this loop.
while IFS= read -r f; do
    [ -n "$f" ] || continue
    # host /tmp and /run are shadowed by guest tmpfs; use the raw host view
    [ -e "$f" ] || f=$V/host$f
    name=${f##*/}
    name=${name%.sh}
    log=$OUT/logs/$name.log
    n=$((n + 1))
    # a "# timeout: SECS" line among the first 10 lines overrides the default
    tmo=$timeout_s
    i=0
    while IFS= read -r line && [ $i -lt 10 ]; do
        i=$((i + 1))
        [[ $line =~ ^#\ *timeout:\ *([0-9]+) ]] && tmo=${BASH_REMATCH[1]} && break
    done <"$f"
    scratch=/tmp/t-$n-$name
    echo "=== $name"
    echo "$name" >"$OUT/current"
    start=${EPOCHREALTIME/./}
    [ "${HRUN_SANITIZED:-0}" = 1 ] && san_before=$(san_reports)
    # Output goes through a fifo to tee (console + log); the test's stdout
    # is not a regular file, so reopening /dev/stdout cannot truncate the
    # log.  Only the test's own exit is waited for: a daemon still holding
    # the fifo is killed by cleanup_leftovers, which also stops tee.
    rm -f "$fifo" && mkfifo "$fifo"
    tee "$log" <"$fifo" &
    teepid=$!
    (mkdir -p "$scratch" && cd "$scratch" && exec timeout -k 10 "$tmo" bash "$f") </dev/null >"$fifo" 2>&1 &
    tpid=$!
    wait $tpid
    rc=$?
    for ((i = 0; i < 30; i++)); do
        kill -0 $teepid 2>/dev/null || break
        sleep 0.1
    done
    cleanup_leftovers $teepid
    wait $teepid 2>/dev/null
    dur=$(((${EPOCHREALTIME/./} - start) / 100000))
    p=0 fl=0 s=0
    while IFS= read -r line; do
        case $line in
        "ok "*) p=$((p + 1)) && echo "ok $name: ${line#ok }" ;;
        "not ok "*) fl=$((fl + 1)) && echo "not ok $name: ${line#not ok }" ;;
        "skip "*) s=$((s + 1)) && echo "skip $name: ${line#skip }" ;;
        esac
    done <"$log" >>"$OUT/results"
    if [ "${HRUN_SANITIZED:-0}" = 1 ]; then
        san_new=()
        while IFS= read -r line; do
            [ -n "$line" ] && [[ $'\n'$san_before$'\n' != *$'\n'$line$'\n'* ]] && san_new+=("$line")
        done < <(san_reports)
        if [ ${#san_new[@]} -gt 0 ]; then
            msg="not ok $name: ${#san_new[@]} sanitizer report(s): ${san_new[*]} (in out/sanitizer)"
            echo "$msg"
            for line in "${san_new[@]}"; do
                { echo "# --- $line"; sed 's/^/# /' "$SAN/$line"; } >>"$log"
            done
            echo "$msg" >>"$log"
            echo "$msg" >>"$OUT/results"
            fl=$((fl + 1))
        fi
    fi
    if [ "$rc" != 0 ] && [ "$fl" = 0 ]; then
        if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
            msg="not ok $name: timed out after ${tmo}s"
        else
            msg="not ok $name: test file exited with status $rc"
        fi
        echo "$msg"
        echo "$msg" >>"$log"
        echo "$msg" >>"$OUT/results"
        fl=1
    elif [ $((p + fl + s)) = 0 ]; then
        msg="not ok $name: no test results reported"
        echo "$msg"
        echo "$msg" >>"$log"
        echo "$msg" >>"$OUT/results"
        fl=1
    fi
    passed=$((passed + p)) failed=$((failed + fl)) skipped=$((skipped + s))
    printf '=== %s: %d ok, %d failed, %d skipped (%d.%ds)\n' "$name" "$p" "$fl" "$s" $((dur / 10)) $((dur % 10))
    rm -rf "$scratch"
done <"$OUT/tests"
rm -f "$OUT/current"

printf 'passed=%d\nfailed=%d\nskipped=%d\n' $passed $failed $skipped >"$OUT/summary.tmp"
mv "$OUT/summary.tmp" "$OUT/summary"
[ $failed = 0 ]
exit
}
