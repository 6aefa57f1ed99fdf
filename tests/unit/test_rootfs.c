/* rootfs: pure flag logic on the host; real mounts only in a forked child
 * in its own user+mount namespace (skipped when that is unavailable). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/resolve.h"
#include "hrun/rootfs.h"
#include "unit.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

TEST(rootfs_flags_from_statvfs) {
  CHECK_INT(hr_mount_flags_from_statvfs(0), 0);
  CHECK_INT(
      hr_mount_flags_from_statvfs(ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC),
      MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  CHECK_INT(hr_mount_flags_from_statvfs(ST_NOATIME | ST_NODIRATIME),
            MS_NOATIME | MS_NODIRATIME);
  CHECK_INT(hr_mount_flags_from_statvfs(ST_RELATIME | ST_SYNCHRONOUS),
            MS_RELATIME | MS_SYNCHRONOUS);
}

TEST(rootfs_remount_flags_keep_locked) {
  const unsigned long base = MS_REMOUNT | MS_BIND;
  /* Nothing on the source: exactly what was asked. */
  CHECK_INT(hr_mount_remount_flags(MS_BIND | MS_REC | MS_RDONLY, 0, 0),
            base | MS_RDONLY);
  /* Source nosuid,nodev,noexec (locked in a user namespace): kept. */
  CHECK_INT(hr_mount_remount_flags(MS_BIND | MS_RDONLY, 0,
                                   MS_NOSUID | MS_NODEV | MS_NOEXEC),
            base | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  /* A read-only source stays read-only unless "rw" was given. */
  CHECK_INT(hr_mount_remount_flags(MS_NOSUID, 0, MS_RDONLY),
            base | MS_NOSUID | MS_RDONLY);
  CHECK_INT(hr_mount_remount_flags(MS_NOSUID, MS_RDONLY, MS_RDONLY),
            base | MS_NOSUID);
  /* "suid" explicitly: not re-added (the kernel decides). */
  CHECK_INT(hr_mount_remount_flags(MS_RDONLY, MS_NOSUID, MS_NOSUID | MS_NODEV),
            base | MS_RDONLY | MS_NODEV);
  /* atime flags: the source's unless one is requested. */
  CHECK_INT(hr_mount_remount_flags(MS_RDONLY, 0, MS_NOATIME | MS_NODIRATIME),
            base | MS_RDONLY | MS_NOATIME | MS_NODIRATIME);
  CHECK_INT(hr_mount_remount_flags(MS_RDONLY, 0, MS_RELATIME),
            base | MS_RDONLY | MS_RELATIME);
  CHECK_INT(hr_mount_remount_flags(MS_STRICTATIME, 0, MS_NOATIME),
            base | MS_STRICTATIME);
  CHECK_INT(hr_mount_remount_flags(MS_RDONLY, MS_NOATIME, MS_NOATIME),
            base | MS_RDONLY);
  /* Flags that are not per-mount on the source are not copied. */
  CHECK_INT(hr_mount_remount_flags(MS_RDONLY, 0, MS_SYNCHRONOUS),
            base | MS_RDONLY);
}

TEST(rootfs_proc_destinations) {
  CHECK(hr_rootfs_proc_dest_allowed("/proc", "proc", false));
  CHECK(!hr_rootfs_proc_dest_allowed("/proc", "tmpfs", false));
  CHECK(!hr_rootfs_proc_dest_allowed("/proc", NULL, false));
  CHECK(hr_rootfs_proc_dest_allowed("/proc", NULL, true));
  CHECK(!hr_rootfs_proc_dest_allowed("/proc/sys", "tmpfs", false));
  CHECK(!hr_rootfs_proc_dest_allowed("/proc/self/attr", NULL, false));
  CHECK(hr_rootfs_proc_dest_allowed("/proc/cpuinfo", NULL, false));
  CHECK(
      hr_rootfs_proc_dest_allowed("/proc/sys/kernel/ns_last_pid", NULL, false));
  CHECK(hr_rootfs_proc_dest_allowed("/proc/sys/fs", NULL, true));
  CHECK(hr_rootfs_proc_dest_allowed("/procfoo", "tmpfs", false));
  CHECK(hr_rootfs_proc_dest_allowed("/sys", "sysfs", false));
  CHECK(hr_rootfs_proc_dest_allowed("/", NULL, false));
}

