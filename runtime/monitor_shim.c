/* What hrun-shim does once it is the init's parent, and how delete waits
 * for it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/monitor.h"
#include "hrun/state.h"

int hr_shim_pidfile_write(int state_dirfd, hr_error_t *err) {
  unsigned long long st = 0;
  if (hr_proc_start_time(getpid(), &st) < 0)
    return hr_error_set(err, errno, "read own start time");
  char buf[64];
  int n = snprintf(buf, sizeof(buf), "%d %llu\n", getpid(), st);
  _cleanup_close_ int fd =
      openat(state_dirfd, HR_SHIM_PIDFILE,
             O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || write(fd, buf, (size_t)n) != n)
    return hr_error_set(err, errno, "write %s", HR_SHIM_PIDFILE);
  return 0;
}

/* pidfd of the shim named in shim.pid if it still runs, else -1. */
static int shim_pidfd(const char *root, const char *id) {
  char path[4096], buf[64];
  snprintf(path, sizeof(path), "%s/%s/%s", root, id, HR_SHIM_PIDFILE);
  _cleanup_close_ int pf = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  ssize_t n = pf >= 0 ? read(pf, buf, sizeof(buf) - 1) : -1;
  int pid = 0;
  unsigned long long st = 0, now = 0;
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  if (sscanf(buf, "%d %llu", &pid, &st) != 2 || pid <= 0 || pid == getpid())
    return -1;
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0)
    return -1;
  /* the pidfd pins the pid: now check it is still the same process */
  if (hr_proc_start_time(pid, &now) < 0 || now != st) {
    close(fd);
    return -1;
  }
  return fd;
}

void hr_shim_wait_gone(const char *root, const char *id, unsigned timeout_ms,
                       bool kill) {
  _cleanup_close_ int fd = shim_pidfd(root, id);
  if (fd < 0)
    return;
  struct pollfd p = {.fd = fd, .events = POLLIN};
  if (poll(&p, 1, (int)timeout_ms) > 0 || !kill)
    return;
  /* a stuck shim must not keep the container's files alive */
  syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
  poll(&p, 1, 1000);
}

struct shim_ctx {
  int dirfd;
  const char *id;
};

static int log_event(void *arg, const struct hr_monitor_event *ev) {
  struct shim_ctx *c = arg;
  if (ev->kind != HR_MONITOR_OOM)
    return 0;
  _cleanup_free_ char *data = hr_monitor_oom_data(ev);
  /* the log is best effort: a full disk must not stop the monitor */
  if (data)
    hr_event_log_append(c->dirfd, "oom", c->id, data, NULL);
  return 0;
}

int hr_shim_run(const char *root, const char *id, hr_error_t *err) {
  /* orphans of a container sharing the host pid namespace come to us */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
    return hr_error_set(err, errno, "prctl(PR_SET_CHILD_SUBREAPER)");
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  if (chdir("/") < 0)
    return hr_error_set(err, errno, "chdir /");
  _cleanup_close_ int dirfd = -1, pidfd = -1, cgfd = -1;
  if (hr_state_dir_open(root, id, &dirfd, err) < 0)
    return -1;
  struct hr_state s;
  if (hr_state_load(root, id, &s, err) < 0)
    return -1;
  int ret = -1;
  if (hr_shim_pidfile_write(dirfd, err) < 0 ||
      hr_state_pidfd(&s, &pidfd, err) < 0)
    goto out;
  if (s.cgroup_path && hr_monitor_open_cgroup(&s, NULL, &cgfd, NULL) < 0)
    cgfd = -1; /* no stats, but still reap and record the exit */
  struct shim_ctx ctx = {.dirfd = dirfd, .id = id};
  struct hr_monitor m = {.pid = s.pid,
                         .pidfd = pidfd,
                         .is_parent = true,
                         .subreaper = true,
                         .cgroup_fd = cgfd,
                         .on_event = log_event,
                         .arg = &ctx};
  struct hr_exit_record rec;
  if (hr_monitor_run(&m, &rec, err) < 0)
    goto out;
  ret = hr_exit_record_save(id, dirfd, &rec, err);
  hr_exit_record_free(&rec);
  unlinkat(dirfd, HR_SHIM_PIDFILE, 0);
out:
  hr_state_free(&s);
  return ret;
}
