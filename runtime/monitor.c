/* The monitor loop: poll(2) on the init's pidfd, inotify on memory.events,
 * a signalfd, (only when streaming) a timerfd and (only with a relayed
 * terminal) the pty master and stdin. */
#include "hrun/monitor.h"
#include "hrun/log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/state.h"

enum { FD_PID, FD_INOTIFY, FD_SIGNAL, FD_TIMER, FD_PTY, FD_STDIN, FD_COUNT };

/* oom_kill of memory.events; false when the file is missing. */
static bool read_oom_kill(int cgroup_fd, uint64_t *out) {
  char buf[512];
  _cleanup_close_ int fd = -1;
  if (cgroup_fd < 0 ||
      (fd = openat(cgroup_fd, "memory.events", O_RDONLY | O_CLOEXEC)) < 0)
    return false;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  if (n <= 0)
    return false;
  buf[n] = '\0';
  return hr_stats_flat_get(buf, "oom_kill", out);
}

/* Kernels before 5.19 have no memory.peak: keep the highest memory.current
 * seen at any event (memory.events changes when usage reaches the limit,
 * so the samples come when usage is highest). */
static void sample_memory(struct hr_monitor *m) {
  uint64_t cur;
  if (m->cgroup_fd >= 0 &&
      hr_stats_read_u64(m->cgroup_fd, "memory.current", &cur, NULL) > 0 &&
      cur > m->mem_sampled_peak)
    m->mem_sampled_peak = cur;
}

static int emit(struct hr_monitor *m, enum hr_monitor_event_kind kind,
                uint64_t new_kills) {
  if (!m->on_event)
    return 0;
  struct hr_monitor_event ev = {.kind = kind,
                                .oom_kills =
                                    m->oom_kill_seen - m->oom_kill_start,
                                .new_kills = new_kills};
  hr_rfc3339_now(ev.time, sizeof(ev.time));
  return m->on_event(m->arg, &ev);
}

static int check_oom(struct hr_monitor *m) {
  uint64_t now;
  sample_memory(m);
  if (!read_oom_kill(m->cgroup_fd, &now) || now <= m->oom_kill_seen)
    return 0;
  uint64_t n = now - m->oom_kill_seen;
  m->oom_kill_seen = now;
  return emit(m, HR_MONITOR_OOM, n);
}

static int watch_memory_events(int cgroup_fd, hr_error_t *err) {
  if (cgroup_fd < 0 || faccessat(cgroup_fd, "memory.events", F_OK, 0) < 0)
    return -1; /* no memory controller: nothing to watch */
  int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0) {
    hr_error_set(err, errno, "inotify_init1");
    return -2;
  }
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/fd/%d/memory.events", cgroup_fd);
  if (inotify_add_watch(fd, path, IN_MODIFY) < 0) {
    hr_error_set(err, errno, "inotify: watch memory.events");
    close(fd);
    return -2;
  }
  return fd;
}

static int make_signalfd(const struct hr_monitor *m, hr_error_t *err) {
  sigset_t set;
  sigemptyset(&set);
  if (m->forward_signals)
    hr_forward_signals_block(&set);
  if (m->subreaper)
    sigaddset(&set, SIGCHLD);
  if (m->relay)
    sigaddset(&set, SIGWINCH);
  if (sigisemptyset(&set))
    return -1;
  sigprocmask(SIG_BLOCK, &set, NULL);
  int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) {
    hr_error_set(err, errno, "signalfd");
    return -2;
  }
  return fd;
}

static int make_timer(unsigned ms, hr_error_t *err) {
  if (!ms)
    return -1;
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (fd < 0) {
    hr_error_set(err, errno, "timerfd_create");
    return -2;
  }
  struct itimerspec its = {0};
  its.it_interval.tv_sec = ms / 1000;
  its.it_interval.tv_nsec = (long)(ms % 1000) * 1000000L;
  its.it_value = its.it_interval;
  if (timerfd_settime(fd, 0, &its, NULL) < 0) {
    hr_error_set(err, errno, "timerfd_settime");
    close(fd);
    return -2;
  }
  return fd;
}

/* Reap children that are not the init (orphans re-parented to a
 * subreaper); the init itself is reaped through its pidfd. */
static void reap_others(struct hr_monitor *m) {
  for (;;) {
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    /* WNOWAIT first: never consume the init's status here */
    if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
        si.si_pid == 0 || si.si_pid == m->pid)
      return;
    waitid(P_PID, (id_t)si.si_pid, &si, WEXITED | WNOHANG);
  }
}