TEST(rootfs_default_devices) {
  CHECK_INT(hr_n_default_devices, 6);
  CHECK_STR(hr_default_devices[0].path, "/dev/null");
  CHECK_INT(hr_default_devices[0].major, 1);
  CHECK_INT(hr_default_devices[0].minor, 3);
  CHECK_STR(hr_default_devices[5].path, "/dev/tty");
  CHECK_INT(hr_default_devices[5].major, 5);
}

/* ---- in a throwaway user+mount namespace ---- */

static int child_failed;

__attribute__((format(printf, 3, 4))) static void
cfail(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "  %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  child_failed = 1;
}

#define CCHECK(cond)                                                           \
  do {                                                                         \
    if (!(cond))                                                               \
      cfail(__FILE__, __LINE__, "CCHECK(%s) errno=%s", #cond,                  \
            strerror(errno));                                                  \
  } while (0)

/* Call must succeed; print the error otherwise. */
#define COK(call)                                                              \
  do {                                                                         \
    hr_error_t _e = NULL;                                                      \
    if ((call) < 0) {                                                          \
      cfail(__FILE__, __LINE__, "%s: %s", #call, hr_error_msg(_e));            \
    }                                                                          \
    hr_error_free(&_e);                                                        \
  } while (0)

/* Call must fail with a message containing SUB. */
#define CFAIL(call, sub)                                                       \
  do {                                                                         \
    hr_error_t _e = NULL;                                                      \
    if ((call) == 0)                                                           \
      cfail(__FILE__, __LINE__, "%s succeeded", #call);                        \
    else if (!strstr(hr_error_msg(_e), sub))                                   \
      cfail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"",              \
            hr_error_msg(_e), sub);                                            \
    hr_error_free(&_e);                                                        \
  } while (0)

static int write_str(const char *path, const char *s) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = write(fd, s, strlen(s));
  close(fd);
  return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Enter a new user namespace (root mapped to our uid) and mount namespace,
 * and cut propagation first of all. Returns -1 when not possible. */
static int enter_userns(void) {
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
    return -1;
  char map[64];
  snprintf(map, sizeof(map), "0 %u 1", uid);
  if (write_str("/proc/self/setgroups", "deny") < 0 ||
      write_str("/proc/self/uid_map", map) < 0)
    return -1;
  snprintf(map, sizeof(map), "0 %u 1", gid);
  if (write_str("/proc/self/gid_map", map) < 0)
    return -1;
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return -1;
  return 0;
}

#define SKIP_STATUS 77

/* Run FN in a forked child inside a fresh user+mount namespace. When
 * PRE_LOCK is set, the child first (as real root, in a private mount
 * namespace of its own) mounts a nosuid,nodev,noexec tmpfs at PRE_LOCK, so
 * the user namespace inherits it with those flags locked. */
static void in_userns(void (*fn)(void *), void *arg, const char *pre_lock) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    CHECK(pid >= 0);
    return;
  }
  if (pid == 0) {
    if (pre_lock) {
      if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0)
        _exit(SKIP_STATUS);
      /* Private before anything else: nothing reaches the host. */
      if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
          mount("tmpfs", pre_lock, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                "size=64k") < 0)
        _exit(SKIP_STATUS);
    }
    if (enter_userns() < 0)
      _exit(SKIP_STATUS);
    child_failed = 0;
    fn(arg);
    fflush(NULL);
    _exit(child_failed ? 1 : 0);
  }
  int status = 0;
  CHECK(waitpid(pid, &status, 0) == pid);
  if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP_STATUS) {
    fprintf(stderr, "  (skipped: no user+mount namespace)\n");
    return;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    unit_fail(__FILE__, __LINE__, "child failed (status %d)", status);
}

/* A scratch bundle: BASE/rootfs plus host-side sources next to it. */
struct fx {
  char *base, *rootfs;
};

