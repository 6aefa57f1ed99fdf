/* hr_rootfs_prepare: propagation, the rootfs bind, the mounts, /dev. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/rootfs.h"

/* pivot_root refuses a new root whose parent mount is shared, and a bind of
 * the rootfs onto itself under a shared mount would propagate out: make the
 * mount containing the rootfs' parent directory private (runc's
 * rootfsParentMountPrivate). Found by walking up to a mount root, no
 * mountinfo needed. */
static int parent_mount_private(const char *rootfs, hr_error_t *err) {
  _cleanup_close_ int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return hr_error_set(err, errno, "open rootfs \"%s\"", rootfs);
  for (int depth = 0; depth < 4096; depth++) {
    int up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (up < 0)
      return hr_error_set(err, errno, "open parent of rootfs \"%s\"", rootfs);
    close(fd);
    fd = up;
    struct statx stx;
    if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) < 0)
      return hr_error_set(err, errno, "statx parent of rootfs \"%s\"", rootfs);
    if (!(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT))
      return hr_error_set(err, ENOSYS, "find the mount of rootfs \"%s\"",
                          rootfs);
    if (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) {
      char p[32];
      if (mount(NULL, hr_fd_path(fd, p, sizeof(p)), NULL, MS_PRIVATE, NULL) < 0)
        return hr_error_set(err, errno,
                            "make the parent mount of rootfs \"%s\" private",
                            rootfs);
      return 0;
    }
  }
  return hr_error_set(err, ELOOP, "find the mount of rootfs \"%s\"", rootfs);
}

/* runc's needsSetupDev: /dev is left alone when the config binds it. */
static bool dev_is_bind(const struct hr_config *c) {
  for (size_t i = 0; i < c->n_mounts; i++)
    if (c->mounts[i].bind && strcmp(c->mounts[i].destination, "/dev") == 0)
      return true;
  return false;
}

int hr_rootfs_prepare(const struct hr_config *c, const char *rootfs,
                      hr_error_t *err) {
  /* Everything below mounts by /proc/self/fd/N: that must be the real
   * procfs (the host's, at this point). */
  if (hr_rootfs_check_procfs(err) < 0)
    return -1;
  unsigned long prop = c->linux.rootfs_propagation ? c->linux.rootfs_propagation
                                                   : (MS_SLAVE | MS_REC);
  if (mount(NULL, "/", NULL, prop, NULL) < 0)
    return hr_error_set(err, errno, "set the propagation of \"/\"");
  if (parent_mount_private(rootfs, err) < 0)
    return -1;

  char p[32];
  {
    _cleanup_close_ int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return hr_error_set(err, errno, "open rootfs \"%s\"", rootfs);
    hr_fd_path(fd, p, sizeof(p));
    if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
      return hr_error_set(err, errno, "bind-mount rootfs \"%s\" onto itself",
                          rootfs);
  }
  /* Opened after the bind: the root of the new mount, the base of every
   * in-root resolution from here on. */
  _cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return hr_error_set(err, errno, "open rootfs \"%s\"", rootfs);

  for (size_t i = 0; i < c->n_mounts; i++)
    if (hr_rootfs_mount_entry(c, i, rootfd, err) < 0)
      return -1;
  if (!dev_is_bind(c) && hr_rootfs_setup_dev(c, rootfd, err) < 0)
    return -1;
  return 0;
}
