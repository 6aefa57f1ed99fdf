/* OCI hooks. Each hook is posix_spawn'ed (no shell), fed the state on a
 * pipe, and waited for with one poll() over its pipes and a pidfd, so the
 * timeout needs no sleeping loop and no SIGCHLD handler. Output handling
 * follows runc (libcontainer/configs.Command.Run): stdout and stderr are
 * captured and shown only when the hook fails. */
#include "hrun/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hrun/cleanup.h"

extern char **environ;

#define OUTPUT_MAX 1024 /* bytes of stdout/stderr kept for the error */

struct output {
  char buf[OUTPUT_MAX];
  size_t len;
  bool truncated;
};

/* Keep the last OUTPUT_MAX bytes: the end of a failing hook's output is
 * usually the part that says why. */
static void output_add(struct output *o, const char *data, size_t n) {
  if (n >= OUTPUT_MAX) {
    memcpy(o->buf, data + n - OUTPUT_MAX, OUTPUT_MAX);
    o->truncated |= o->len > 0 || n > OUTPUT_MAX;
    o->len = OUTPUT_MAX;
    return;
  }
  if (o->len + n > OUTPUT_MAX) {
    size_t drop = o->len + n - OUTPUT_MAX;
    memmove(o->buf, o->buf + drop, o->len - drop);
    o->len -= drop;
    o->truncated = true;
  }
  memcpy(o->buf + o->len, data, n);
  o->len += n;
}

/* Read what is there; returns false once the pipe is at EOF or broken. */
static bool output_read(int fd, struct output *o) {
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n > 0) {
      output_add(o, chunk, (size_t)n);
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    return n < 0 && errno == EAGAIN;
  }
}

/* One line, no control characters, for the error message. */
static char *output_text(const struct output *o) {
  size_t start = 0, end = o->len;
  while (start < end && (unsigned char)o->buf[start] <= ' ')
    start++;
  while (end > start && (unsigned char)o->buf[end - 1] <= ' ')
    end--;
  if (start == end)
    return NULL;
  char *s = malloc(end - start + 4);
  if (!s)
    return NULL;
  size_t j = 0;
  if (o->truncated) {
    memcpy(s, "...", 3);
    j = 3;
  }
  for (size_t i = start; i < end; i++) {
    unsigned char c = (unsigned char)o->buf[i];
    s[j++] = (c < ' ' || c == 0x7f) ? ' ' : (char)c;
  }
  s[j] = 0;
  return s;
}

/* Pipe fds must not be 0..2, or the dup2 onto stdio would clobber them. */
static int fd_above_stdio(int fd) {
  if (fd < 0 || fd > 2)
    return fd;
  int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int saved = errno;
  close(fd);
  errno = saved;
  return nfd;
}

static int pipe_above_stdio(int p[2]) {
  if (pipe2(p, O_CLOEXEC) < 0)
    return -1;
  p[0] = fd_above_stdio(p[0]);
  p[1] = fd_above_stdio(p[1]);
  if (p[0] < 0 || p[1] < 0) {
    int saved = errno;
    if (p[0] >= 0)
      close(p[0]);
    if (p[1] >= 0)
      close(p[1]);
    errno = saved;
    return -1;
  }
  return 0;
}

static void set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl >= 0)
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_pair(int p[2]) {
  for (int i = 0; i < 2; i++)
    if (p[i] >= 0) {
      close(p[i]);
      p[i] = -1;
    }
}

static void spawn_attr_destroyp(posix_spawnattr_t **a) {
  if (*a)
    posix_spawnattr_destroy(*a);
}
static void spawn_actions_destroyp(posix_spawn_file_actions_t **a) {
  if (*a)
    posix_spawn_file_actions_destroy(*a);
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Spawn the hook with the pipes as its stdio; returns its pid or -1. */
static pid_t spawn_hook(const struct hr_hook *h, int in[2], int out[2],
                        int errp[2], hr_error_t *err) {
  posix_spawn_file_actions_t fa_store;
  posix_spawnattr_t attr_store;
  _cleanup_(spawn_actions_destroyp) posix_spawn_file_actions_t *fa = NULL;
  _cleanup_(spawn_attr_destroyp) posix_spawnattr_t *attr = NULL;
  int r = posix_spawn_file_actions_init(&fa_store);
  if (r != 0)
    return hr_error_set(err, r, "spawn");
  fa = &fa_store;
  r = posix_spawnattr_init(&attr_store);
  if (r != 0)
    return hr_error_set(err, r, "spawn");
  attr = &attr_store;

  /* A clean signal state: the runtime may block or ignore signals. */
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  if ((r = posix_spawn_file_actions_adddup2(fa, in[0], 0)) ||
      (r = posix_spawn_file_actions_adddup2(fa, out[1], 1)) ||
      (r = posix_spawn_file_actions_adddup2(fa, errp[1], 2)) ||
      (r = posix_spawnattr_setsigmask(attr, &none)) ||
      (r = posix_spawnattr_setsigdefault(attr, &all)) ||
      (r = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK |
                                              POSIX_SPAWN_SETSIGDEF)))
    return hr_error_set(err, r, "spawn");

  char *argv_default[] = {h->path, NULL};
  char **argv = h->args && h->args[0] ? h->args : argv_default;
  char **envp = h->env ? h->env : environ;
  pid_t pid;
  /* glibc's posix_spawn reports a failed execve as its return value. */
  r = posix_spawn(&pid, h->path, fa, attr, argv, envp);
  if (r != 0)
    return hr_error_set(err, r, "exec");
  return pid;
}

