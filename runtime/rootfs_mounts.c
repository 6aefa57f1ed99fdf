/* The config's mounts, each resolved inside the rootfs and mounted through
 * /proc/self/fd/N of the resolved destination. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/resolve.h"
#include "hrun/rootfs.h"
#include "hrun/test_hooks.h"

#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

const char *hr_fd_path(int fd, char *buf, size_t size) {
  snprintf(buf, size, "/proc/self/fd/%d", fd);
  return buf;
}

int hr_rootfs_check_procfs(hr_error_t *err) {
  _cleanup_close_ int fd =
      open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
  struct statfs sf;
  if (fd < 0 || fstatfs(fd, &sf) < 0)
    return hr_error_set(err, errno, "open /proc/self/fd");
  if (sf.f_type != PROC_SUPER_MAGIC)
    return hr_error_set(err, 0, "/proc/self/fd is not on procfs");
  return 0;
}

unsigned long hr_mount_flags_from_statvfs(unsigned long f_flag) {
  static const struct {
    unsigned long st, ms;
  } map[] = {
      {ST_RDONLY, MS_RDONLY},
      {ST_NOSUID, MS_NOSUID},
      {ST_NODEV, MS_NODEV},
      {ST_NOEXEC, MS_NOEXEC},
      {ST_SYNCHRONOUS, MS_SYNCHRONOUS},
      {ST_MANDLOCK, MS_MANDLOCK},
      {ST_NOATIME, MS_NOATIME},
      {ST_NODIRATIME, MS_NODIRATIME},
      {ST_RELATIME, MS_RELATIME},
      {ST_NOSYMFOLLOW, MS_NOSYMFOLLOW},
  };
  unsigned long ms = 0;
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (f_flag & map[i].st)
      ms |= map[i].ms;
  return ms;
}

unsigned long hr_mount_remount_flags(unsigned long want, unsigned long cleared,
                                     unsigned long cur) {
  const unsigned long lockable = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  const unsigned long atime =
      MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;
  unsigned long f = want & ~(MS_BIND | MS_REC | MS_REMOUNT);
  /* Like mount(8): what was not asked to change keeps its current value,
   * which is also what the kernel insists on for locked flags. */
  f |= cur & lockable & ~cleared;
  if (!(want & atime) && !(cleared & atime))
    f |= cur & (MS_NOATIME | MS_NODIRATIME | MS_RELATIME);
  return f | MS_REMOUNT | MS_BIND;
}

/* The files lxcfs and similar tools bind over procfs ones (runc's list). */
static const char *const proc_allowed[] = {
    "/proc/cpuinfo",
    "/proc/diskstats",
    "/proc/meminfo",
    "/proc/stat",
    "/proc/swaps",
    "/proc/uptime",
    "/proc/loadavg",
    "/proc/slabinfo",
    "/proc/pressure/cpu",
    "/proc/pressure/io",
    "/proc/pressure/memory",
    "/proc/net/dev",
    "/proc/sys/kernel/ns_last_pid",
};

static bool proc_name_allowed(const char *dest) {
  for (size_t i = 0; i < sizeof(proc_allowed) / sizeof(proc_allowed[0]); i++)
    if (strcmp(dest, proc_allowed[i]) == 0)
      return true;
  return false;
}

bool hr_rootfs_proc_dest_allowed(const char *dest, const char *type,
                                 bool source_is_procfs) {
  if (strncmp(dest, "/proc", 5) != 0 || (dest[5] != '\0' && dest[5] != '/'))
    return true;
  if (strcmp(dest, "/proc") == 0)
    return (type && strcmp(type, "proc") == 0) || source_is_procfs;
  return proc_name_allowed(dest) || source_is_procfs;
}

struct mnt_ident {
  uint64_t id;
  bool known, is_root;
};

static void mount_ident(int fd, struct mnt_ident *m) {
  struct statx stx;
  m->known = m->is_root = false;
  if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
            STATX_MNT_ID | STATX_BASIC_STATS, &stx) < 0)
    return;
  if (stx.stx_mask & STATX_MNT_ID) {
    m->known = true;
    m->id = stx.stx_mnt_id;
  }
  if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
    m->is_root = (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0;
  else
    m->is_root = true; /* unknown: do not refuse */
}

int hr_rootfs_reopen_mounted(int rootfd, const char *path, int oldfd,
                             int rflags, hr_error_t *err) {
  /* An fd opened before a mount still names the covered directory (and a
   * /proc/self/fd path jumps there too): find the new mount by path, and
   * check it is a different mount than before, so a component swapped in the
   * meantime is noticed. */
  int fd = hr_resolve_open(rootfd, path, O_PATH, rflags, err);
  if (fd < 0)
    return -1;
  struct mnt_ident before, after;
  mount_ident(oldfd, &before);
  mount_ident(fd, &after);
  if (before.known && after.known &&
      (before.id == after.id || !after.is_root)) {
    close(fd);
    return hr_error_set(err, 0, "\"%s\" changed while being mounted", path);
  }
  return fd;
}

