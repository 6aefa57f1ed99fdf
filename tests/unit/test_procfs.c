/* hr_procfs_open on the host's /proc (reads only). The mount-over case
 * needs a mount namespace: integration/tests/41-escapes.sh. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/procfs.h"
#include "unit.h"

TEST(procfs_open_plain_file) {
  _cleanup_error_ hr_error_t err = NULL;
  _cleanup_close_ int fd = hr_procfs_open("self/status", O_RDONLY, &err);
  CHECK(fd >= 0);
  char c;
  CHECK_INT(read(fd, &c, 1), 1);
  CHECK_INT(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
}

TEST(procfs_open_stays_beneath_proc) {
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_procfs_open("sys/../../etc/hostname", O_RDONLY, &err), -1);
  CHECK_STR(hr_error_msg(err),
            "open /proc/sys/../../etc/hostname: the path crosses a mount or "
            "leaves /proc; refusing to write through it");
  CHECK_INT(hr_error_errno(err), EXDEV);
}

TEST(procfs_open_follows_no_magic_link) {
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_procfs_open("self/fd/0", O_RDONLY, &err), -1);
  CHECK_INT(hr_error_errno(err), ELOOP);
  CHECK_CONTAINS(hr_error_msg(err), "open /proc/self/fd/0: ");
}
