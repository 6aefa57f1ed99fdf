/* Foreground exec: wait for the process, forwarding signals; with a
 * terminal and no --console-socket, hrun also holds the pty master and
 * relays it to its own stdio, as runc does. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/exec.h"

static void copy_winsize(int master) {
  struct winsize ws;
  if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && (ws.ws_row || ws.ws_col))
    ioctl(master, TIOCSWINSZ, &ws);
}

static int write_all(int fd, const char *buf, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, buf, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Everything the process wrote before it exited is in the master's
 * buffer (a read flushes the pty's pending work first): read until it is
 * empty (EAGAIN) or the slave is closed everywhere (EIO). */
static void drain(int master) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 || write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
      return;
  }
}

struct relay {
  int master;
  bool stdin_open, master_open;
  char in[4096]; /* stdin data not yet taken by the pty */
  size_t in_off, in_len;
};

static void relay_events(struct relay *r, const struct pollfd *pm,
                         const struct pollfd *pin) {
  char buf[4096];
  if (pm->revents & POLLIN) {
    ssize_t n = read(r->master, buf, sizeof(buf));
    if (n > 0)
      write_all(STDOUT_FILENO, buf, (size_t)n);
    else if (n == 0 || (errno != EAGAIN && errno != EINTR))
      r->master_open = false; /* EIO: no slave left; wait for the exit */
  } else if (pm->revents & (POLLHUP | POLLERR)) {
    r->master_open = false;
  }
  if (r->master_open && (pm->revents & POLLOUT) && r->in_len > 0) {
    ssize_t n = write(r->master, r->in + r->in_off, r->in_len);
    if (n > 0) {
      r->in_off += (size_t)n;
      r->in_len -= (size_t)n;
    }
  }
  if (pin->revents & (POLLIN | POLLHUP | POLLERR)) {
    ssize_t n = read(STDIN_FILENO, r->in, sizeof(r->in));
    if (n > 0) {
      r->in_off = 0;
      r->in_len = (size_t)n;
    } else if (n == 0 || errno != EINTR) {
      /* like runc: stdin's end is not passed on (no ^D, no hangup) */
      r->stdin_open = false;
    }
  }
}

int hr_exec_wait(int pidfd, int master, int *exit_code, hr_error_t *err) {
  sigset_t set;
  hr_forward_signals_block(&set);
  _cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0)
    return hr_error_set(err, errno, "signalfd");
  int fl = master >= 0 ? fcntl(master, F_GETFL) : 0;
  if (fl < 0 || (master >= 0 && fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0))
    return hr_error_set(err, errno, "terminal: set the pty master nonblocking");

  struct termios saved;
  bool raw = false;
  if (master >= 0 && isatty(STDIN_FILENO) &&
      tcgetattr(STDIN_FILENO, &saved) == 0) {
    struct termios t = saved;
    cfmakeraw(&t);
    raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
    copy_winsize(master);
  }

  struct relay r = {
      .master = master, .stdin_open = master >= 0, .master_open = master >= 0};
  int ret = 0;
  for (;;) {
    struct pollfd pfd[4] = {
        {.fd = pidfd, .events = POLLIN},
        {.fd = sfd, .events = POLLIN},
        {.fd = r.master_open ? master : -1,
         .events = (short)(POLLIN | (r.in_len ? POLLOUT : 0))},
        {.fd = r.stdin_open && r.in_len == 0 ? STDIN_FILENO : -1,
         .events = POLLIN},
    };
    if (poll(pfd, 4, -1) < 0) {
      if (errno == EINTR)
        continue;
      ret = hr_error_set(err, errno, "poll");
      break;
    }
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
      if (si.ssi_signo == SIGWINCH && master >= 0)
        copy_winsize(master); /* the kernel signals the pty's foreground */
      else
        syscall(SYS_pidfd_send_signal, pidfd, (int)si.ssi_signo, NULL, 0);
    }
    relay_events(&r, &pfd[2], &pfd[3]);
    if (pfd[0].revents & (POLLIN | POLLHUP)) {
      if (master >= 0)
        drain(master);
      siginfo_t ws;
      memset(&ws, 0, sizeof(ws));
      if (waitid(P_PIDFD, (id_t)pidfd, &ws, WEXITED) < 0)
        ret = hr_error_set(err, errno, "wait for the exec process");
      else
        *exit_code =
            ws.si_code == CLD_EXITED ? ws.si_status : 128 + ws.si_status;
      break;
    }
  }
  if (raw)
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  return ret;
}