static char *join(const char *a, const char *b) {
  char *p = NULL;
  if (asprintf(&p, "%s/%s", a, b) < 0)
    abort();
  return p;
}

static void put(const struct fx *f, const char *rel, const char *content) {
  _cleanup_free_ char *p = join(f->base, rel);
  CHECK_INT(unit_write_file(p, content), 0);
}

static void dir(const struct fx *f, const char *rel) {
  _cleanup_free_ char *p = join(f->base, rel);
  CHECK_INT(mkdir(p, 0755), 0);
}

static struct fx fx_new(void) {
  struct fx f;
  f.base = unit_tmpdir();
  f.rootfs = join(f.base, "rootfs");
  dir(&f, "rootfs");
  dir(&f, "rootfs/etc");
  put(&f, "rootfs/etc/marker", "rootfs");
  dir(&f, "src");
  put(&f, "src/f", "src-file");
  put(&f, "srcfile", "single");
  dir(&f, "locked");
  return f;
}

static void fx_free(struct fx *f) {
  char cmd[4200];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->base);
  CHECK_INT(system(cmd), 0);
  free(f->base);
  free(f->rootfs);
}

static bool exists(const char *base, const char *rel) {
  struct stat st;
  _cleanup_free_ char *p = join(base, rel);
  return lstat(p, &st) == 0;
}

static long fs_type(const char *base, const char *rel) {
  struct statfs sf;
  _cleanup_free_ char *p = join(base, rel);
  return statfs(p, &sf) == 0 ? (long)sf.f_type : -1;
}

static unsigned long vfs_flags(const char *base, const char *rel) {
  struct statvfs sv;
  _cleanup_free_ char *p = join(base, rel);
  return statvfs(p, &sv) == 0 ? sv.f_flag : ~0UL;
}

/* Mounts are built by hand (the option parser is another module). */
struct mspec {
  const char *dest, *type, *source;
  unsigned long flags, clear, prop;
  bool bind, rec;
  const char *data;
};

static struct hr_mount *make_mounts(const struct mspec *s, size_t n) {
  struct hr_mount *m = calloc(n, sizeof(*m));
  for (size_t i = 0; i < n; i++) {
    m[i].destination = (char *)s[i].dest;
    m[i].type = (char *)s[i].type;
    m[i].source = (char *)s[i].source;
    m[i].flags =
        s[i].flags | (s[i].bind ? MS_BIND : 0) | (s[i].rec ? MS_REC : 0);
    m[i].clear_flags = s[i].clear;
    m[i].propagation = s[i].prop;
    m[i].bind = s[i].bind;
    m[i].recursive = s[i].rec;
    m[i].data = (char *)s[i].data;
  }
  return m;
}

static bool is_node(const char *base, const char *rel, mode_t fmt, unsigned maj,
                    unsigned min) {
  struct stat st;
  _cleanup_free_ char *p = join(base, rel);
  if (lstat(p, &st) < 0 || (st.st_mode & S_IFMT) != fmt)
    return false;
  return fmt == S_IFIFO || st.st_rdev == makedev(maj, min);
}

static bool link_is(const char *base, const char *rel, const char *target) {
  char buf[256];
  _cleanup_free_ char *p = join(base, rel);
  ssize_t n = readlink(p, buf, sizeof(buf) - 1);
  if (n < 0)
    return false;
  buf[n] = '\0';
  return strcmp(buf, target) == 0;
}

