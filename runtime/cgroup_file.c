/* Reading and writing cgroup interface files relative to a cgroup dirfd. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"

int hr_cgroup_write_raw(int dirfd, const char *file, const char *value) {
  /* O_TRUNC is accepted (and ignored) by cgroupfs; on a plain directory
   * tree it makes the file hold exactly the last value written. */
  _cleanup_close_ int fd =
      openat(dirfd, file, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return -errno;
  size_t len = strlen(value);
  ssize_t n;
  do
    n = write(fd, value, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return -errno;
  if ((size_t)n != len)
    return -EIO;
  return 0;
}

int hr_cgroup_write_error(hr_error_t *err, int errnum, const char *file,
                          const char *value) {
  return hr_error_set(err, errnum, "cgroup: write \"%s\" to %s", value, file);
}

int hr_cgroup_write(int dirfd, const char *file, const char *value,
                    hr_error_t *err) {
  int rc = hr_cgroup_write_raw(dirfd, file, value);
  if (rc < 0)
    return hr_cgroup_write_error(err, -rc, file, value);
  return 0;
}

int hr_cgroup_read(int dirfd, const char *file, char **out, hr_error_t *err) {
  *out = NULL;
  _cleanup_close_ int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return hr_error_set(err, errno, "cgroup: read %s", file);
  size_t cap = 4096, len = 0;
  _cleanup_free_ char *buf = malloc(cap);
  if (!buf)
    return hr_error_set(err, ENOMEM, "cgroup: read %s", file);
  for (;;) {
    if (len + 1 >= cap) {
      /* cgroup.procs of a big cgroup can be long; cap at 64 MiB. */
      if (cap >= (64u << 20))
        return hr_error_set(err, EFBIG, "cgroup: read %s", file);
      char *nb = realloc(buf, cap * 2);
      if (!nb)
        return hr_error_set(err, ENOMEM, "cgroup: read %s", file);
      buf = nb;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + len, cap - len - 1);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return hr_error_set(err, errno, "cgroup: read %s", file);
    }
    if (n == 0)
      break;
    len += (size_t)n;
  }
  buf[len] = '\0';
  *out = hr_steal_ptr(buf);
  return 0;
}

int hr_cgroup_read_optional(int dirfd, const char *file, char **out,
                            hr_error_t *err) {
  hr_error_t e = NULL;
  if (hr_cgroup_read(dirfd, file, out, &e) == 0)
    return 1;
  int en = hr_error_errno(e);
  if (en == ENOENT || en == ENODEV || en == EOPNOTSUPP) {
    hr_error_free(&e);
    return 0;
  }
  if (err && !*err)
    *err = e;
  else
    hr_error_free(&e);
  return -1;
}

int hr_cgroup_read_key(int dirfd, const char *file, const char *key,
                       int64_t *value, hr_error_t *err) {
  _cleanup_free_ char *buf = NULL;
  if (hr_cgroup_read(dirfd, file, &buf, err) < 0)
    return -1;
  size_t klen = strlen(key);
  for (char *line = buf; line && *line;) {
    char *nl = strchr(line, '\n');
    if (nl)
      *nl = '\0';
    if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
      char *end;
      errno = 0;
      long long v = strtoll(line + klen + 1, &end, 10);
      if (errno || end == line + klen + 1)
        return hr_error_set(err, 0, "cgroup: %s: bad value for %s", file, key);
      *value = v;
      return 1;
    }
    line = nl ? nl + 1 : NULL;
  }
  return 0;
}

bool hr_cgroup_list_has(const char *list, const char *word) {
  size_t wl = strlen(word);
  for (const char *p = list; *p;) {
    p += strspn(p, " \t\n");
    size_t l = strcspn(p, " \t\n");
    if (l == wl && strncmp(p, word, wl) == 0)
      return true;
    p += l;
  }
  return false;
}
