/* In-root resolution against a tree of hostile symlinks, through openat2 and
 * through the fallback walk: nothing resolves or gets created outside. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/resolve.h"
#include "unit.h"

struct tree {
  char *base; /* holds "root" and a decoy "etc" outside it */
  char *root;
  int rootfd;
};

static void mk(const char *base, const char *rel, bool dir) {
  char p[4096];
  snprintf(p, sizeof(p), "%s/%s", base, rel);
  if (dir)
    CHECK_INT(mkdir(p, 0755), 0);
  else
    CHECK_INT(unit_write_file(p, rel), 0);
}

static void ln(const char *base, const char *target, const char *rel) {
  char p[4096];
  snprintf(p, sizeof(p), "%s/%s", base, rel);
  CHECK_INT(symlink(target, p), 0);
}

static struct tree tree_new(void) {
  struct tree t;
  t.base = unit_tmpdir();
  mk(t.base, "etc", true);
  mk(t.base, "etc/passwd", false); /* outside: content "etc/passwd" */
  mk(t.base, "secret", false);
  mk(t.base, "root", true);
  if (asprintf(&t.root, "%s/root", t.base) < 0)
    abort();
  mk(t.root, "etc", true);
  char p[4096];
  snprintf(p, sizeof(p), "%s/etc/passwd", t.root);
  CHECK_INT(unit_write_file(p, "inside"), 0);
  mk(t.root, "dir", true);
  mk(t.root, "dir/file", false);
  mk(t.root, "dir/sub", true);
  ln(t.root, "/", "abs_root");
  ln(t.root, "..", "dotdot");
  ln(t.root, "../../etc", "up_etc");
  ln(t.root, "/etc", "abs_etc");
  ln(t.root, "../../../../../secret", "up_secret");
  ln(t.root, "loop2", "loop1");
  ln(t.root, "loop1", "loop2");
  ln(t.root, "self", "self");
  ln(t.root, "/nonexistent/deeper", "dangling");
  ln(t.root, "../secret", "dangling_up");
  ln(t.root, "../../../..", "dir/sub/far_up");
  ln(t.root, "file", "dir/rel_file");
  ln(t.root, "/etc", "dir/sub/abs_etc");
  ln(t.root, "/dir", "dir/abs_dir");
  ln(t.root, "/proc/self/root", "magic");
  t.rootfd = open(t.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK(t.rootfd >= 0);
  return t;
}

static void tree_free(struct tree *t) {
  close(t->rootfd);
  char cmd[4200];
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->base);
  CHECK_INT(system(cmd), 0);
  free(t->root);
  free(t->base);
}

