/* process.terminal with --console-socket: the pty is created inside the
 * container (its devpts instance), the master goes to the caller over the
 * socket, the slave becomes the init's controlling terminal and stdio. */
#include "hrun/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "hrun/cleanup.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int hr_console_socket_connect(const char *path, int *fd, hr_error_t *err) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path))
    return hr_error_set(err, ENAMETOOLONG, "console socket %s", path);
  strcpy(addr.sun_path, path);
  _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0)
    return hr_error_set(err, errno, "console socket %s: socket", path);
  int r;
  do
    r = connect(s, (struct sockaddr *)&addr, sizeof(addr));
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return hr_error_set(err, errno, "console socket %s: connect", path);
  *fd = hr_steal_fd(s);
  return 0;
}

static int send_fd(int sock, int fd, const char *payload, hr_error_t *err) {
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof(u));
  struct iovec iov = {.iov_base = (void *)payload, .iov_len = strlen(payload)};
  struct msghdr msg = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = u.buf,
                       .msg_controllen = sizeof(u.buf)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  ssize_t n;
  do
    n = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return hr_error_set(err, errno, "terminal: send the pty master");
  if ((size_t)n != iov.iov_len)
    return hr_error_set(err, EIO, "terminal: send the pty master");
  return 0;
}

static int open_slave(int master, const char *name, hr_error_t *err) {
  /* TIOCGPTPEER (Linux 4.13) opens the peer of this very master, without
   * a path lookup another process could race. */
  int fd = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd >= 0)
    return fd;
  if (errno != EINVAL && errno != ENOTTY)
    return hr_error_set(err, errno, "terminal: open the pty slave");
  fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return hr_error_set(err, errno, "terminal: open %s", name);
  return fd;
}

int hr_terminal_setup_at(const char *ptmx, int console_sock,
                         const struct hr_process *p, char **pts_name,
                         hr_error_t *err) {
  _cleanup_close_ int master = open(ptmx, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return hr_error_set(err, errno, "terminal: open %s", ptmx);
  if (unlockpt(master) < 0)
    return hr_error_set(err, errno, "terminal: unlockpt");
  char name[64];
  int r = ptsname_r(master, name, sizeof(name));
  if (r != 0)
    return hr_error_set(err, r, "terminal: ptsname");
  _cleanup_close_ int slave = open_slave(master, name, err);
  if (slave < 0)
    return -1;

  if (p && (p->console_height || p->console_width)) {
    struct winsize ws = {.ws_row = (unsigned short)p->console_height,
                         .ws_col = (unsigned short)p->console_width};
    if (ioctl(master, TIOCSWINSZ, &ws) < 0)
      return hr_error_set(err, errno, "terminal: set the window size");
  }

  if (send_fd(console_sock, master, name, err) < 0)
    return -1;
  close(hr_steal_fd(master));

  /* runc's init is already a session leader (setsid in nsexec); only an
   * EPERM from a process that leads its own session is fine. */
  if (setsid() < 0 && !(errno == EPERM && getsid(0) == getpid()))
    return hr_error_set(err, errno, "terminal: setsid");
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return hr_error_set(err, errno, "terminal: ioctl TIOCSCTTY");
  for (int i = 0; i <= 2; i++) {
    /* dup2 onto itself would keep O_CLOEXEC: clear it by hand then. */
    int r2 = slave == i ? fcntl(i, F_SETFD, 0) : dup2(slave, i);
    if (r2 < 0)
      return hr_error_set(err, errno, "terminal: dup2 the pty slave to %d", i);
  }
  if (slave <= 2)
    hr_steal_fd(slave); /* it is one of the stdio fds now */
  if (pts_name && !(*pts_name = strdup(name)))
    return hr_error_set(err, ENOMEM, "terminal");
  return 0;
}

int hr_terminal_setup(int console_sock, const struct hr_process *p,
                      hr_error_t *err) {
  return hr_terminal_setup_at("/dev/ptmx", console_sock, p, NULL, err);
}