static void prepare_mounts_child(void *arg) {
  const struct fx *f = arg;
  _cleanup_free_ char *src = join(f->base, "src");
  _cleanup_free_ char *srcfile = join(f->base, "srcfile");
  _cleanup_free_ char *locked = join(f->base, "locked");
  const unsigned long nsnd = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  const struct mspec spec[] = {
      {"/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME, 0, 0, false, false,
       "mode=755,size=64k"},
      {"/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC, 0, 0, false,
       false, "newinstance,ptmxmode=0666,mode=0620"},
      {"/dev/shm", "tmpfs", "shm", nsnd, 0, 0, false, false, "size=64k"},
      {"/evil/x", "tmpfs", NULL, 0, 0, 0, false, false, NULL},
      {"/up/y/z", "tmpfs", NULL, 0, 0, 0, false, false, NULL},
      {"/data", "bind", src, MS_RDONLY | nsnd, 0, MS_PRIVATE, true, false,
       NULL},
      {"/etc/app/conf", "bind", srcfile, MS_RDONLY, 0, 0, true, false, NULL},
      {"/lk", NULL, locked, MS_RDONLY, 0, MS_SLAVE | MS_REC, true, true, NULL},
      {"/rw", NULL, src, 0, 0, 0, true, true, NULL},
  };
  size_t n = sizeof(spec) / sizeof(spec[0]);
  struct hr_device devs[] = {
      {.path = "/dev/myfifo",
       .type = 'p',
       .file_mode = {.set = true, .v = 0600}},
      {.path = "/dev/fuse", .type = 'c', .major = 10, .minor = 229},
  };
  struct hr_config c = {0};
  c.mounts = make_mounts(spec, n);
  c.n_mounts = n;
  c.linux.devices = devs;
  c.linux.n_devices = access("/dev/fuse", F_OK) == 0 ? 2 : 1;

  /* Symlinks that point out of the rootfs, for destinations. */
  _cleanup_free_ char *evil = join(f->rootfs, "evil");
  _cleanup_free_ char *up = join(f->rootfs, "up");
  CCHECK(symlink("/", evil) == 0);
  CCHECK(symlink("../../../..", up) == 0);

  COK(hr_rootfs_prepare(&c, f->rootfs, &_e));

  /* The symlinked destinations landed inside. */
  CCHECK(fs_type(f->rootfs, "x") == TMPFS_MAGIC);
  CCHECK(fs_type(f->rootfs, "y/z") == TMPFS_MAGIC);
  CCHECK(!exists(f->base, "x") && !exists(f->base, "y"));
  CCHECK(!exists("/", "x") || fs_type("/", "x") != TMPFS_MAGIC);
  /* Bind with options, read back from the mount. */
  unsigned long fl = vfs_flags(f->rootfs, "data");
  CCHECK((fl & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC)) ==
         (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC));
  _cleanup_free_ char *dataf = join(f->rootfs, "data/f");
  _cleanup_free_ char *content = unit_read_file(dataf);
  CCHECK(content && strcmp(content, "src-file") == 0);
  CCHECK(access(dataf, W_OK) < 0 && errno == EROFS);
  /* A file bind: a file was created as the target. */
  _cleanup_free_ char *conf = join(f->rootfs, "etc/app/conf");
  _cleanup_free_ char *cc = unit_read_file(conf);
  CCHECK(cc && strcmp(cc, "single") == 0);
  CCHECK(vfs_flags(f->rootfs, "etc/app/conf") & ST_RDONLY);
  /* "ro" on a source whose nosuid,nodev,noexec are locked: kept. */
  fl = vfs_flags(f->rootfs, "lk");
  CCHECK((fl & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC)) ==
         (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC));
  /* A bind without options keeps the source's flags. */
  CCHECK(!(vfs_flags(f->rootfs, "rw") & ST_RDONLY));
  /* /dev: tmpfs, default devices with the right numbers, symlinks. */
  CCHECK(fs_type(f->rootfs, "dev") == TMPFS_MAGIC);
  for (size_t i = 0; i < hr_n_default_devices; i++) {
    const struct hr_default_device *d = &hr_default_devices[i];
    if (!is_node(f->rootfs, d->path + 1, S_IFCHR, d->major, d->minor))
      cfail(__FILE__, __LINE__, "default device %s", d->path);
  }
  CCHECK(is_node(f->rootfs, "dev/myfifo", S_IFIFO, 0, 0));
  struct stat st;
  _cleanup_free_ char *fifo = join(f->rootfs, "dev/myfifo");
  CCHECK(stat(fifo, &st) == 0 && (st.st_mode & 07777) == 0600);
  if (c.linux.n_devices > 1)
    CCHECK(is_node(f->rootfs, "dev/fuse", S_IFCHR, 10, 229));
  CCHECK(link_is(f->rootfs, "dev/fd", "/proc/self/fd"));
  CCHECK(link_is(f->rootfs, "dev/stdin", "/proc/self/fd/0"));
  CCHECK(link_is(f->rootfs, "dev/stdout", "/proc/self/fd/1"));
  CCHECK(link_is(f->rootfs, "dev/stderr", "/proc/self/fd/2"));
  CCHECK(link_is(f->rootfs, "dev/ptmx", "pts/ptmx"));
  CCHECK(exists(f->rootfs, "dev/pts/ptmx"));
  CCHECK(fs_type(f->rootfs, "dev/shm") == TMPFS_MAGIC);
  /* The image's files under the rootfs were not touched by /dev. */
  CCHECK(!exists(f->base, "dev"));
  free(c.mounts);
}

