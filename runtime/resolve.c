/* In-root path resolution: openat2(RESOLVE_IN_ROOT), or an fd-based walk. */
#include "hrun/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "openat2_compat.h"

/* The kernel's MAXSYMLINKS. */
#define HR_MAX_SYMLINKS 40
/* openat2 returns EAGAIN when a concurrent rename or mount could have let
 * ".." escape; retry a few times, then use the walk. */
#define HR_OPENAT2_RETRIES 32

static bool openat2_enabled = true;

void hr_resolve_use_openat2(bool enabled) { openat2_enabled = enabled; }

/* A stack of directory fds from the root down: ".." pops (never above the
 * root), an absolute symlink clears it. stack[0] is the caller's root fd and
 * is not owned. */
struct walk_stack {
  int *fds;
  size_t n, cap;
};

static int stack_top(const struct walk_stack *s) { return s->fds[s->n - 1]; }

static void stack_pop(struct walk_stack *s) {
  if (s->n > 1)
    close(s->fds[--s->n]);
}

static void stack_clear(struct walk_stack *s) {
  while (s->n > 1)
    stack_pop(s);
}

static int stack_push(struct walk_stack *s, int fd) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    int *fds = realloc(s->fds, cap * sizeof(*fds));
    if (!fds)
      return -1;
    s->fds = fds;
    s->cap = cap;
  }
  s->fds[s->n++] = fd;
  return 0;
}

static void stack_free(struct walk_stack *s) {
  stack_clear(s);
  free(s->fds);
}

/* Split the next component off *rest: returns its length (0 when the path
 * is exhausted) and sets *name; *last tells whether anything follows. */
static size_t next_component(const char **rest, const char **name, bool *last) {
  const char *p = *rest;
  while (*p == '/')
    p++;
  const char *end = p;
  while (*end && *end != '/')
    end++;
  *name = p;
  const char *q = end;
  while (*q == '/')
    q++;
  *last = *q == '\0';
  *rest = q;
  return (size_t)(end - p);
}

/* Open the final object with the caller's flags. FD is an O_PATH|O_NOFOLLOW
 * handle of it, DIRFD/NAME where it was found (NAME NULL for a directory on
 * the stack). Returns a new fd, or -1 with errno set. */
