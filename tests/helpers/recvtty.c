/* Test helper: listen on a unix socket as a --console-socket, receive the
 * pty master that hrun sends, print the payload and copy what the
 * container writes to the terminal to stdout until it closes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: recvtty SOCKET\n");
    return 2;
  }
  int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
  unlink(argv[1]);
  if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
      listen(ls, 1) < 0) {
    perror("recvtty: listen");
    return 1;
  }
  /* tell the test we are ready */
  printf("ready\n");
  fflush(stdout);
  int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0) {
    perror("recvtty: accept");
    return 1;
  }
  char payload[256] = {0};
  char ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {payload, sizeof(payload) - 1};
  struct msghdr msg = {.msg_iov = &iov,
                       .msg_iovlen = 1,
                       .msg_control = ctl,
                       .msg_controllen = sizeof(ctl)};
  ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  if (n <= 0 || !cm || cm->cmsg_type != SCM_RIGHTS) {
    fprintf(stderr, "recvtty: no fd received\n");
    return 1;
  }
  int master;
  memcpy(&master, CMSG_DATA(cm), sizeof(int));
  printf("payload=%s\n", payload);
  printf("master-is-tty=%d\n", isatty(master));
  fflush(stdout);
  char buf[4096];
  for (;;) {
    ssize_t r = read(master, buf, sizeof(buf));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) /* EIO once the last slave fd closes */
      break;
    fwrite(buf, 1, (size_t)r, stdout);
    fflush(stdout);
  }
  return 0;
}