TEST(rootfs_prepare_mounts_and_devices) {
  struct fx f = fx_new();
  _cleanup_free_ char *locked = join(f.base, "locked");
  in_userns(prepare_mounts_child, &f, locked);
  fx_free(&f);
}

static void refusals_child(void *arg) {
  const struct fx *f = arg;
  struct hr_config c = {0};
  /* proc and sysfs destinations that are symlinks (CVE-2019-19921). */
  _cleanup_free_ char *proc = join(f->rootfs, "proc");
  _cleanup_free_ char *sys = join(f->rootfs, "sys");
  CCHECK(symlink("/etc", proc) == 0);
  CCHECK(symlink("../../..", sys) == 0);
  struct mspec s1[] = {{"/proc", "proc", "proc", 0, 0, 0, false, false, NULL}};
  c.mounts = make_mounts(s1, 1);
  c.n_mounts = 1;
  CFAIL(hr_rootfs_prepare(&c, f->rootfs, &_e),
        "mounts[0]: filesystem \"proc\" must be mounted on an ordinary "
        "directory: \"/proc\"");
  free(c.mounts);
  struct mspec s2[] = {{"/sys", "sysfs", "sysfs", 0, 0, 0, false, false, NULL}};
  c.mounts = make_mounts(s2, 1);
  CFAIL(hr_rootfs_prepare(&c, f->rootfs, &_e),
        "must be mounted on an ordinary directory: \"/sys\"");
  free(c.mounts);
  /* Mounting over procfs files. */
  struct mspec s3[] = {
      {"/proc/sys", "tmpfs", NULL, 0, 0, 0, false, false, NULL}};
  c.mounts = make_mounts(s3, 1);
  CFAIL(hr_rootfs_prepare(&c, f->rootfs, &_e),
        "mounts[0]: \"/proc/sys\" cannot be mounted because it is inside "
        "/proc");
  free(c.mounts);
  /* A locked flag cleared on purpose: the kernel says no, and the message
   * names the mount. */
  _cleanup_free_ char *locked = join(f->base, "locked");
  struct mspec s4[] = {
      {"/a", "tmpfs", NULL, 0, 0, 0, false, false, NULL},
      {"/lk", NULL, locked, MS_RDONLY, MS_NOSUID, 0, true, false, NULL}};
  c.mounts = make_mounts(s4, 2);
  c.n_mounts = 2;
  CFAIL(hr_rootfs_prepare(&c, f->rootfs, &_e),
        "mounts[1]: remount \"/lk\" with its options: Operation not "
        "permitted");
  free(c.mounts);
  /* A missing bind source. */
  struct mspec s5[] = {
      {"/b", NULL, "/nonexistent-hrun-src", 0, 0, 0, true, false, NULL}};
  c.mounts = make_mounts(s5, 1);
  c.n_mounts = 1;
  CFAIL(hr_rootfs_prepare(&c, f->rootfs, &_e),
        "mounts[0]: bind source \"/nonexistent-hrun-src\": No such file");
  free(c.mounts);
  /* Destination through a file. */
  struct mspec s6[] = {
      {"/etc/marker/x", "tmpfs", NULL, 0, 0, 0, false, false, NULL}};
  c.mounts = make_mounts(s6, 1);
  CFAIL(hr_rootfs_prepare(&c, f->rootfs, &_e),
        "mounts[0]: destination: resolve \"/etc/marker/x\"");
  free(c.mounts);
}

