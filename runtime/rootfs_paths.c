/* hr_rootfs_finalize: maskedPaths, readonlyPaths, root.readonly and the
 * root propagation, after the pivot ("/" is the container's root). */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/resolve.h"
#include "hrun/rootfs.h"

/* Open PATH in the root; *fd = -1 when it does not exist (nothing to do).
 * Before the first mount by fd, check that /proc is the container's procfs
 * (prepare mounted and verified it; without one, nothing can be mounted
 * safely, but nothing needs to be when no listed path exists). */
static int open_existing(int rootfd, const char *path, int *fd, bool *procfs_ok,
                         hr_error_t *err) {
  _cleanup_error_ hr_error_t rerr = NULL;
  *fd = hr_resolve_open(rootfd, path, O_PATH, 0, &rerr);
  if (*fd < 0 && hr_error_errno(rerr) == ENOENT)
    return 0;
  if (*fd < 0)
    return hr_error_set(err, hr_error_errno(rerr), "%s", hr_error_msg(rerr));
  if (!*procfs_ok) {
    if (hr_rootfs_check_procfs(err) < 0) {
      close(*fd);
      *fd = -1;
      return hr_error_wrap(err, "\"%s\"", path);
    }
    *procfs_ok = true;
  }
  return 0;
}

/* The container's /dev/null, which masks files: it must be the null device
 * (an image could ship /dev/null as a link to a procfs file, and binding that
 * over a masked path would unmask or expose it). */
static int open_null(int rootfd, hr_error_t *err) {
  _cleanup_error_ hr_error_t rerr = NULL;
  int fd =
      hr_resolve_open(rootfd, "/dev/null", O_PATH, HR_RESOLVE_NOFOLLOW, &rerr);
  if (fd < 0)
    return hr_error_set(err, hr_error_errno(rerr), "%s", hr_error_msg(rerr));
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) ||
      st.st_rdev != makedev(1, 3)) {
    close(fd);
    return hr_error_set(err, 0, "/dev/null is not the null device (c 1:3)");
  }
  return fd;
}

static int mask_paths(const struct hr_config *c, int rootfd, bool *procfs_ok,
                      hr_error_t *err) {
  _cleanup_close_ int nullfd = -1;
  for (size_t i = 0; i < c->linux.n_masked_paths; i++) {
    const char *path = c->linux.masked_paths[i];
    _cleanup_close_ int fd = -1;
    if (open_existing(rootfd, path, &fd, procfs_ok, err) < 0)
      return hr_error_wrap(err, "linux.maskedPaths[%zu]", i);
    if (fd < 0)
      continue;
    struct stat st;
    if (fstat(fd, &st) < 0)
      return hr_error_set(err, errno, "linux.maskedPaths[%zu]: stat \"%s\"", i,
                          path);
    char dp[32], sp[32];
    hr_fd_path(fd, dp, sizeof(dp));
    if (S_ISDIR(st.st_mode)) {
      if (mount("tmpfs", dp, "tmpfs",
                MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return hr_error_set(err, errno,
                            "linux.maskedPaths[%zu]: mount tmpfs on \"%s\"", i,
                            path);
      continue;
    }
    if (nullfd < 0 && (nullfd = open_null(rootfd, err)) < 0)
      return hr_error_wrap(err, "linux.maskedPaths[%zu]", i);
    if (mount(hr_fd_path(nullfd, sp, sizeof(sp)), dp, NULL, MS_BIND, NULL) < 0)
      return hr_error_set(err, errno,
                          "linux.maskedPaths[%zu]: bind /dev/null on \"%s\"", i,
                          path);
  }
  return 0;
}

static int readonly_paths(const struct hr_config *c, int rootfd,
                          bool *procfs_ok, hr_error_t *err) {
  for (size_t i = 0; i < c->linux.n_readonly_paths; i++) {
    const char *path = c->linux.readonly_paths[i];
    _cleanup_close_ int fd = -1;
    if (open_existing(rootfd, path, &fd, procfs_ok, err) < 0)
      return hr_error_wrap(err, "linux.readonlyPaths[%zu]", i);
    if (fd < 0)
      continue;
    char p[32];
    hr_fd_path(fd, p, sizeof(p));
    if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
      return hr_error_set(err, errno,
                          "linux.readonlyPaths[%zu]: bind \"%s\" onto itself",
                          i, path);
    _cleanup_close_ int nfd =
        hr_rootfs_reopen_mounted(rootfd, path, fd, 0, err);
    struct statvfs sv;
    if (nfd < 0)
      return hr_error_wrap(err, "linux.readonlyPaths[%zu]", i);
    if (fstatvfs(nfd, &sv) < 0)
      return hr_error_set(err, errno, "linux.readonlyPaths[%zu]: statvfs", i);
    unsigned long f =
        hr_mount_remount_flags(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, 0,
                               hr_mount_flags_from_statvfs(sv.f_flag));
    if (mount(NULL, hr_fd_path(nfd, p, sizeof(p)), NULL, f, NULL) < 0)
      return hr_error_set(err, errno,
                          "linux.readonlyPaths[%zu]: remount \"%s\" read-only",
                          i, path);
  }
  return 0;
}

int hr_rootfs_finalize(const struct hr_config *c, hr_error_t *err) {
  _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return hr_error_set(err, errno, "open \"/\"");
  bool procfs_ok = false;
  if (mask_paths(c, rootfd, &procfs_ok, err) < 0 ||
      readonly_paths(c, rootfd, &procfs_ok, err) < 0)
    return -1;
  if (c->root_readonly) {
    struct statvfs sv;
    if (fstatvfs(rootfd, &sv) < 0)
      return hr_error_set(err, errno, "root.readonly: statvfs \"/\"");
    unsigned long f = hr_mount_remount_flags(
        MS_RDONLY, 0, hr_mount_flags_from_statvfs(sv.f_flag));
    if (mount(NULL, "/", NULL, f, NULL) < 0)
      return hr_error_set(err, errno, "root.readonly: remount \"/\" read-only");
  }
  /* Only now, on the container's own root: applied before the pivot it
   * would have changed the host's mounts' peers. */
  if (c->linux.rootfs_propagation &&
      mount(NULL, "/", NULL, c->linux.rootfs_propagation, NULL) < 0)
    return hr_error_set(err, errno, "linux.rootfsPropagation: set on \"/\"");
  return 0;
}
