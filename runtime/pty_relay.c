/* hrun's own stdio <-> the container's pty master (pty_relay.h). */
#include "hrun/pty_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

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

int hr_pty_relay_start(struct hr_pty_relay *r, int master, hr_error_t *err) {
  memset(r, 0, sizeof(*r));
  r->master = master;
  if (master < 0)
    return 0;
  int fl = fcntl(master, F_GETFL);
  if (fl < 0 || fcntl(master, F_SETFL, fl | O_NONBLOCK) < 0)
    return hr_error_set(err, errno, "terminal: set the pty master nonblocking");
  r->stdin_open = r->master_open = true;
  if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &r->saved) == 0) {
    struct termios t = r->saved;
    cfmakeraw(&t);
    r->raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
    /* without a terminal on stdin the pty keeps process.consoleSize */
    copy_winsize(master);
  }
  return 0;
}

void hr_pty_relay_pollfds(const struct hr_pty_relay *r, struct pollfd *pm,
                          struct pollfd *pin) {
  pm->fd = r->master_open ? r->master : -1;
  pm->events = (short)(POLLIN | (r->in_len ? POLLOUT : 0));
  pm->revents = 0;
  /* one buffer of stdin at a time: a pty that takes no input stops the
   * reading instead of growing a queue */
  pin->fd = r->stdin_open && r->in_len == 0 ? STDIN_FILENO : -1;
  pin->events = POLLIN;
  pin->revents = 0;
}

void hr_pty_relay_events(struct hr_pty_relay *r, const struct pollfd *pm,
                         const struct pollfd *pin) {
  char buf[4096];
  if (r->master < 0)
    return;
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

void hr_pty_relay_winch(const struct hr_pty_relay *r) {
  if (r->master >= 0)
    copy_winsize(r->master);
}

/* Everything the process wrote before it exited is in the master's
 * buffer (a read flushes the pty's pending work first): read until it is
 * empty (EAGAIN) or the slave is closed everywhere (EIO). */
void hr_pty_relay_drain(struct hr_pty_relay *r) {
  char buf[4096];
  if (r->master < 0)
    return;
  for (;;) {
    ssize_t n = read(r->master, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0 || write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
      break;
  }
  r->master_open = false;
}

void hr_pty_relay_stop(struct hr_pty_relay *r) {
  if (r->raw)
    tcsetattr(STDIN_FILENO, TCSANOW, &r->saved);
  r->raw = false;
}

int hr_pty_recv_master(int sock, int *fd, hr_error_t *err) {
  char name[128];
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof(u));
  struct iovec iov = {.iov_base = name, .iov_len = sizeof(name)};
  struct msghdr msg = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = u.buf,
                       .msg_controllen = sizeof(u.buf)};
  ssize_t n;
  do
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return hr_error_set(err, errno, "terminal: receive the pty master");
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
      c->cmsg_len != CMSG_LEN(sizeof(int)))
    return hr_error_set(err, EIO, "terminal: no pty master received");
  memcpy(fd, CMSG_DATA(c), sizeof(int));
  return 0;
}