TEST(rootfs_refusals) {
  struct fx f = fx_new();
  _cleanup_free_ char *locked = join(f.base, "locked");
  in_userns(refusals_child, &f, locked);
  fx_free(&f);
}

/* The image's /dev is not replaced by a tmpfs: an image /dev/null that is a
 * symlink to a procfs file is neutralised; a /dev that is a symlink out of
 * the rootfs stays inside. */
static void hostile_dev_child(void *arg) {
  const struct fx *f = arg;
  struct hr_config c = {0};
  _cleanup_free_ char *devout = join(f->base, "devout");
  _cleanup_free_ char *dev = join(f->rootfs, "dev");
  CCHECK(symlink("../../../devout", dev) == 0);
  _cleanup_free_ char *devin = join(f->rootfs, "devout");
  CCHECK(mkdir(devin, 0755) == 0);
  _cleanup_free_ char *null = join(f->rootfs, "devout/null");
  CCHECK(symlink("/proc/sys/kernel/core_pattern", null) == 0);
  _cleanup_free_ char *zero = join(f->rootfs, "devout/zero");
  CCHECK(unit_write_file(zero, "not a device") == 0);
  _cleanup_free_ char *tty = join(f->rootfs, "devout/tty");
  CCHECK(mkdir(tty, 0755) == 0);
  CFAIL(hr_rootfs_prepare(&c, f->rootfs, &_e),
        "device \"/dev/tty\": exists and is not the requested node");
  CCHECK(rmdir(tty) == 0);
  /* Again, now with everything replaceable. */
  COK(hr_rootfs_prepare(&c, f->rootfs, &_e));
  CCHECK(is_node(f->rootfs, "devout/null", S_IFCHR, 1, 3));
  CCHECK(is_node(f->rootfs, "devout/zero", S_IFCHR, 1, 5));
  CCHECK(is_node(f->rootfs, "devout/tty", S_IFCHR, 5, 0));
  CCHECK(link_is(f->rootfs, "devout/ptmx", "pts/ptmx"));
  CCHECK(!exists(f->base, "devout"));
  (void)devout;
}

TEST(rootfs_hostile_dev) {
  struct fx f = fx_new();
  in_userns(hostile_dev_child, &f, NULL);
  fx_free(&f);
}

struct pivot_arg {
  const struct fx *f;
  bool no_pivot;
};

static void pivot_child(void *arg) {
  const struct pivot_arg *a = arg;
  const struct fx *f = a->f;
  _cleanup_free_ char *p = join(f->rootfs, "secret_file");
  CCHECK(unit_write_file(p, "top secret") == 0);
  free(p);
  p = join(f->rootfs, "secret_dir");
  CCHECK(mkdir(p, 0755) == 0);
  free(p);
  p = join(f->rootfs, "secret_dir/f");
  CCHECK(unit_write_file(p, "x") == 0);
  free(p);
  p = join(f->rootfs, "ro_dir");
  CCHECK(mkdir(p, 0755) == 0);
  free(p);
  p = join(f->rootfs, "masked_link");
  CCHECK(symlink("/../../secret_file", p) == 0);

  /* The host's procfs bound at /proc (a user namespace without its own pid
   * namespace may not mount a new one); finalize needs /proc/self/fd. */
  const struct mspec spec[] = {
      {"/proc", NULL, "/proc", 0, 0, 0, true, true, NULL},
      {"/dev", "tmpfs", "tmpfs", MS_NOSUID, 0, 0, false, false, "mode=755"},
  };
  char *masked[] = {"/secret_file", "/secret_dir", "/nonexistent/x",
                    "/masked_link"};
  char *ro[] = {"/ro_dir", "/nonexistent"};
  struct hr_config c = {0};
  c.mounts = make_mounts(spec, 2);
  c.n_mounts = 2;
  c.linux.masked_paths = masked;
  c.linux.n_masked_paths = 4;
  c.linux.readonly_paths = ro;
  c.linux.n_readonly_paths = 2;
  c.root_readonly = true;
  c.linux.rootfs_propagation = MS_PRIVATE | MS_REC;

  COK(hr_rootfs_prepare(&c, f->rootfs, &_e));
  COK(hr_rootfs_pivot(f->rootfs, a->no_pivot, &_e));
  /* "/" is the rootfs now; the bundle around it is gone. */
  _cleanup_free_ char *marker = unit_read_file("/etc/marker");
  CCHECK(marker && strcmp(marker, "rootfs") == 0);
  CCHECK(access(f->base, F_OK) < 0);
  char cwd[256];
  CCHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0);
  COK(hr_rootfs_finalize(&c, &_e));

  _cleanup_free_ char *s = unit_read_file("/secret_file");
  CCHECK(s && strcmp(s, "") == 0);
  CCHECK(access("/secret_dir/f", F_OK) < 0);
  CCHECK(mkdir("/secret_dir/new", 0755) < 0 && errno == EROFS);
  CCHECK(mkdir("/ro_dir/new", 0755) < 0 && errno == EROFS);
  struct statvfs sv;
  CCHECK(statvfs("/ro_dir", &sv) == 0 &&
         (sv.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC)) ==
             (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC));
  CCHECK(unit_write_file("/newfile", "x") < 0 && errno == EROFS);
  /* /dev is its own tmpfs, still writable. */
  CCHECK(unit_write_file("/dev/newfile", "x") == 0);
  CCHECK(is_node("/", "dev/null", S_IFCHR, 1, 3));
}

