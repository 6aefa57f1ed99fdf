/* Terminal: a forked child sets up a pty through the real code path and
 * sends the master over a socketpair, as the init does to the console
 * socket; the parent checks what a console-socket listener receives. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/terminal.h"
#include "unit.h"

/* Receive one fd and the payload that came with it. */
static int recv_fd(int sock, char *payload, size_t len) {
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct iovec iov = {.iov_base = payload, .iov_len = len - 1};
  struct msghdr msg = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = u.buf,
                       .msg_controllen = sizeof(u.buf)};
  ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0)
    return -1;
  payload[n] = 0;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_type != SCM_RIGHTS)
    return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(fd));
  return fd;
}

TEST(terminal_master_sent_over_console_socket) {
  int sv[2], report[2], go[2];
  CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  CHECK_INT(pipe2(report, O_CLOEXEC), 0);
  CHECK_INT(pipe2(go, O_CLOEXEC), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    close(report[0]);
    close(go[1]);
    struct hr_process p = {
        .terminal = true, .console_height = 24, .console_width = 80};
    hr_error_t err = NULL;
    char *name = NULL;
    if (hr_terminal_setup_at("/dev/ptmx", sv[1], &p, &name, &err) < 0) {
      dprintf(report[1], "error: %s", hr_error_msg(err));
      _exit(0);
    }
    /* stdio is the slave now, and it is our controlling terminal */
    const char *tty = ttyname(0);
    dprintf(report[1], "%s %d %d %d %d",
            tty && strcmp(tty, name) == 0 ? "tty" : "notty", isatty(1),
            isatty(2), tcgetsid(0) == getsid(0),
            (fcntl(0, F_GETFD) & FD_CLOEXEC) == 0);
    close(report[1]);
    if (write(1, "hello\n", 6) != 6)
      _exit(1);
    char b;
    (void)!read(go[0], &b, 1); /* keep the slave open until the parent read */
    _exit(0);
  }
  close(sv[1]);
  close(report[1]);
  close(go[0]);

  char payload[128];
  _cleanup_close_ int master = recv_fd(sv[0], payload, sizeof(payload));
  CHECK(master >= 0);
  unsigned ptn = 999;
  CHECK_INT(ioctl(master, TIOCGPTN, &ptn), 0);
  CHECK(isatty(master));
  char want[64];
  snprintf(want, sizeof(want), "/dev/pts/%u", ptn);
  CHECK_STR(payload, want);
  struct winsize ws = {0};
  CHECK_INT(ioctl(master, TIOCGWINSZ, &ws), 0);
  CHECK_INT(ws.ws_row, 24);
  CHECK_INT(ws.ws_col, 80);

  char rep[256] = {0};
  ssize_t n = 0, k;
  while ((k = read(report[0], rep + n, sizeof(rep) - 1 - (size_t)n)) > 0)
    n += k;
  CHECK_STR(rep, "tty 1 1 1 1");

  char out[64] = {0};
  struct pollfd pfd = {.fd = master, .events = POLLIN};
  CHECK_INT(poll(&pfd, 1, 5000), 1);
  CHECK(read(master, out, sizeof(out) - 1) > 0);
  CHECK_CONTAINS(out, "hello");

  close(go[1]);
  int st;
  waitpid(pid, &st, 0);
  CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  close(sv[0]);
  close(report[0]);
}

TEST(console_socket_connect) {
  _cleanup_free_ char *dir = unit_tmpdir();
  char path[512];
  snprintf(path, sizeof(path), "%s/console.sock", dir);
  _cleanup_close_ int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path)) {
    CHECK(!"temp dir path too long for a unix socket");
    return;
  }
  memcpy(addr.sun_path, path, strlen(path) + 1);
  CHECK_INT(bind(l, (struct sockaddr *)&addr, sizeof(addr)), 0);
  CHECK_INT(listen(l, 1), 0);

  hr_error_t err = NULL;
  int fd = -1;
  CHECK_INT(hr_console_socket_connect(path, &fd, &err), 0);
  CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC));
  _cleanup_close_ int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  CHECK(a >= 0);
  if (fd >= 0)
    close(fd);
  unlink(path);

  _cleanup_error_ hr_error_t e2 = NULL;
  CHECK_INT(hr_console_socket_connect(path, &fd, &e2), -1);
  CHECK_CONTAINS(hr_error_msg(e2), "console socket ");
  CHECK_CONTAINS(hr_error_msg(e2), ": connect: No such file or directory");
  rmdir(dir);

  char longp[200];
  memset(longp, 'a', sizeof(longp) - 1);
  longp[sizeof(longp) - 1] = 0;
  _cleanup_error_ hr_error_t e3 = NULL;
  CHECK_INT(hr_console_socket_connect(longp, &fd, &e3), -1);
  CHECK_CONTAINS(hr_error_msg(e3), "File name too long");
}