static int fd_fs_type(int fd, long *type) {
  struct statfs sf;
  if (fstatfs(fd, &sf) < 0)
    return -1;
  *type = (long)sf.f_type;
  return 0;
}

/* Common context for one config mount. */
struct mctx {
  const struct hr_mount *m;
  size_t i;
  int rootfd;
};

__attribute__((format(printf, 4, 5))) static int
fail(const struct mctx *x, hr_error_t *err, int errnum, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  return hr_error_set(err, errnum, "mounts[%zu]: %s", x->i, msg);
}

/* The destination may already be on procfs only where a procfs file may be
 * covered on purpose. */
static int check_dest_fs(const struct mctx *x, int dfd, bool src_procfs,
                         hr_error_t *err) {
  long t;
  if (fd_fs_type(dfd, &t) < 0)
    return fail(x, err, errno, "statfs destination \"%s\"", x->m->destination);
  if (t == PROC_SUPER_MAGIC && !src_procfs &&
      !proc_name_allowed(x->m->destination))
    return fail(x, err, 0,
                "destination \"%s\" resolves into procfs, which cannot be "
                "mounted over",
                x->m->destination);
  return 0;
}

static int apply_propagation(const struct mctx *x, int fd, hr_error_t *err) {
  if (!x->m->propagation)
    return 0;
  char p[32];
  if (mount(NULL, hr_fd_path(fd, p, sizeof(p)), NULL, x->m->propagation, NULL) <
      0)
    return fail(x, err, errno, "set propagation of \"%s\"", x->m->destination);
  return 0;
}

/* Bind SRC (a host path) onto the destination, then apply the options with
 * a remount and the propagation with a separate call. */
static int do_bind(const struct mctx *x, const char *src, bool recursive,
                   hr_error_t *err) {
  const struct hr_mount *m = x->m;
  _cleanup_close_ int sfd = open(src, O_PATH | O_CLOEXEC);
  struct stat ss;
  long stype;
  if (sfd < 0 || fstat(sfd, &ss) < 0 || fd_fs_type(sfd, &stype) < 0)
    return fail(x, err, errno, "bind source \"%s\"", src);
  bool src_procfs = stype == PROC_SUPER_MAGIC;
  if (!hr_rootfs_proc_dest_allowed(m->destination, NULL, src_procfs))
    return fail(x, err, 0,
                "\"%s\" cannot be mounted because it is inside /proc",
                m->destination);
  if (src_procfs && strcmp(m->destination, "/proc") == 0 && ss.st_ino != 1)
    return fail(x, err, 0,
                "bind source for \"%s\" is not the root of a procfs mount",
                m->destination);
  int rflags = S_ISDIR(ss.st_mode) ? HR_RESOLVE_MKDIR : HR_RESOLVE_MKFILE;
  _cleanup_error_ hr_error_t rerr = NULL;
  _cleanup_close_ int dfd =
      hr_resolve_open(x->rootfd, m->destination, O_PATH, rflags, &rerr);
  if (dfd < 0) {
    hr_error_set(err, hr_error_errno(rerr), "mounts[%zu]: destination: %s",
                 x->i, hr_error_msg(rerr));
    return -1;
  }
  if (check_dest_fs(x, dfd, src_procfs, err) < 0)
    return -1;
  HR_TEST_PAUSE("mount-dest-resolved", m->destination);
  char sp[32], dp[32];
  unsigned long bflags = MS_BIND | (recursive ? MS_REC : 0);
  if (mount(hr_fd_path(sfd, sp, sizeof(sp)), hr_fd_path(dfd, dp, sizeof(dp)),
            NULL, bflags, NULL) < 0) {
    return fail(x, err, errno, "mount \"%s\" on \"%s\"", src, m->destination);
  }
  _cleanup_close_ int nfd =
      hr_rootfs_reopen_mounted(x->rootfd, m->destination, dfd, 0, err);
  if (nfd < 0)
    return hr_error_wrap(err, "mounts[%zu]", x->i);
  unsigned long opts = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
  if (opts || m->clear_flags) {
    struct statvfs sv;
    if (fstatvfs(nfd, &sv) < 0)
      return fail(x, err, errno, "statvfs \"%s\"", m->destination);
    unsigned long f = hr_mount_remount_flags(
        m->flags, m->clear_flags, hr_mount_flags_from_statvfs(sv.f_flag));
    if (mount(NULL, hr_fd_path(nfd, dp, sizeof(dp)), NULL, f, NULL) < 0)
      return fail(x, err, errno, "remount \"%s\" with its options",
                  m->destination);
  }
  return apply_propagation(x, nfd, err);
}