static int run_one(const struct hr_hook *h, const char *state,
                   hr_error_t *err) {
  int in[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
  if (pipe_above_stdio(in) < 0 || pipe_above_stdio(out) < 0 ||
      pipe_above_stdio(errp) < 0) {
    int e = errno;
    close_pair(in);
    close_pair(out);
    close_pair(errp);
    return hr_error_set(err, e, "pipe");
  }
  pid_t pid = spawn_hook(h, in, out, errp, err);
  close(in[0]);
  close(out[1]);
  close(errp[1]);
  _cleanup_close_ int in_w = in[1], out_r = out[0], err_r = errp[0];
  if (pid < 0)
    return -1;

  _cleanup_close_ int pidfd = pidfd_open(pid, 0);
  if (pidfd < 0) {
    int e = errno;
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
      ;
    return hr_error_set(err, e, "pidfd_open");
  }
  set_nonblock(in_w);
  set_nonblock(out_r);
  set_nonblock(err_r);

  /* A hook that exits without reading its stdin makes write() raise
   * SIGPIPE: block it here and swallow the one we cause. */
  sigset_t pipe_set, old_mask, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigpending(&pending);
  bool pipe_was_pending = sigismember(&pending, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);

  struct output so = {0}, se = {0};
  size_t state_len = state ? strlen(state) : 0, written = 0;
  if (state_len == 0)
    close(hr_steal_fd(in_w));
  long long deadline = -1;
  if (h->timeout.set && h->timeout.v > 0) /* clamped: no overflow */
    deadline =
        now_ms() +
        (h->timeout.v > 1000000000LL ? 1000000000LL : h->timeout.v) * 1000;
  bool timed_out = false;
  int poll_errno = 0;

  for (;;) {
    struct pollfd pfd[4] = {{.fd = pidfd, .events = POLLIN},
                            {.fd = in_w, .events = POLLOUT},
                            {.fd = out_r, .events = POLLIN},
                            {.fd = err_r, .events = POLLIN}};
    int wait_ms = -1;
    if (deadline >= 0) {
      long long left = deadline - now_ms();
      if (left <= 0) {
        timed_out = true;
        break;
      }
      wait_ms = left > 60000 ? 60000 : (int)left;
    }
    if (poll(pfd, 4, wait_ms) < 0) {
      if (errno == EINTR)
        continue;
      poll_errno = errno;
      break;
    }
    if (pfd[1].revents) {
      ssize_t n = write(in_w, state + written, state_len - written);
      if (n > 0)
        written += (size_t)n;
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == state_len)
        close(hr_steal_fd(in_w)); /* done, or EPIPE: the hook stopped */
    }
    if (pfd[2].revents && !output_read(out_r, &so))
      close(hr_steal_fd(out_r));
    if (pfd[3].revents && !output_read(err_r, &se))
      close(hr_steal_fd(err_r));
    if (pfd[0].revents)
      break; /* exited; what it wrote is in the pipes */
  }

  if (timed_out || poll_errno)
    pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
  siginfo_t si = {0};
  int wr;
  while ((wr = waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED)) < 0 &&
         errno == EINTR)
    ;
  int wait_errno = wr < 0 ? errno : 0;
  /* Whatever is left, without waiting for a background child of the hook
   * that may hold the pipes open. */
  if (out_r >= 0)
    output_read(out_r, &so);
  if (err_r >= 0)
    output_read(err_r, &se);

  if (in_w >= 0)
    close(hr_steal_fd(in_w));
  if (!pipe_was_pending) {
    struct timespec zero = {0, 0};
    while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
      ;
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, NULL);

  if (timed_out)
    return hr_error_set(err, 0, "timed out after %llds",
                        (long long)h->timeout.v);
  if (poll_errno)
    return hr_error_set(err, poll_errno, "poll");
  if (wait_errno)
    return hr_error_set(err, wait_errno, "waitid");
  if (si.si_code == CLD_EXITED && si.si_status == 0)
    return 0;

  char what[64];
  if (si.si_code == CLD_EXITED)
    snprintf(what, sizeof(what), "exited with status %d", si.si_status);
  else
    snprintf(what, sizeof(what), "killed by signal %d", si.si_status);
  _cleanup_free_ char *o = output_text(&so);
  _cleanup_free_ char *e = output_text(&se);
  return hr_error_set(err, 0, "%s%s%s%s%s", what, o ? ", stdout: " : "",
                      o ? o : "", e ? ", stderr: " : "", e ? e : "");
}

int hr_hooks_run(const struct hr_hook *hooks, size_t n, const char *phase,
                 const char *state_json, hr_error_t *err) {
  for (size_t i = 0; i < n; i++)
    if (run_one(&hooks[i], state_json, err) < 0)
      return hr_error_wrap(err, "%s hook #%zu (%s)", phase, i, hooks[i].path);
  return 0;
}
