/* /dev: default devices, linux.devices, the /dev symlinks and ptmx. Nodes
 * are made with mknod, or (in a user namespace, where mknod is refused)
 * bind-mounted from the host's /dev like runc, and checked with fstat. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/resolve.h"
#include "hrun/rootfs.h"

const struct hr_default_device hr_default_devices[] = {
    {"/dev/null", 'c', 1, 3},    {"/dev/zero", 'c', 1, 5},
    {"/dev/full", 'c', 1, 7},    {"/dev/random", 'c', 1, 8},
    {"/dev/urandom", 'c', 1, 9}, {"/dev/tty", 'c', 5, 0},
};
const size_t hr_n_default_devices =
    sizeof(hr_default_devices) / sizeof(hr_default_devices[0]);

static mode_t device_fmt(char type) {
  switch (type) {
  case 'c':
  case 'u':
    return S_IFCHR;
  case 'b':
    return S_IFBLK;
  case 'p':
    return S_IFIFO;
  default:
    return 0;
  }
}

/* ST is the node D wants: same type and (for c/b) the same numbers. */
static bool node_matches(const struct stat *st, mode_t fmt, dev_t dev) {
  if ((st->st_mode & S_IFMT) != fmt)
    return false;
  return fmt == S_IFIFO || st->st_rdev == dev;
}

static int bind_host_node(int pfd, const char *name, const char *path,
                          mode_t fmt, dev_t dev, hr_error_t *err) {
  /* The host's node of the same path, checked to be what it claims. */
  _cleanup_close_ int hfd = open(path, O_PATH | O_CLOEXEC);
  struct stat hs;
  if (hfd < 0 || fstat(hfd, &hs) < 0)
    return hr_error_set(err, errno, "device \"%s\": open the host's node",
                        path);
  if (!node_matches(&hs, fmt, dev))
    return hr_error_set(err, 0, "device \"%s\": the host's node is not %u:%u",
                        path, major(dev), minor(dev));
  int tfd = openat(pfd, name,
                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (tfd < 0)
    return hr_error_set(err, errno, "device \"%s\": create a bind target",
                        path);
  close(tfd);
  _cleanup_close_ int dfd = openat(pfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat ds;
  if (dfd < 0 || fstat(dfd, &ds) < 0)
    return hr_error_set(err, errno, "device \"%s\"", path);
  if (!S_ISREG(ds.st_mode))
    return hr_error_set(err, 0, "device \"%s\": bind target was replaced",
                        path);
  char sp[32], dp[32];
  if (mount(hr_fd_path(hfd, sp, sizeof(sp)), hr_fd_path(dfd, dp, sizeof(dp)),
            NULL, MS_BIND, NULL) < 0)
    return hr_error_set(err, errno, "device \"%s\": bind-mount the host's node",
                        path);
  return 0;
}

int hr_rootfs_create_device(int rootfd, const struct hr_device *d,
                            bool *use_bind, hr_error_t *err) {
  mode_t fmt = device_fmt(d->type);
  if (!fmt)
    return hr_error_set(err, 0, "device \"%s\": unknown type '%c'", d->path,
                        d->type);
  dev_t dev =
      fmt == S_IFIFO ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);
  _cleanup_free_ char *dir_buf = strdup(d->path);
  _cleanup_free_ char *base_buf = strdup(d->path);
  if (!dir_buf || !base_buf)
    return hr_error_set(err, ENOMEM, "device \"%s\"", d->path);
  const char *dir = dirname(dir_buf), *name = basename(base_buf);
  if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
      strcmp(name, "/") == 0)
    return hr_error_set(err, 0, "device \"%s\": invalid path", d->path);

  /* The parent is resolved in the root: a /dev symlink is followed only
   * within it. */
  _cleanup_error_ hr_error_t rerr = NULL;
  _cleanup_close_ int pfd = hr_resolve_open(rootfd, dir, O_PATH | O_DIRECTORY,
                                            HR_RESOLVE_MKDIR, &rerr);
  if (pfd < 0)
    return hr_error_set(err, hr_error_errno(rerr), "device \"%s\": %s", d->path,
                        hr_error_msg(rerr));

  /* What is there already: the right node is kept, a symlink or a file (an
   * image's /dev/null -> /proc/... trick) is removed, anything else is
   * refused. */
  struct stat st;
  if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    if (node_matches(&st, fmt, dev))
      return 0;
    if (!S_ISLNK(st.st_mode) && !S_ISREG(st.st_mode))
      return hr_error_set(err, 0,
                          "device \"%s\": exists and is not the requested node",
                          d->path);
    if (unlinkat(pfd, name, 0) < 0)
      return hr_error_set(err, errno, "device \"%s\": remove what is there",
                          d->path);
  } else if (errno != ENOENT) {
    return hr_error_set(err, errno, "device \"%s\"", d->path);
  }

  mode_t perm = (mode_t)(d->file_mode.set ? d->file_mode.v : 0666) & 07777;
  if (!*use_bind || fmt == S_IFIFO) {
    /* umask would strip the requested mode; the init is single-threaded. */
    mode_t old = umask(0);
    int r = mknodat(pfd, name, fmt | perm, dev);
    int e = errno;
    umask(old);
    if (r < 0 && e == EPERM && fmt != S_IFIFO) {
      *use_bind = true;
    } else if (r < 0) {
      return hr_error_set(err, e, "mknod device \"%s\"", d->path);
    } else {
      uid_t uid = d->uid.set ? (uid_t)d->uid.v : 0;
      gid_t gid = d->gid.set ? (gid_t)d->gid.v : 0;
      if (fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return hr_error_set(err, errno, "chown device \"%s\"", d->path);
    }
  }
  if (*use_bind && fmt != S_IFIFO &&
      bind_host_node(pfd, name, d->path, fmt, dev, err) < 0)
    return -1;

  /* Whatever path was taken, the name must now be the requested node. */
  if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return hr_error_set(err, errno, "device \"%s\"", d->path);
  if (!node_matches(&st, fmt, dev))
    return hr_error_set(err, 0, "device \"%s\": is not %c %u:%u after creation",
                        d->path, d->type, major(dev), minor(dev));
  return 0;
}

