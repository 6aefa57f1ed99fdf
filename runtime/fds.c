/* The last steps before execve: no fd of ours may leak into the container
 * process, and its cwd must be inside the container (CVE-2024-21626). */
#include "hrun/fds.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cleanup.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static bool is_kept(int fd, const int *keep, size_t n_keep) {
  for (size_t i = 0; i < n_keep; i++)
    if (keep[i] == fd)
      return true;
  return false;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static int set_cloexec(int fd) {
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0)
    return errno == EBADF ? 0 : -1; /* closed meanwhile: nothing to leak */
  if (flags & FD_CLOEXEC)
    return 0;
  return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

int hr_fds_cloexec_from_procfs(int first, const int *keep, size_t n_keep,
                               hr_error_t *err) {
  _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
  if (!d)
    return hr_error_set(err, errno, "open /proc/self/fd");
  int self = dirfd(d);
  struct dirent *de;
  while ((errno = 0, de = readdir(d))) {
    char *end;
    long fd = strtol(de->d_name, &end, 10);
    if (de->d_name[0] == '.' || *end || fd < first || fd > INT_MAX ||
        fd == self || is_kept((int)fd, keep, n_keep))
      continue;
    if (set_cloexec((int)fd) < 0)
      return hr_error_set(err, errno, "mark fd %ld close-on-exec", fd);
  }
  if (errno)
    return hr_error_set(err, errno, "read /proc/self/fd");
  return 0;
}

static int close_range_cloexec(unsigned lo, unsigned hi) {
  return (int)syscall(SYS_close_range, lo, hi, CLOSE_RANGE_CLOEXEC);
}

int hr_fds_close_from(int first, const int *keep, size_t n_keep,
                      hr_error_t *err) {
  if (first < 0)
    first = 0;
  _cleanup_free_ int *sorted = NULL;
  if (n_keep > 0) {
    sorted = malloc(n_keep * sizeof(*sorted));
    if (!sorted)
      return hr_error_set(err, errno, "mark fds close-on-exec");
    memcpy(sorted, keep, n_keep * sizeof(*sorted));
    qsort(sorted, n_keep, sizeof(*sorted), cmp_int);
  }
  /* close_range over the gaps between the kept fds. */
  unsigned lo = (unsigned)first;
  for (size_t i = 0; i < n_keep; i++) {
    if (sorted[i] < first || (unsigned)sorted[i] < lo)
      continue; /* below the range, or a duplicate */
    if ((unsigned)sorted[i] > lo &&
        close_range_cloexec(lo, (unsigned)sorted[i] - 1) < 0)
      goto fail;
    lo = (unsigned)sorted[i] + 1;
  }
  if (close_range_cloexec(lo, ~0U) < 0)
    goto fail;
  return 0;
fail:
  if (errno == ENOSYS || errno == EINVAL) /* before Linux 5.11 */
    return hr_fds_cloexec_from_procfs(first, keep, n_keep, err);
  return hr_error_set(err, errno, "close_range");
}

int hr_cwd_check_inside_root(hr_error_t *err) {
  /* The raw syscall, not getcwd(3): glibc turns "(unreachable)/x" into
   * ENOENT and loses the path we want to show. */
  char buf[PATH_MAX + 1];
  long n = syscall(SYS_getcwd, buf, sizeof(buf) - 1);
  if (n < 0) {
    if (errno == ENOENT)
      return hr_error_set(err, 0,
                          "process.cwd: the working directory has been "
                          "removed or is outside the container root");
    return hr_error_set(err, errno, "process.cwd: getcwd");
  }
  buf[n > 0 ? n - 1 : 0] = 0; /* n counts the NUL */
  buf[sizeof(buf) - 1] = 0;
  if (buf[0] != '/')
    return hr_error_set(
        err, 0, "process.cwd: \"%s\" is outside the container root", buf);
  return 0;
}
