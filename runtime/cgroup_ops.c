/* Operations on a live container cgroup: enter, freeze, kill, list pids,
 * destroy. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"

static unsigned timeout_of(const struct hr_cgroup *cg) {
  return cg->timeout_ms ? cg->timeout_ms : HR_CGROUP_DEFAULT_TIMEOUT_MS;
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int hr_cgroup_enter(const struct hr_cgroup *cg, pid_t pid, hr_error_t *err) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%d", (int)pid);
  int rc = 0;
  /* EINVAL can mean the task is still TASK_NEW (runc retries too). */
  for (int i = 0; i < 5; i++) {
    rc = hr_cgroup_write_raw(cg->dirfd, "cgroup.procs", buf);
    if (rc != -EINVAL)
      break;
    struct timespec ts = {0, 30 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  if (rc < 0)
    return hr_cgroup_write_error(err, -rc, "cgroup.procs", buf);
  return 0;
}

/* Wait until `key` in cgroup.events equals want. cgroupfs signals changes
 * of cgroup.events as IN_MODIFY; inotify failing (or a file system that
 * does not notify) degrades to polling every 10 ms. A missing file or key
 * is reported as *found = false. */
static int wait_event(const struct hr_cgroup *cg, const char *key, int64_t want,
                      bool *found, hr_error_t *err) {
  *found = true;
  _cleanup_close_ int ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (ifd >= 0) {
    char path[64];
    /* The O_PATH dirfd names the directory without rebuilding its path. */
    snprintf(path, sizeof(path), "/proc/self/fd/%d/cgroup.events", cg->dirfd);
    if (inotify_add_watch(ifd, path, IN_MODIFY) < 0) {
      close(ifd);
      ifd = -1;
    }
  }
  int64_t deadline = now_ms() + timeout_of(cg);
  for (;;) {
    int64_t v = 0;
    hr_error_t e = NULL;
    int rc = hr_cgroup_read_key(cg->dirfd, "cgroup.events", key, &v, &e);
    if (rc < 0) {
      if (hr_error_errno(e) == ENOENT) {
        hr_error_free(&e);
        *found = false;
        return 0;
      }
      if (err) {
        hr_error_free(err);
        *err = e;
      } else {
        hr_error_free(&e);
      }
      return -1;
    }
    if (rc == 0) {
      *found = false;
      return 0;
    }
    if (v == want)
      return 0;
    int64_t left = deadline - now_ms();
    if (left <= 0)
      return hr_error_set(
          err, ETIMEDOUT,
          "cgroup: waiting for \"%s %" PRId64 "\" in cgroup.events", key, want);
    if (ifd >= 0) {
      struct pollfd pfd = {.fd = ifd, .events = POLLIN};
      int pr = poll(&pfd, 1, (int)(left < 100 ? left : 100));
      if (pr > 0) {
        char buf[4096];
        while (read(ifd, buf, sizeof(buf)) > 0)
          ;
      }
    } else {
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
  }
}

int hr_cgroup_freeze(const struct hr_cgroup *cg, bool frozen, hr_error_t *err) {
  const char *v = frozen ? "1" : "0";
  int rc = hr_cgroup_write_raw(cg->dirfd, "cgroup.freeze", v);
  if (rc == -ENOENT)
    return hr_error_set(err, ENOENT,
                        "cgroup: freezer not supported (no cgroup.freeze "
                        "in %s/%s, kernel < 5.2)",
                        cg->mount, cg->path);
  if (rc < 0)
    return hr_cgroup_write_error(err, -rc, "cgroup.freeze", v);
  bool found;
  if (wait_event(cg, "frozen", frozen ? 1 : 0, &found, err) < 0)
    return hr_error_wrap(err, "%s", frozen ? "freeze" : "thaw");
  return 0;
}

int hr_cgroup_is_frozen(const struct hr_cgroup *cg, bool *frozen,
                        hr_error_t *err) {
  int64_t v = 0;
  int rc = hr_cgroup_read_key(cg->dirfd, "cgroup.events", "frozen", &v, err);
  if (rc < 0)
    return -1;
  if (rc == 0) {
    /* An older kernel without the key: the requested state is all there
     * is. */
    _cleanup_free_ char *f = NULL;
    if (hr_cgroup_read(cg->dirfd, "cgroup.freeze", &f, err) < 0)
      return -1;
    v = f[0] == '1';
  }
  *frozen = v == 1;
  return 0;
}

struct pidvec {
  pid_t *v;
  size_t n, cap;
};

static int pidvec_add(struct pidvec *pv, pid_t p) {
  if (pv->n == pv->cap) {
    size_t cap = pv->cap ? pv->cap * 2 : 64;
    pid_t *nv = realloc(pv->v, cap * sizeof(pid_t));
    if (!nv)
      return -1;
    pv->v = nv;
    pv->cap = cap;
  }
  pv->v[pv->n++] = p;
  return 0;
}

/* Calls fn for every child cgroup of dirfd (a directory removed meanwhile
 * is skipped). `rel` names dirfd in errors. */
typedef int (*child_fn)(int dirfd, const char *name, int child,
                        const char *crel, int depth, void *ctx,
                        hr_error_t *err);
static int for_each_child(int dirfd, const char *rel, int depth, child_fn fn,
                          void *ctx, hr_error_t *err) {
  if (depth > 64)
    return hr_error_set(err, ELOOP, "cgroup: %s: nested too deep", rel);
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? 0
                           : hr_error_set(err, errno, "cgroup: open %s", rel);
  _cleanup_closedir_ DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return hr_error_set(err, errno, "cgroup: open %s", rel);
  }
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
        strcmp(de->d_name, "..") == 0)
      continue;
    _cleanup_close_ int child = openat(
        dirfd, de->d_name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (child < 0 && errno == ENOENT)
      continue;
    if (child < 0)
      return hr_error_set(err, errno, "cgroup: open %s/%s", rel, de->d_name);
    _cleanup_free_ char *crel = NULL;
    if (asprintf(&crel, "%s/%s", rel, de->d_name) < 0)
      return hr_error_set(err, ENOMEM, "cgroup: %s", rel);
    if (fn(dirfd, de->d_name, child, crel, depth + 1, ctx, err) < 0)
      return -1;
  }
  return 0;
}