TEST(rootfs_pivot_finalize) {
  struct fx f = fx_new();
  struct pivot_arg a = {&f, false};
  in_userns(pivot_child, &a, NULL);
  fx_free(&f);
}

TEST(rootfs_no_pivot_finalize) {
  struct fx f = fx_new();
  struct pivot_arg a = {&f, true};
  in_userns(pivot_child, &a, NULL);
  fx_free(&f);
}

/* maskedPaths must not trust a /dev/null that is not the null device (the
 * config binds /dev, so hrun does not create the nodes). */
static void fake_null_child(void *arg) {
  const struct fx *f = arg;
  _cleanup_free_ char *hostdev = join(f->base, "hostdev");
  CCHECK(mkdir(hostdev, 0755) == 0);
  _cleanup_free_ char *null = join(f->base, "hostdev/null");
  CCHECK(symlink("/proc/self/environ", null) == 0);
  _cleanup_free_ char *p = join(f->rootfs, "secret_file");
  CCHECK(unit_write_file(p, "top secret") == 0);
  const struct mspec spec[] = {
      {"/proc", NULL, "/proc", 0, 0, 0, true, true, NULL},
      {"/dev", NULL, hostdev, 0, 0, 0, true, false, NULL},
  };
  char *masked[] = {"/secret_file"};
  struct hr_config c = {0};
  c.mounts = make_mounts(spec, 2);
  c.n_mounts = 2;
  c.linux.masked_paths = masked;
  c.linux.n_masked_paths = 1;
  COK(hr_rootfs_prepare(&c, f->rootfs, &_e));
  COK(hr_rootfs_pivot(f->rootfs, false, &_e));
  CFAIL(hr_rootfs_finalize(&c, &_e),
        "linux.maskedPaths[0]: /dev/null is not the null device");
  _cleanup_free_ char *s = unit_read_file("/secret_file");
  CCHECK(s && strcmp(s, "top secret") == 0); /* nothing was bound */
  free(c.mounts);
}

TEST(rootfs_masked_refuses_fake_null) {
  struct fx f = fx_new();
  in_userns(fake_null_child, &f, NULL);
  fx_free(&f);
}

/* The whole prepare with the openat2-less walk. */
static void walk_child(void *arg) {
  hr_resolve_use_openat2(false);
  prepare_mounts_child(arg);
}

TEST(rootfs_prepare_with_fallback_walk) {
  struct fx f = fx_new();
  _cleanup_free_ char *locked = join(f.base, "locked");
  in_userns(walk_child, &f, locked);
  fx_free(&f);
}
