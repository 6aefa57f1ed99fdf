/* runAsUser: find a user in the container image's /etc/passwd. The image
 * is untrusted: the file is resolved inside the rootfs (a symlink to the
 * host's /etc/passwd stays in the image), must be a regular file (never a
 * device or fifo opened as root), and is read with a size cap. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/profile.h"
#include "hrun/resolve.h"

#define PASSWD_MAX (1u << 20)

static int read_passwd(const char *rootfs, char **out, hr_error_t *err) {
  *out = NULL;
  _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return hr_error_set(err, errno, "open rootfs %s", rootfs);
  _cleanup_error_ hr_error_t rerr = NULL;
  _cleanup_close_ int pfd =
      hr_resolve_open(rootfd, "/etc/passwd", O_PATH, 0, &rerr);
  if (pfd < 0) {
    if (hr_error_errno(rerr) == ENOENT || hr_error_errno(rerr) == ENOTDIR)
      return 0;
    *err = hr_steal_ptr(rerr);
    return hr_error_wrap(err, "%s", rootfs);
  }
  struct stat st;
  if (fstat(pfd, &st) < 0)
    return hr_error_set(err, errno, "stat %s/etc/passwd", rootfs);
  if (!S_ISREG(st.st_mode))
    return hr_error_set(err, 0, "%s/etc/passwd: not a regular file", rootfs);
  if (st.st_size > (off_t)PASSWD_MAX)
    return hr_error_set(err, 0, "%s/etc/passwd: larger than %u bytes", rootfs,
                        PASSWD_MAX);
  /* reopen the checked inode for reading through its O_PATH fd */
  char proc[64];
  snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
  _cleanup_close_ int fd = open(proc, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return hr_error_set(err, errno, "open %s/etc/passwd", rootfs);
  _cleanup_free_ char *buf = malloc(PASSWD_MAX + 1);
  if (!buf)
    return hr_error_set(err, ENOMEM, "read %s/etc/passwd", rootfs);
  size_t len = 0;
  while (len < PASSWD_MAX) {
    ssize_t n = read(fd, buf + len, PASSWD_MAX - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return hr_error_set(err, errno, "read %s/etc/passwd", rootfs);
    if (n == 0)
      break;
    len += (size_t)n;
  }
  buf[len] = '\0';
  *out = hr_steal_ptr(buf);
  return 1;
}

static bool parse_id(const char *s, size_t n, uint32_t *out) {
  if (n == 0 || n > 10)
    return false;
  unsigned long long v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (unsigned)(s[i] - '0');
  }
  if (v > UINT32_MAX - 1) /* (uid_t)-1 is "no user" */
    return false;
  *out = (uint32_t)v;
  return true;
}

/* "name:password:uid:gid:gecos:home:shell" */
static bool match_line(const char *line, size_t len, const char *name,
                       uint32_t *uid, uint32_t *gid) {
  const char *f[4];
  size_t fl[4];
  const char *p = line, *end = line + len;
  for (int i = 0; i < 4; i++) {
    const char *c = memchr(p, ':', (size_t)(end - p));
    f[i] = p;
    fl[i] = (size_t)((c ? c : end) - p);
    if (!c && i < 3)
      return false;
    p = c ? c + 1 : end;
  }
  if (fl[0] != strlen(name) || memcmp(f[0], name, fl[0]) != 0)
    return false;
  return parse_id(f[2], fl[2], uid) && parse_id(f[3], fl[3], gid);
}

int hr_profile_lookup_user(const char *rootfs, const char *name, uint32_t *uid,
                           uint32_t *gid, hr_error_t *err) {
  _cleanup_free_ char *text = NULL;
  int r = read_passwd(rootfs, &text, err);
  if (r <= 0)
    return r;
  for (const char *l = text; *l;) {
    const char *nl = strchrnul(l, '\n');
    if (match_line(l, (size_t)(nl - l), name, uid, gid))
      return 1;
    l = *nl ? nl + 1 : nl;
  }
  return 0;
}
