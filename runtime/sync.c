#include "hrun/sync.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "hrun/cleanup.h"
#include "hrun/container.h"

int hr_sync_socketpair(int fds[2], hr_error_t *err) {
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return hr_error_set(err, errno, "sync socketpair");
  return 0;
}

int hr_sync_send(int fd, char type, const void *payload, size_t len,
                 hr_error_t *err) {
  struct iovec iov[2] = {{&type, 1}, {(void *)payload, len}};
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = payload ? 2 : 1};
  for (;;) {
    if (sendmsg(fd, &msg, MSG_NOSIGNAL) >= 0)
      return 0;
    if (errno != EINTR)
      return hr_error_set(err, errno, "sync send");
  }
}

void hr_sync_send_error(int fd, int code, hr_error_t e) {
  const char *m = hr_error_msg(e);
  size_t mlen = strlen(m);
  if (mlen > 4096)
    mlen = 4096;
  char buf[8 + 4096];
  int32_t c = code, en = hr_error_errno(e);
  memcpy(buf, &c, 4);
  memcpy(buf + 4, &en, 4);
  memcpy(buf + 8, m, mlen);
  hr_sync_send(fd, HR_SYNC_ERROR, buf, 8 + mlen, NULL);
}

int hr_sync_decode_error(const char *payload, size_t len, int *code,
                         hr_error_t *err) {
  int32_t c = 1, en = 0;
  if (len >= 8) {
    memcpy(&c, payload, 4);
    memcpy(&en, payload + 4, 4);
  }
  if (code)
    *code = c;
  const char *m = len > 8 ? payload + 8 : "container init failed";
  hr_error_set(err, 0, "%s", m);
  if (*err)
    (*err)->errnum = en;
  return -1;
}

int hr_sync_recv(int fd, char *type, char **payload, size_t *len,
                 hr_error_t *err) {
  _cleanup_free_ char *buf = malloc(HR_SYNC_MAX_PAYLOAD + 2);
  if (!buf)
    return hr_error_set(err, ENOMEM, "sync receive");
  ssize_t n;
  do
    n = recv(fd, buf, HR_SYNC_MAX_PAYLOAD + 1, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return hr_error_set(err, errno, "sync receive");
  if (n == 0) {
    *type = 0;
    if (payload)
      *payload = NULL;
    return 0;
  }
  *type = buf[0];
  size_t plen = (size_t)n - 1;
  if (len)
    *len = plen;
  if (payload) {
    memmove(buf, buf + 1, plen);
    buf[plen] = 0;
    *payload = hr_steal_ptr(buf);
  }
  return 0;
}

int hr_sync_expect(int fd, char type, char **payload, hr_error_t *err) {
  char got;
  size_t len = 0;
  _cleanup_free_ char *data = NULL;
  if (hr_sync_recv(fd, &got, &data, &len, err) < 0)
    return -1;
  if (got == HR_SYNC_ERROR)
    return hr_sync_decode_error(data, len, NULL, err);
  if (got != type)
    return hr_error_set(err, 0, "sync: expected '%c', got '%c'", type,
                        got ? got : '0');
  if (payload)
    *payload = hr_steal_ptr(data);
  return 0;
}
