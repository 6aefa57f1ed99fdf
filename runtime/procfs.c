#include "hrun/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/test_hooks.h"
#include "openat2_compat.h"

static bool on_procfs(int fd) {
  struct statfs sf;
  return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

int hr_procfs_open(const char *rel, int flags, hr_error_t *err) {
  _cleanup_close_ int proc =
      open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (proc < 0)
    return hr_error_set(err, errno, "open /proc");
  if (!on_procfs(proc))
    return hr_error_set(err, 0, "open /proc/%s: /proc is not procfs", rel);
  HR_TEST_PAUSE("procfs-open", rel);
  struct open_how how = {
      .flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
      .resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
  };
  int fd = (int)syscall(SYS_openat2, proc, rel, &how, sizeof(how));
  if (fd < 0 && errno == ENOSYS) /* before Linux 5.6: procfs check only */
    fd = openat(proc, rel, flags | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == EXDEV)
    return hr_error_set_errno(err, EXDEV,
                              "open /proc/%s: the path crosses a mount or "
                              "leaves /proc; refusing to write through it",
                              rel);
  if (fd < 0)
    return hr_error_set(err, errno, "open /proc/%s", rel);
  if (!on_procfs(fd)) {
    close(fd);
    return hr_error_set(err, 0, "open /proc/%s: not a procfs file", rel);
  }
  return fd;
}
