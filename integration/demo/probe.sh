echo "== inside the default hardened container"
echo "hostname: $(hostname)   pid: $$   user: $(id -u):$(id -g)"
grep -E '^(CapEff|CapBnd|CapInh|NoNewPrivs|Seccomp):' /proc/self/status
echo "memory.max: $(cat /sys/fs/cgroup/memory.max)   pids.max: $(cat /sys/fs/cgroup/pids.max)   cpu.max: $(cat /sys/fs/cgroup/cpu.max)"
touch /rootfs-write 2>/dev/null && echo "root: writable" || echo "root: read-only"
cp /bin/busybox /tmp/x 2>/dev/null; /tmp/x true 2>/dev/null && echo "/tmp: exec allowed" || echo "/tmp: noexec"
unshare -U true 2>/dev/null && echo "unshare: allowed" || echo "unshare: denied by seccomp"
