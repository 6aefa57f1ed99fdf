/* hr_fds_close_from and hr_cwd_check_inside_root, in forked children so
 * the runner's own fds and root stay as they are. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/fds.h"
#include "unit.h"

static const int probe[] = {0, 1, 2, 3, 4, 5, 6, 7, 40, 1000};
#define N_PROBE (sizeof(probe) / sizeof(probe[0]))

/* fds 3..7, 40 and 1000 open without O_CLOEXEC; report each fd's
 * FD_CLOEXEC after the call as a string of 'x' (cloexec), '-' or 'c'
 * (closed). */
static void cloexec_child(int report, void *arg) {
  bool procfs = *(bool *)arg;
  /* the report pipe must not be one of the probed fds */
  int r = fcntl(report, F_DUPFD_CLOEXEC, 2000);
  for (size_t i = 3; i < N_PROBE; i++) {
    int fd = open("/dev/null", O_RDONLY);
    if (fd != probe[i] && (dup2(fd, probe[i]) < 0 || close(fd) < 0)) {
      dprintf(r, "setup: %s", strerror(errno));
      return;
    }
  }
  const int keep[] = {5, 40, 40};
  hr_error_t err = NULL;
  int rc = procfs ? hr_fds_cloexec_from_procfs(3, keep, 3, &err)
                  : hr_fds_close_from(3, keep, 3, &err);
  if (rc < 0) {
    dprintf(r, "error: %s", hr_error_msg(err));
    return;
  }
  for (size_t i = 0; i < N_PROBE; i++) {
    int fl = fcntl(probe[i], F_GETFD);
    dprintf(r, "%c", fl < 0 ? 'c' : (fl & FD_CLOEXEC) ? 'x' : '-');
  }
}

TEST(fds_close_from_marks_cloexec_except_kept) {
  bool procfs = false;
  _cleanup_free_ char *out = unit_in_child(cloexec_child, &procfs);
  /* 0 1 2 3 4 5 6 7 40 1000 */
  CHECK_STR(out, "---xx-xx-x");
}

TEST(fds_procfs_fallback) {
  bool procfs = true;
  _cleanup_free_ char *out = unit_in_child(cloexec_child, &procfs);
  CHECK_STR(out, "---xx-xx-x");
}

static void cwd_child(int fd, void *arg) {
  const char *root = arg;
  /* A directory fd from outside the new root, as a leaked fd would be. */
  int outside = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  hr_error_t err = NULL;
  if (outside < 0 || chroot(root) < 0 || chdir("/") < 0) {
    dprintf(fd, "setup: %s", strerror(errno));
    return;
  }
  if (hr_cwd_check_inside_root(&err) < 0) {
    dprintf(fd, "inside: %s\n", hr_error_msg(err));
    return;
  }
  dprintf(fd, "inside ok\n");
  if (fchdir(outside) < 0) {
    dprintf(fd, "fchdir: %s", strerror(errno));
    return;
  }
  if (hr_cwd_check_inside_root(&err) < 0)
    dprintf(fd, "outside: %s\n", hr_error_msg(err));
  else
    dprintf(fd, "outside ok\n");
}

TEST(cwd_outside_root_detected) {
  if (geteuid() != 0) {
    fprintf(stderr, "  skipped: needs root for chroot\n");
    return;
  }
  _cleanup_free_ char *root = unit_tmpdir();
  _cleanup_free_ char *out = unit_in_child(cwd_child, root);
  CHECK_STR(out, "inside ok\n"
                 "outside: process.cwd: \"(unreachable)/\" is outside the "
                 "container root\n");
  rmdir(root);
}
