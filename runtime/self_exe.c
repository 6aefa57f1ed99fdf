#include "hrun/self_exe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"

extern char **environ;

#define REQUIRED_SEALS                                                         \
  (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

bool hr_self_exe_is_sealed(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS;
}

static bool needs_protection(const char *cmd) {
  return !strcmp(cmd, "create") || !strcmp(cmd, "run") || !strcmp(cmd, "exec");
}

int hr_self_exe_protect(const char *cmd, char **argv, hr_error_t *err) {
  if (!needs_protection(cmd))
    return 0;
  _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return hr_error_set(err, errno, "open /proc/self/exe");
  if (hr_self_exe_is_sealed(self))
    return 0;
  struct stat st;
  if (fstat(self, &st) < 0)
    return hr_error_set(err, errno, "stat /proc/self/exe");
  _cleanup_close_ int mfd =
      memfd_create("hrun", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return hr_error_set(err, errno, "memfd_create");
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = sendfile(mfd, self, NULL, (size_t)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return hr_error_set(err, n < 0 ? errno : EIO, "copy /proc/self/exe");
    left -= n;
  }
  if (fcntl(mfd, F_ADD_SEALS, REQUIRED_SEALS) < 0)
    return hr_error_set(err, errno, "seal the hrun copy");
  fexecve(mfd, argv, environ);
  return hr_error_set(err, errno, "re-exec from the sealed copy");
}