/* The cgroup the init is in, from /proc/self/cgroup ("0::/path"). */
static int own_cgroup2_path(char *buf, size_t size) {
  _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
  if (!f)
    return -1;
  char line[4096];
  while (fgets(line, sizeof(line), f)) {
    if (strncmp(line, "0::", 3) != 0)
      continue;
    line[strcspn(line, "\n")] = '\0';
    snprintf(buf, size, "/sys/fs/cgroup%s", line + 3);
    return 0;
  }
  errno = ENOENT;
  return -1;
}

int hr_rootfs_mount_entry(const struct hr_config *c, size_t i, int rootfd,
                          hr_error_t *err) {
  const struct hr_mount *m = &c->mounts[i];
  struct mctx x = {.m = m, .i = i, .rootfd = rootfd};
  if (m->bind) {
    if (!m->source || !*m->source)
      return fail(&x, err, 0, "bind mount on \"%s\" needs a source",
                  m->destination);
    return do_bind(&x, m->source, m->recursive, err);
  }
  if (!m->type)
    return fail(&x, err, 0, "mount on \"%s\" needs a type", m->destination);
  /* cgroup v1 is not supported: "cgroup" gets the unified hierarchy. */
  const char *type = strcmp(m->type, "cgroup") == 0 ? "cgroup2" : m->type;
  bool is_proc = strcmp(type, "proc") == 0;
  bool is_sysfs = strcmp(type, "sysfs") == 0;
  if (!hr_rootfs_proc_dest_allowed(m->destination, type, false))
    return fail(&x, err, 0,
                "\"%s\" cannot be mounted because it is inside /proc",
                m->destination);

  /* proc and sysfs only on a real directory (CVE-2019-19921: a /proc that
   * is a symlink would put the mount somewhere else). */
  int rflags = HR_RESOLVE_MKDIR;
  if (is_proc || is_sysfs)
    rflags |= HR_RESOLVE_NOFOLLOW;
  _cleanup_error_ hr_error_t rerr = NULL;
  _cleanup_close_ int dfd =
      hr_resolve_open(rootfd, m->destination, O_PATH, rflags, &rerr);
  if (dfd < 0) {
    hr_error_set(err, hr_error_errno(rerr), "mounts[%zu]: destination: %s", i,
                 hr_error_msg(rerr));
    return -1;
  }
  struct stat ds;
  if (fstat(dfd, &ds) < 0)
    return fail(&x, err, errno, "stat destination \"%s\"", m->destination);
  if ((is_proc || is_sysfs) && !S_ISDIR(ds.st_mode)) {
    return fail(&x, err, 0,
                "filesystem \"%s\" must be mounted on an ordinary directory: "
                "\"%s\" is not one",
                type, m->destination);
  }
  if (check_dest_fs(&x, dfd, false, err) < 0)
    return -1;
  HR_TEST_PAUSE("mount-dest-resolved", m->destination);

  char dp[32];
  const char *source = m->source && *m->source ? m->source : type;
  unsigned long flags = m->flags & ~(MS_BIND | MS_REC);
  if (mount(source, hr_fd_path(dfd, dp, sizeof(dp)), type, flags, m->data) <
      0) {
    int e = errno;
    /* Without a network namespace of its own (or owning one), a user
     * namespace may not mount sysfs: bind the host's, like runc's rootless
     * spec. The same for cgroup2 without a cgroup namespace: bind the
     * container's own cgroup. */
    if (is_sysfs && e == EPERM)
      return do_bind(&x, "/sys", true, err);
    if (strcmp(type, "cgroup2") == 0 && (e == EPERM || e == EBUSY)) {
      char cg[4200];
      if (own_cgroup2_path(cg, sizeof(cg)) == 0)
        return do_bind(&x, cg, true, err);
    }
    return fail(&x, err, e, "mount \"%s\" on \"%s\"", type, m->destination);
  }

  _cleanup_close_ int nfd = hr_rootfs_reopen_mounted(
      rootfd, m->destination, dfd,
      (is_proc || is_sysfs) ? HR_RESOLVE_NOFOLLOW : 0, err);
  if (nfd < 0)
    return hr_error_wrap(err, "mounts[%zu]", i);
  long t;
  if (fd_fs_type(nfd, &t) < 0)
    return fail(&x, err, errno, "statfs \"%s\"", m->destination);
  if ((is_proc && t != PROC_SUPER_MAGIC) || (is_sysfs && t != SYSFS_MAGIC))
    return fail(&x, err, 0, "\"%s\" is not the filesystem just mounted",
                m->destination);
  return apply_propagation(&x, nfd, err);
}