/* fd refers to the object at REL under the root (lstat, no following). */
static bool same_as(int fd, const struct tree *t, const char *rel) {
  struct stat a, b;
  if (fd < 0 || fstat(fd, &a) < 0)
    return false;
  if (fstatat(t->rootfd, rel, &b, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0)
    return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool exists_at(const char *base, const char *rel) {
  char p[4096];
  struct stat sb;
  snprintf(p, sizeof(p), "%s/%s", base, rel);
  return lstat(p, &sb) == 0;
}

typedef int (*resolve_fn)(int, const char *, int, int, hr_error_t *);

static int open_via_openat2(int rootfd, const char *path, int oflags,
                            int rflags, hr_error_t *err) {
  hr_resolve_use_openat2(true);
  return hr_resolve_open(rootfd, path, oflags, rflags, err);
}

static int open_via_fallback(int rootfd, const char *path, int oflags,
                             int rflags, hr_error_t *err) {
  /* hr_resolve_open with openat2 off must take the walk too. */
  hr_resolve_use_openat2(false);
  int fd = hr_resolve_open(rootfd, path, oflags, rflags, err);
  hr_resolve_use_openat2(true);
  return fd;
}

static const resolve_fn resolvers[] = {open_via_openat2, open_via_fallback,
                                       hr_resolve_walk};

/* Resolve PATH and expect the object at REL (or failure with ERRNO_WANT when
 * REL is NULL). */
static void expect(resolve_fn fn, const struct tree *t, const char *path,
                   int rflags, const char *rel, int errno_want) {
  _cleanup_error_ hr_error_t err = NULL;
  _cleanup_close_ int fd = fn(t->rootfd, path, O_PATH, rflags, &err);
  if (rel) {
    if (!same_as(fd, t, rel))
      unit_fail(__FILE__, __LINE__, "resolve \"%s\": want \"%s\" (%s)", path,
                rel, fd < 0 ? hr_error_msg(err) : "other object");
  } else {
    if (fd >= 0 || hr_error_errno(err) != errno_want)
      unit_fail(__FILE__, __LINE__, "resolve \"%s\": want errno %d, got %d",
                path, errno_want, fd >= 0 ? 0 : hr_error_errno(err));
    else
      CHECK_CONTAINS(hr_error_msg(err), path);
  }
}

TEST(resolve_stays_inside_root) {
  struct tree t = tree_new();
  for (size_t i = 0; i < sizeof(resolvers) / sizeof(resolvers[0]); i++) {
    resolve_fn fn = resolvers[i];
    expect(fn, &t, "/", 0, "", 0);
    expect(fn, &t, "", 0, "", 0);
    expect(fn, &t, "../../..", 0, "", 0);
    expect(fn, &t, "/../../../etc/passwd", 0, "etc/passwd", 0);
    expect(fn, &t, "dir/file", 0, "dir/file", 0);
    expect(fn, &t, "/dir/./sub/../file", 0, "dir/file", 0);
    expect(fn, &t, "abs_root", 0, "", 0);
    expect(fn, &t, "abs_root/abs_root/dir", 0, "dir", 0);
    expect(fn, &t, "dotdot/dotdot/dir/file", 0, "dir/file", 0);
    expect(fn, &t, "up_etc/passwd", 0, "etc/passwd", 0);
    expect(fn, &t, "abs_etc/passwd", 0, "etc/passwd", 0);
    expect(fn, &t, "dir/sub/far_up/dir/file", 0, "dir/file", 0);
    expect(fn, &t, "dir/rel_file", 0, "dir/file", 0);
    expect(fn, &t, "dir/sub/abs_etc/passwd", 0, "etc/passwd", 0);
    expect(fn, &t, "dir/abs_dir/abs_dir/sub/abs_etc/../dir/file", 0, "dir/file",
           0);
    /* Escapes that would hit the decoys outside resolve inside, where
     * nothing exists. */
    expect(fn, &t, "up_secret", 0, NULL, ENOENT);
    expect(fn, &t, "dangling_up", 0, NULL, ENOENT);
    expect(fn, &t, "dangling", 0, NULL, ENOENT);
    expect(fn, &t, "loop1", 0, NULL, ELOOP);
    expect(fn, &t, "self/x", 0, NULL, ELOOP);
    expect(fn, &t, "dir/file/x", 0, NULL, ENOTDIR);
    /* The last symlink itself with NOFOLLOW. */
    expect(fn, &t, "abs_root", HR_RESOLVE_NOFOLLOW, "abs_root", 0);
    expect(fn, &t, "dir/../abs_etc", HR_RESOLVE_NOFOLLOW, "abs_etc", 0);
    /* /proc/self/root inside the root is a plain (dangling) path here. */
    expect(fn, &t, "magic", 0, NULL, ENOENT);
  }
  tree_free(&t);
}

TEST(resolve_reopens_with_flags) {
  struct tree t = tree_new();
  for (size_t i = 0; i < sizeof(resolvers) / sizeof(resolvers[0]); i++) {
    _cleanup_error_ hr_error_t err = NULL;
    _cleanup_close_ int fd =
        resolvers[i](t.rootfd, "up_etc/passwd", O_RDONLY, 0, &err);
    CHECK(fd >= 0);
    char buf[32] = {0};
    CHECK(read(fd, buf, sizeof(buf) - 1) > 0);
    CHECK_STR(buf, "inside");
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);

    _cleanup_error_ hr_error_t err2 = NULL;
    CHECK_INT(
        resolvers[i](t.rootfd, "dir/file", O_RDONLY | O_DIRECTORY, 0, &err2),
        -1);
    CHECK_INT(hr_error_errno(err2), ENOTDIR);

    _cleanup_error_ hr_error_t err3 = NULL;
    _cleanup_close_ int dfd = resolvers[i](t.rootfd, "abs_root/dir",
                                           O_RDONLY | O_DIRECTORY, 0, &err3);
    CHECK(dfd >= 0);
    CHECK(faccessat(dfd, "file", F_OK, 0) == 0);
  }
  tree_free(&t);
}

TEST(resolve_creates_inside_root) {
  for (size_t i = 0; i < sizeof(resolvers) / sizeof(resolvers[0]); i++) {
    struct tree t = tree_new();
    resolve_fn fn = resolvers[i];
    _cleanup_error_ hr_error_t err = NULL;
    struct stat sb;

    /* mkdir -p, plain. */
    int fd = fn(t.rootfd, "/a/b/c", O_PATH, HR_RESOLVE_MKDIR, &err);
    CHECK(fd >= 0 && fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode));
    CHECK(same_as(fd, &t, "a/b/c"));
    close(fd);

    /* Through an absolute symlink and "..": lands inside. */
    fd = fn(t.rootfd, "abs_root/../../new1/x", O_PATH, HR_RESOLVE_MKDIR, &err);
    CHECK(same_as(fd, &t, "new1/x"));
    CHECK(!exists_at(t.base, "new1"));
    close(fd);

    /* Through a dangling absolute symlink: the target is created inside. */
    fd = fn(t.rootfd, "dangling/leaf", O_PATH, HR_RESOLVE_MKDIR, &err);
    CHECK(same_as(fd, &t, "nonexistent/deeper/leaf"));
    CHECK(!exists_at("/", "nonexistent"));
    close(fd);

    /* A file through a dangling relative link pointing above the root. */
    fd = fn(t.rootfd, "dangling_up", O_PATH, HR_RESOLVE_MKFILE, &err);
    CHECK(fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode));
    CHECK(same_as(fd, &t, "secret"));
    char *outside = NULL;
    if (asprintf(&outside, "%s/secret", t.base) < 0)
      abort();
    _cleanup_free_ char *content = unit_read_file(outside);
    free(outside);
    CHECK_STR(content, "secret"); /* the decoy outside is untouched */
    close(fd);

    /* A file bind target: parents created as directories. */
    fd = fn(t.rootfd, "/up_etc/hosts.d/hosts", O_PATH, HR_RESOLVE_MKFILE, &err);
    CHECK(fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode));
    CHECK(same_as(fd, &t, "etc/hosts.d/hosts"));
    CHECK(!exists_at(t.base, "etc/hosts.d"));
    close(fd);

    /* An existing file is opened, not truncated or replaced. */
    fd = fn(t.rootfd, "dir/file", O_RDONLY, HR_RESOLVE_MKFILE, &err);
    CHECK(fd >= 0);
    char buf[32] = {0};
    CHECK(read(fd, buf, sizeof(buf) - 1) > 0);
    CHECK_STR(buf, "dir/file");
    close(fd);

    /* Creation cannot go through a file or a loop. */
    hr_error_free(&err);
    CHECK_INT(fn(t.rootfd, "dir/file/x", O_PATH, HR_RESOLVE_MKDIR, &err), -1);
    CHECK_INT(hr_error_errno(err), ENOTDIR);
    hr_error_free(&err);
    CHECK_INT(fn(t.rootfd, "loop1/x", O_PATH, HR_RESOLVE_MKDIR, &err), -1);
    CHECK_INT(hr_error_errno(err), ELOOP);

    /* NOFOLLOW + MKDIR on an existing symlink returns the link. */
    fd = fn(t.rootfd, "abs_etc", O_PATH, HR_RESOLVE_MKDIR | HR_RESOLVE_NOFOLLOW,
            &err);
    CHECK(fd >= 0 && fstat(fd, &sb) == 0 && S_ISLNK(sb.st_mode));
    close(fd);
    tree_free(&t);
  }
}

TEST(resolve_long_and_odd_paths) {
  struct tree t = tree_new();
  char name[300];
  memset(name, 'n', sizeof(name) - 1);
  name[sizeof(name) - 1] = '\0';
  for (size_t i = 0; i < sizeof(resolvers) / sizeof(resolvers[0]); i++) {
    _cleanup_error_ hr_error_t err = NULL;
    CHECK_INT(resolvers[i](t.rootfd, name, O_PATH, HR_RESOLVE_MKDIR, &err), -1);
    CHECK_INT(hr_error_errno(err), ENAMETOOLONG);
    expect(resolvers[i], &t, "//dir///file", 0, "dir/file", 0);
    expect(resolvers[i], &t, "dir/", 0, "dir", 0);
  }
  tree_free(&t);
}
