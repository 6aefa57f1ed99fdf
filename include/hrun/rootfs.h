/* The container's filesystem: mount propagation, the config's mounts,
 * /dev, pivot_root, masked and read-only paths. Called by the container init,
 * already in its own mount namespace and root in its user namespace:
 *   hr_rootfs_prepare -> (createContainer hooks) -> hr_rootfs_pivot ->
 *   hr_rootfs_finalize.
 * Every mount destination is resolved inside the rootfs (hrun/resolve.h) and
 * mounted through /proc/self/fd/N of the resolved fd, so symlinks and
 * swapped path components cannot redirect a mount outside it. */
#ifndef HRUN_ROOTFS_H
#define HRUN_ROOTFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "hrun/config.h"
#include "hrun/error.h"

/* Set the propagation of "/" (rslave, or linux.rootfsPropagation), make the
 * rootfs' parent mount private, bind-mount the rootfs onto itself, perform
 * the config's mounts in order, then (unless /dev is a bind mount) create the
 * default devices, /dev symlinks and linux.devices. ROOTFS is an absolute,
 * symlink-free path. */
int hr_rootfs_prepare(const struct hr_config *c, const char *rootfs,
                      hr_error_t *err);

/* Make ROOTFS "/": pivot_root(".", ".") and detach the old root, or with
 * NO_PIVOT move the rootfs mount onto "/" and chroot. Leaves cwd at "/". */
int hr_rootfs_pivot(const char *rootfs, bool no_pivot, hr_error_t *err);

/* After the pivot: linux.maskedPaths, linux.readonlyPaths, root.readonly,
 * then linux.rootfsPropagation on "/". */
int hr_rootfs_finalize(const struct hr_config *c, hr_error_t *err);

/* ---- building blocks shared by runtime/rootfs*.c, exposed for tests ---- */

/* MS_* flags from statvfs' f_flag (ST_RDONLY, ST_NOSUID, ...). */
unsigned long hr_mount_flags_from_statvfs(unsigned long f_flag);

/* The flags for the MS_REMOUNT|MS_BIND that applies a bind mount's options:
 * WANT (MS_* requested, MS_BIND/MS_REC ignored) plus, unless the config
 * cleared them explicitly (CLEARED), the flags the mount already has (CUR,
 * MS_* of the new bind mount) that the kernel locks in a user namespace:
 * nosuid, nodev, noexec, rdonly, and the atime flags when none is asked for.
 * Without them the remount fails with EPERM. */
unsigned long hr_mount_remount_flags(unsigned long want, unsigned long cleared,
                                     unsigned long cur);

/* Whether a mount at DEST (clean, absolute) is allowed with respect to
 * /proc: the proc filesystem itself at "/proc", the lxcfs-style files
 * (/proc/cpuinfo, /proc/meminfo, ...), or anything when the source is on
 * procfs; everything else under /proc is refused (it could hide or replace
 * the files masking and LSMs rely on). */
bool hr_rootfs_proc_dest_allowed(const char *dest, const char *type,
                                 bool source_is_procfs);

/* "/proc/self/fd/N" for FD into BUF (at least 32 bytes). */
const char *hr_fd_path(int fd, char *buf, size_t size);

/* After mounting on PATH (in-root) whose pre-mount fd is OLDFD: resolve it
 * again (RFLAGS as for hr_resolve_open) to reach the new mount and check it
 * is a new mount root, so a swapped component is noticed. Returns an O_PATH
 * fd. */
int hr_rootfs_reopen_mounted(int rootfd, const char *path, int oldfd,
                             int rflags, hr_error_t *err);

/* Fail unless /proc/self/fd is on procfs (what mount-by-fd relies on). */
int hr_rootfs_check_procfs(hr_error_t *err);

/* The default devices (/dev/null 1:3 ... /dev/tty 5:0), for tests. */
struct hr_default_device {
  const char *path;
  char type;
  unsigned major, minor;
};
extern const struct hr_default_device hr_default_devices[];
extern const size_t hr_n_default_devices;

/* Create device D inside ROOTFD (resolved in-root; parents created): mknod,
 * or when *USE_BIND (set on the first EPERM, as in a user namespace) a bind
 * mount of the same node from the host's /dev. An existing node with the
 * right type and numbers is kept; a symlink or plain file there is replaced;
 * anything else is refused. The result is verified with fstat. */
int hr_rootfs_create_device(int rootfd, const struct hr_device *d,
                            bool *use_bind, hr_error_t *err);

/* The default devices, the /dev symlinks and ptmx, and linux.devices. */
int hr_rootfs_setup_dev(const struct hr_config *c, int rootfd, hr_error_t *err);

/* Perform c->mounts[i] inside ROOTFD. */
int hr_rootfs_mount_entry(const struct hr_config *c, size_t i, int rootfd,
                          hr_error_t *err);

#endif