static int reopen_final(int fd, int dirfd, const char *name, int oflags) {
  struct stat st, st2;
  if (fstat(fd, &st) < 0)
    return -1;
  if ((oflags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  if (S_ISLNK(st.st_mode) && !(oflags & O_PATH)) {
    errno = ELOOP; /* like open(O_NOFOLLOW) on a symlink */
    return -1;
  }
  if (oflags & O_PATH)
    return fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int nfd = S_ISDIR(st.st_mode) || !name
                ? openat(fd, ".", oflags | O_CLOEXEC)
                : openat(dirfd, name, oflags | O_NOFOLLOW | O_CLOEXEC);
  if (nfd < 0)
    return -1;
  /* A rename between the walk and the reopen must not hand out something
   * else. */
  if (fstat(nfd, &st2) < 0 || st.st_dev != st2.st_dev ||
      st.st_ino != st2.st_ino) {
    close(nfd);
    errno = EAGAIN;
    return -1;
  }
  return nfd;
}

/* Create NAME in DIRFD as a directory or an empty file; EEXIST is success
 * (a racing creator, the caller looks again). */
static int create_component(int dirfd, const char *name, bool as_file) {
  if (as_file) {
    int fd = openat(dirfd, name,
                    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
      return errno == EEXIST ? 0 : -1;
    close(fd);
    return 0;
  }
  if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
    return -1;
  return 0;
}

int hr_resolve_walk(int rootfd, const char *path, int oflags, int rflags,
                    hr_error_t *err) {
  struct walk_stack st = {0};
  _cleanup_free_ char *buf = strdup(path ? path : "");
  if (!buf || stack_push(&st, rootfd) < 0) {
    stack_free(&st);
    return hr_error_set(err, ENOMEM, "resolve \"%s\"", path);
  }
  const char *rest = buf;
  int links = 0, retries = 0, result = -1;
  char name[NAME_MAX + 1];

  for (;;) {
    const char *comp;
    bool last;
    size_t len = next_component(&rest, &comp, &last);
    if (len == 0) {
      /* Path exhausted on a directory ("/", "a/.."): open it. */
      result = reopen_final(stack_top(&st), -1, NULL, oflags);
      if (result < 0)
        hr_error_set(err, errno, "resolve \"%s\"", path);
      break;
    }
    if (len > NAME_MAX) {
      hr_error_set(err, ENAMETOOLONG, "resolve \"%s\"", path);
      break;
    }
    memcpy(name, comp, len);
    name[len] = '\0';
    if (strcmp(name, ".") == 0)
      continue;
    if (strcmp(name, "..") == 0) {
      stack_pop(&st); /* at the root, ".." is the root */
      continue;
    }

    int dirfd = stack_top(&st);
    _cleanup_close_ int fd =
        openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      bool create = (rflags & (HR_RESOLVE_MKDIR | HR_RESOLVE_MKFILE)) != 0;
      if (errno != ENOENT || !create || ++retries > 16) {
        hr_error_set(err, errno, "resolve \"%s\": open \"%s\"", path, name);
        break;
      }
      bool as_file = last && !(rflags & HR_RESOLVE_MKDIR);
      if (create_component(dirfd, name, as_file) < 0) {
        hr_error_set(err, errno, "resolve \"%s\": create \"%s\"", path, name);
        break;
      }
      /* Look at what is there now, as if the path had been given again
       * from this component. */
      rest = comp;
      continue;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
      hr_error_set(err, errno, "resolve \"%s\": stat \"%s\"", path, name);
      break;
    }
    if (S_ISLNK(sb.st_mode) && !(last && (rflags & HR_RESOLVE_NOFOLLOW))) {
      if (++links > HR_MAX_SYMLINKS) {
        hr_error_set(err, ELOOP, "resolve \"%s\"", path);
        break;
      }
      char target[PATH_MAX];
      ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);
      if (n < 0) {
        hr_error_set(err, errno, "resolve \"%s\": readlink \"%s\"", path, name);
        break;
      }
      target[n] = '\0';
      if (n == 0) {
        hr_error_set(err, ENOENT, "resolve \"%s\": empty symlink \"%s\"", path,
                     name);
        break;
      }
      if (target[0] == '/')
        stack_clear(&st);
      /* The link's target replaces the component: TARGET/REST. */
      char *nbuf = NULL;
      if (asprintf(&nbuf, "%s/%s", target, rest) < 0) {
        hr_error_set(err, ENOMEM, "resolve \"%s\"", path);
        break;
      }
      free(buf);
      buf = nbuf;
      rest = buf;
      continue;
    }
    if (!last) {
      if (!S_ISDIR(sb.st_mode)) {
        hr_error_set(err, ENOTDIR, "resolve \"%s\": \"%s\"", path, name);
        break;
      }
      if (stack_push(&st, fd) < 0) {
        hr_error_set(err, ENOMEM, "resolve \"%s\"", path);
        break;
      }
      fd = -1; /* owned by the stack */
      continue;
    }
    result = reopen_final(fd, dirfd, name, oflags);
    if (result < 0)
      hr_error_set(err, errno, "resolve \"%s\"", path);
    break;
  }
  stack_free(&st);
  return result;
}

int hr_resolve_open(int rootfd, const char *path, int oflags, int rflags,
                    hr_error_t *err) {
  if (!openat2_enabled)
    return hr_resolve_walk(rootfd, path, oflags, rflags, err);
  struct open_how how = {0};
  how.flags = (unsigned long long)(oflags | O_CLOEXEC);
  if (rflags & HR_RESOLVE_NOFOLLOW)
    how.flags |= O_NOFOLLOW;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const char *p = path && *path ? path : ".";
  for (int i = 0; i < HR_OPENAT2_RETRIES; i++) {
    long fd = syscall(SYS_openat2, rootfd, p, &how, sizeof(how));
    if (fd >= 0)
      return (int)fd;
    if (errno != EAGAIN)
      break;
  }
  switch (errno) {
  case ENOSYS:
    openat2_enabled = false;
    /* fall through */
  case EAGAIN:
    return hr_resolve_walk(rootfd, path, oflags, rflags, err);
  case ENOENT:
    /* The walk creates what is missing, relative to resolved fds. */
    if (rflags & (HR_RESOLVE_MKDIR | HR_RESOLVE_MKFILE))
      return hr_resolve_walk(rootfd, path, oflags, rflags, err);
    break;
  default:
    break;
  }
  return hr_error_set(err, errno, "resolve \"%s\"", path);
}
