#include "hrun/pid_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "hrun/cleanup.h"

int hr_pid_file_write(const char *path, pid_t pid, hr_error_t *err) {
  _cleanup_free_ char *tmp = NULL;
  if (asprintf(&tmp, "%s.hrun-tmp", path) < 0)
    return hr_error_set(err, ENOMEM, "--pid-file");
  _cleanup_close_ int fd =
      open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return hr_error_set(err, errno, "--pid-file: open %s", tmp);
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%d", pid);
  if (write(fd, buf, (size_t)n) != n || rename(tmp, path) < 0) {
    int e = errno;
    unlink(tmp);
    return hr_error_set(err, e, "--pid-file: write %s", path);
  }
  return 0;
}