static bool config_has_device(const struct hr_config *c, const char *path) {
  for (size_t i = 0; i < c->linux.n_devices; i++)
    if (strcmp(c->linux.devices[i].path, path) == 0)
      return true;
  return false;
}

int hr_rootfs_setup_dev(const struct hr_config *c, int rootfd,
                        hr_error_t *err) {
  bool use_bind = false;
  for (size_t i = 0; i < hr_n_default_devices; i++) {
    const struct hr_default_device *dd = &hr_default_devices[i];
    if (config_has_device(c, dd->path))
      continue;
    char path[64];
    snprintf(path, sizeof(path), "%s", dd->path);
    struct hr_device d = {
        .path = path, .type = dd->type, .major = dd->major, .minor = dd->minor};
    if (hr_rootfs_create_device(rootfd, &d, &use_bind, err) < 0)
      return -1;
  }
  for (size_t i = 0; i < c->linux.n_devices; i++)
    if (hr_rootfs_create_device(rootfd, &c->linux.devices[i], &use_bind, err) <
        0)
      return hr_error_wrap(err, "linux.devices[%zu]", i);

  _cleanup_error_ hr_error_t rerr = NULL;
  _cleanup_close_ int devfd = hr_resolve_open(
      rootfd, "/dev", O_PATH | O_DIRECTORY, HR_RESOLVE_MKDIR, &rerr);
  if (devfd < 0)
    return hr_error_set(err, hr_error_errno(rerr), "/dev: %s",
                        hr_error_msg(rerr));
  static const struct {
    const char *target, *name;
  } links[] = {{"/proc/self/fd", "fd"},
               {"/proc/self/fd/0", "stdin"},
               {"/proc/self/fd/1", "stdout"},
               {"/proc/self/fd/2", "stderr"},
               {"/proc/kcore", "core"}};
  for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
    /* runc adds /dev/core only when the kernel has /proc/kcore. */
    if (strcmp(links[i].name, "core") == 0 && access("/proc/kcore", F_OK) < 0)
      continue;
    if (symlinkat(links[i].target, devfd, links[i].name) < 0 && errno != EEXIST)
      return hr_error_set(err, errno, "symlink /dev/%s", links[i].name);
  }
  /* /dev/ptmx points into the devpts instance the config mounts. */
  if (unlinkat(devfd, "ptmx", 0) < 0 && errno != ENOENT)
    return hr_error_set(err, errno, "remove /dev/ptmx");
  if (symlinkat("pts/ptmx", devfd, "ptmx") < 0)
    return hr_error_set(err, errno, "symlink /dev/ptmx");
  return 0;
}