static int collect(int dirfd, const char *rel, struct pidvec *pv, int depth,
                   hr_error_t *err);

static int collect_child(int dirfd, const char *name, int child,
                         const char *crel, int depth, void *ctx,
                         hr_error_t *err) {
  (void)dirfd;
  (void)name;
  return collect(child, crel, ctx, depth, err);
}

/* cgroup.procs of dirfd, then every child cgroup. `rel` names the
 * directory in errors. */
static int collect(int dirfd, const char *rel, struct pidvec *pv, int depth,
                   hr_error_t *err) {
  _cleanup_free_ char *procs = NULL;
  if (hr_cgroup_read_optional(dirfd, "cgroup.procs", &procs, err) < 0)
    return hr_error_wrap(err, "%s", rel);
  for (char *p = procs; p && *p;) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p)
      break;
    if (v > 0 && pidvec_add(pv, (pid_t)v) < 0)
      return hr_error_set(err, ENOMEM, "cgroup: pids");
    p = end + strspn(end, " \n");
  }
  return for_each_child(dirfd, rel, depth, collect_child, pv, err);
}

int hr_cgroup_pids(const struct hr_cgroup *cg, pid_t **pids, size_t *n,
                   hr_error_t *err) {
  struct pidvec pv = {0};
  *pids = NULL;
  *n = 0;
  if (collect(cg->dirfd, cg->path, &pv, 0, err) < 0) {
    free(pv.v);
    return -1;
  }
  *pids = pv.v;
  *n = pv.n;
  return 0;
}

static int signal_all(const struct hr_cgroup *cg, int sig, size_t *signalled,
                      hr_error_t *err) {
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  *signalled = 0;
  if (hr_cgroup_pids(cg, &pids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    if (kill(pids[i], sig) < 0) {
      if (errno == ESRCH)
        continue;
      return hr_error_set(err, errno, "cgroup: kill %d", (int)pids[i]);
    }
    (*signalled)++;
  }
  return 0;
}

int hr_cgroup_kill(const struct hr_cgroup *cg, int sig, hr_error_t *err) {
  if (sig == SIGKILL) {
    /* cgroup.kill (5.14+) kills the whole subtree atomically, including
     * processes forked while we would be iterating. */
    int rc = hr_cgroup_write_raw(cg->dirfd, "cgroup.kill", "1");
    if (rc == 0)
      return 0;
    if (rc != -ENOENT)
      return hr_cgroup_write_error(err, -rc, "cgroup.kill", "1");
    /* Without it, repeat so children forked during a pass are caught. */
    for (int pass = 0; pass < 8; pass++) {
      size_t signalled;
      if (signal_all(cg, sig, &signalled, err) < 0)
        return -1;
      if (signalled == 0)
        break;
    }
    return 0;
  }
  size_t signalled;
  return signal_all(cg, sig, &signalled, err);
}

/* Removes a child cgroup after its own children, depth-first. */
static int rmdir_child(int dirfd, const char *name, int child, const char *crel,
                       int depth, void *ctx, hr_error_t *err) {
  if (for_each_child(child, crel, depth, rmdir_child, ctx, err) < 0)
    return -1;
  if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return hr_error_set(err, errno, "cgroup: rmdir %s", crel);
  return 0;
}

int hr_cgroup_destroy(const struct hr_cgroup *cg, hr_error_t *err) {
  _cleanup_close_ int rootfd =
      open(cg->mount, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return hr_error_set(err, errno, "cgroup: open %s", cg->mount);
  struct stat st;
  /* Gone already (a previous delete, or the directory was removed under
   * our fd): nothing to do. */
  if (fstatat(rootfd, cg->path, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
      errno == ENOENT)
    return 0;
  if (hr_cgroup_kill(cg, SIGKILL, err) < 0)
    return hr_error_wrap(err, "destroy %s/%s", cg->mount, cg->path);
  bool found;
  if (wait_event(cg, "populated", 0, &found, err) < 0)
    return hr_error_wrap(err, "destroy %s/%s", cg->mount, cg->path);
  if (for_each_child(cg->dirfd, cg->path, 0, rmdir_child, NULL, err) < 0)
    return hr_error_wrap(err, "destroy %s/%s", cg->mount, cg->path);
  /* rmdir can briefly fail with EBUSY while the last exiting task is
   * being released after populated went to 0. */
  int64_t deadline = now_ms() + timeout_of(cg);
  for (;;) {
    if (unlinkat(rootfd, cg->path, AT_REMOVEDIR) == 0 || errno == ENOENT)
      return 0;
    if (errno != EBUSY || now_ms() >= deadline)
      return hr_error_set(err, errno, "cgroup: rmdir %s/%s", cg->mount,
                          cg->path);
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}
