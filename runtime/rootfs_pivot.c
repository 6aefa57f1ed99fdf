/* hr_rootfs_pivot: make the prepared rootfs "/". */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/rootfs.h"

static int do_pivot(const char *rootfs, hr_error_t *err) {
  _cleanup_close_ int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (oldroot < 0)
    return hr_error_set(err, errno, "open \"/\"");
  _cleanup_close_ int newroot = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (newroot < 0)
    return hr_error_set(err, errno, "open rootfs \"%s\"", rootfs);
  if (fchdir(newroot) < 0)
    return hr_error_set(err, errno, "chdir to rootfs \"%s\"", rootfs);
  /* pivot_root(".", ".") stacks the old root on top of the new one, so no
   * directory for it is needed inside the rootfs. */
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return hr_error_set(err, errno, "pivot_root \"%s\"", rootfs);
  if (fchdir(oldroot) < 0)
    return hr_error_set(err, errno, "chdir to the old root");
  /* The unmount must not propagate anywhere. */
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
    return hr_error_set(err, errno, "make the old root rslave");
  if (umount2(".", MNT_DETACH) < 0)
    return hr_error_set(err, errno, "unmount the old root");
  if (chdir("/") < 0)
    return hr_error_set(err, errno, "chdir \"/\"");
  return 0;
}

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' &&
        r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
      *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
      r += 3;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
}

static bool under(const char *path, const char *dir) {
  size_t n = strlen(dir);
  return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* With chroot the host's mounts stay in the namespace, and a full procfs or
 * sysfs mount among them would let the container mount its own procfs or
 * sysfs with fewer masks. Like runc's msMoveRoot: detach those outside the
 * rootfs, or cover them with a tmpfs when that is not allowed. mountinfo is
 * read once. */
static int hide_host_pseudo_fs(const char *rootfs, hr_error_t *err) {
  _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f)
    return hr_error_set(err, errno, "open /proc/self/mountinfo");
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    /* id parent maj:min root mountpoint opts [optional...] - fstype src ... */
    char *fields[5] = {0}, *save = NULL, *tok = strtok_r(line, " ", &save);
    int n = 0;
    while (tok && n < 5) {
      fields[n++] = tok;
      tok = strtok_r(NULL, " ", &save);
    }
    while (tok && strcmp(tok, "-") != 0)
      tok = strtok_r(NULL, " ", &save);
    char *fstype = tok ? strtok_r(NULL, " ", &save) : NULL;
    if (n < 5 || !fstype)
      continue;
    if (strcmp(fields[3], "/") != 0 ||
        (strcmp(fstype, "proc") != 0 && strcmp(fstype, "sysfs") != 0))
      continue;
    char *mp = fields[4];
    unescape(mp);
    if (under(mp, rootfs) || strcmp(mp, "/") == 0)
      continue;
    if (mount(NULL, mp, NULL, MS_SLAVE | MS_REC, NULL) < 0) {
      if (errno == ENOENT) /* a parent was detached already */
        continue;
      return hr_error_set(err, errno, "--no-pivot: make \"%s\" rslave", mp);
    }
    if (umount2(mp, MNT_DETACH) < 0) {
      if (errno != EINVAL && errno != EPERM)
        return hr_error_set(err, errno, "--no-pivot: unmount \"%s\"", mp);
      if (mount("tmpfs", mp, "tmpfs", 0, NULL) < 0)
        return hr_error_set(err, errno, "--no-pivot: cover \"%s\"", mp);
    }
  }
  return 0;
}

static int move_root(const char *rootfs, hr_error_t *err) {
  if (hide_host_pseudo_fs(rootfs, err) < 0)
    return -1;
  if (chdir(rootfs) < 0)
    return hr_error_set(err, errno, "chdir to rootfs \"%s\"", rootfs);
  if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
    return hr_error_set(err, errno, "move rootfs \"%s\" onto \"/\"", rootfs);
  if (chroot(".") < 0)
    return hr_error_set(err, errno, "chroot to rootfs \"%s\"", rootfs);
  if (chdir("/") < 0)
    return hr_error_set(err, errno, "chdir \"/\"");
  return 0;
}

int hr_rootfs_pivot(const char *rootfs, bool no_pivot, hr_error_t *err) {
  return no_pivot ? move_root(rootfs, err) : do_pivot(rootfs, err);
}