static void handle_signals(struct hr_monitor *m, int sfd) {
  struct signalfd_siginfo si;
  while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
    if ((int)si.ssi_signo == SIGCHLD && m->subreaper) {
      reap_others(m);
      continue;
    }
    if ((int)si.ssi_signo == SIGWINCH && m->relay) {
      hr_pty_relay_winch(m->relay);
      continue;
    }
    if (m->forward_signals)
      syscall(SYS_pidfd_send_signal, m->pidfd, (int)si.ssi_signo, NULL, 0);
  }
}

static int handle_inotify(struct hr_monitor *m, int ifd) {
  char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
  while (read(ifd, buf, sizeof(buf)) > 0)
    ;
  return check_oom(m);
}

static int handle_timer(struct hr_monitor *m, int tfd) {
  uint64_t n;
  if (read(tfd, &n, sizeof(n)) != (ssize_t)sizeof(n))
    return 0;
  sample_memory(m);
  return emit(m, HR_MONITOR_TICK, 0);
}

static int reap_init(struct hr_monitor *m, struct hr_exit_record *rec,
                     hr_error_t *err) {
  if (!m->is_parent)
    return 0;
  siginfo_t si;
  memset(&si, 0, sizeof(si));
  while (waitid(P_PIDFD, (id_t)m->pidfd, &si, WEXITED) < 0) {
    if (errno == EINTR)
      continue;
    /* reaped behind our back (e.g. SIGCHLD set to SIG_IGN): status lost */
    if (errno == ECHILD)
      return 0;
    return hr_error_set(err, errno, "wait for container init");
  }
  hr_exit_record_set_status(rec, &si);
  return 0;
}

int hr_monitor_run(struct hr_monitor *m, struct hr_exit_record *rec,
                   hr_error_t *err) {
  memset(rec, 0, sizeof(*rec));
  m->oom_kill_start = m->oom_kill_seen = 0;
  m->mem_sampled_peak = 0;
  read_oom_kill(m->cgroup_fd, &m->oom_kill_start);
  m->oom_kill_seen = m->oom_kill_start;
  sample_memory(m);

  _cleanup_close_ int ifd = watch_memory_events(m->cgroup_fd, err);
  _cleanup_close_ int sfd = -1, tfd = -1;
  if (ifd == -2 || (sfd = make_signalfd(m, err)) == -2 ||
      (tfd = make_timer(m->interval_ms, err)) == -2)
    return -1;
  struct pollfd p[FD_COUNT] = {
      [FD_PID] = {.fd = m->pidfd, .events = POLLIN},
      [FD_INOTIFY] = {.fd = ifd, .events = POLLIN},
      [FD_SIGNAL] = {.fd = sfd, .events = POLLIN},
      [FD_TIMER] = {.fd = tfd, .events = POLLIN},
      [FD_PTY] = {.fd = -1},
      [FD_STDIN] = {.fd = -1},
  };
  /* anything that happened between the baseline and the watch */
  if (check_oom(m))
    return 1;
  for (;;) {
    if (m->relay)
      hr_pty_relay_pollfds(m->relay, &p[FD_PTY], &p[FD_STDIN]);
    if (poll(p, FD_COUNT, -1) < 0) {
      if (errno == EINTR)
        continue;
      return hr_error_set(err, errno, "poll");
    }
    if (p[FD_SIGNAL].revents & POLLIN)
      handle_signals(m, sfd);
    if (m->relay)
      hr_pty_relay_events(m->relay, &p[FD_PTY], &p[FD_STDIN]);
    if ((p[FD_INOTIFY].revents & POLLIN) && handle_inotify(m, ifd))
      return 1;
    if (p[FD_PID].revents & (POLLIN | POLLHUP)) {
      if (m->relay)
        hr_pty_relay_drain(m->relay);
      break;
    }
    if ((p[FD_TIMER].revents & POLLIN) && handle_timer(m, tfd))
      return 1;
  }
  if (reap_init(m, rec, err) < 0)
    return -1;
  /* the kill is counted before the task exits; its inotify may still be
   * queued: read the counter once more (the init is gone, so the loop is
   * over whatever the callback says) */
  check_oom(m);
  hr_rfc3339_now(rec->finished_at, sizeof(rec->finished_at));
  hr_exit_record_finish(rec, m);
  return 0;
}
