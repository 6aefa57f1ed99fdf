/* `run -d` and `create --shim`: a detached child of hrun creates the
 * container (so the init is its child), reports to hrun over a pipe and
 * execs hrun-shim, which stays the init's parent. The creating code runs
 * from hrun's sealed memfd image as in any create; only the exec is
 * extra, and it happens after hrun got its answer, so the start latency
 * is that of a plain create + start. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/log.h"
#include "hrun/monitor.h"

#ifndef HR_SHIM_INSTALL_PATH
#define HR_SHIM_INSTALL_PATH "/usr/local/bin/hrun-shim"
#endif
#define SHIM_NAME "hrun-shim"

extern char **environ;

static char *in_dir_of(const char *file) {
  const char *slash = strrchr(file, '/');
  char *p = NULL;
  if (asprintf(&p, "%.*s/" SHIM_NAME, (int)(slash ? slash - file : 1),
               slash ? file : ".") < 0)
    return NULL;
  return p;
}

static bool executable(const char *p) {
  struct stat st;
  return p && stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* name searched in PATH like execvp; malloc'd path or NULL. */
static char *search_path(const char *name) {
  const char *path = getenv("PATH");
  if (!path)
    path = "/usr/local/bin:/usr/bin:/bin";
  for (const char *p = path;; p++) {
    const char *end = strchrnul(p, ':');
    char *cand = NULL;
    if (asprintf(&cand, "%.*s/%s", end > p ? (int)(end - p) : 1,
                 end > p ? p : ".", name) >= 0) {
      if (executable(cand))
        return cand;
      free(cand);
    }
    if (!*end)
      return NULL;
    p = end;
  }
}

int hr_shim_locate(char **path, hr_error_t *err) {
  *path = NULL;
  const char *env = getenv("HRUN_SHIM");
  if (env && *env) {
    if (!executable(env))
      return hr_error_set(err, errno ? errno : EACCES,
                          "HRUN_SHIM=%s: not an executable", env);
    *path = strdup(env);
    return *path ? 0 : hr_error_set(err, ENOMEM, "shim path");
  }
  /* argv[0] survives the sealed re-exec (fexecve keeps argv and cwd) */
  const char *argv0 = program_invocation_name;
  _cleanup_free_ char *self = NULL;
  if (argv0 && strchr(argv0, '/'))
    self = strdup(argv0);
  else if (argv0 && *argv0)
    self = search_path(argv0);
  char *cand = self ? in_dir_of(self) : NULL;
  if (executable(cand)) {
    *path = cand;
    return 0;
  }
  free(cand);
  /* through symlinks to the installed binary */
  _cleanup_free_ char *real = self ? realpath(self, NULL) : NULL;
  cand = real ? in_dir_of(real) : NULL;
  if (executable(cand)) {
    *path = cand;
    return 0;
  }
  free(cand);
  if ((*path = search_path(SHIM_NAME)))
    return 0;
  if (executable(HR_SHIM_INSTALL_PATH)) {
    *path = strdup(HR_SHIM_INSTALL_PATH);
    return *path ? 0 : hr_error_set(err, ENOMEM, "shim path");
  }
  return hr_error_set(
      err, ENOENT,
      SHIM_NAME " not found next to hrun, in PATH or at " HR_SHIM_INSTALL_PATH
                " (set HRUN_SHIM)");
}

/* ---- the child ---- */

struct log_file {
  int fd;
  char *tmp_path; /* named fallback when O_TMPFILE is not supported */
};

static int mkdir_p(const char *dir) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
    return -1;
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
      return -1;
    *p = '/';
  }
  return mkdir(tmp, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* The state dir does not exist before the create claims the id, but the
 * init inherits its stdio at clone: open the logs unnamed in ROOT and give
 * them their names in ROOT/ID afterwards. */
static int log_open(const char *root, const char *id, const char *name,
                    struct log_file *lf, hr_error_t *err) {
  lf->tmp_path = NULL;
  if (mkdir_p(root) < 0)
    return hr_error_set(err, errno, "--root: create %s", root);
  lf->fd = open(root, O_TMPFILE | O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
  if (lf->fd >= 0)
    return 0;
  if (asprintf(&lf->tmp_path, "%s/.%s.%s", root, id, name) < 0) {
    lf->tmp_path = NULL;
    return hr_error_set(err, ENOMEM, "log path");
  }
  lf->fd = open(
      lf->tmp_path,
      O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lf->fd < 0)
    return hr_error_set(err, errno, "open %s", lf->tmp_path);
  return 0;
}

static int log_name(struct log_file *lf, int dirfd, const char *name,
                    hr_error_t *err) {
  if (lf->tmp_path) {
    if (renameat(AT_FDCWD, lf->tmp_path, dirfd, name) < 0)
      return hr_error_set(err, errno, "rename %s", lf->tmp_path);
    free(lf->tmp_path);
    lf->tmp_path = NULL;
    return 0;
  }
  char proc[64];
  snprintf(proc, sizeof(proc), "/proc/self/fd/%d", lf->fd);
  if (linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) < 0)
    return hr_error_set(err, errno, "link %s", name);
  return 0;
}

static void log_close(struct log_file *lf) {
  if (lf->fd >= 0)
    close(lf->fd);
  if (lf->tmp_path)
    unlink(lf->tmp_path);
  free(lf->tmp_path);
  lf->fd = -1;
  lf->tmp_path = NULL;
}

static void report(int fd, int code, const char *msg) {
  int32_t c = code;
  if (write(fd, &c, sizeof(c)) != (ssize_t)sizeof(c))
    return;
  size_t len = msg ? strlen(msg) : 0, off = 0;
  while (off < len) {
    ssize_t w = write(fd, msg + off, len - off);
    if (w <= 0)
      break;
    off += (size_t)w;
  }
}

static int stdio_to_logs(const struct hr_shim_launch *l, struct log_file *out,
                         struct log_file *errf, hr_error_t *err) {
  const char *root = l->o->g->root, *id = l->o->id;
  if (log_open(root, id, HR_STDOUT_LOG, out, err) < 0 ||
      log_open(root, id, HR_STDERR_LOG, errf, err) < 0)
    return -1;
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null < 0)
    return hr_error_set(err, errno, "open /dev/null");
  /* dup2 clears close-on-exec: 0-2 go to the container */
  int r = dup2(null, 0) < 0 || dup2(out->fd, 1) < 0 || dup2(errf->fd, 2) < 0;
  int e = errno;
  close(null);
  return r ? hr_error_set(err, e, "redirect the container's stdio") : 0;
}

static void stdio_to_null(void) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0)
    return;
  dup2(null, 0);
  dup2(null, 1);
  dup2(null, 2);
  close(null);
}

__attribute__((noreturn)) static void child(const struct hr_shim_launch *l,
                                            int wfd) {
  const struct hr_create_opts *o = l->o;
  _cleanup_error_ hr_error_t err = NULL;
  struct log_file out = {.fd = -1}, errf = {.fd = -1};
  struct hr_container c;
  int code = 1;
  /* own session: no terminal signals, and hrun's caller can go away */
  setsid();
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (!l->inherit_stdio && stdio_to_logs(l, &out, &errf, &err) < 0)
    goto fail;
  if (hr_container_create(o, &c, &code, &err) < 0)
    goto fail;
  code = 1;
  if (l->start && hr_container_start_run(o, &c, &err) < 0) {
    hr_error_t e2 = NULL;
    if (hr_container_destroy(o->g, &c.state, &e2) < 0)
      hr_log_warn("%s", hr_error_msg(e2));
    hr_error_free(&e2);
    hr_container_release(&c);
    goto fail;
  }
  if (!l->inherit_stdio &&
      (log_name(&out, c.state_dirfd, HR_STDOUT_LOG, &err) < 0 ||
       log_name(&errf, c.state_dirfd, HR_STDERR_LOG, &err) < 0))
    hr_log_warn("%s", hr_error_msg(err)); /* the container runs: go on */
  log_close(&out);
  log_close(&errf);
  hr_error_free(&err);
  if (hr_shim_pidfile_write(c.state_dirfd, &err) < 0) {
    hr_log_warn("%s", hr_error_msg(err));
    hr_error_free(&err);
  }
  hr_container_release(&c);
  report(wfd, 0, NULL);
  close(wfd);
  stdio_to_null();
  char *argv[] = {SHIM_NAME, "--root",      (char *)o->g->root,
                  "--id",    (char *)o->id, NULL};
  execve(l->shim_path, argv, environ);
  /* the container runs already: monitor it from here rather than leave it
   * without a parent that records its exit */
  _exit(hr_shim_run(o->g->root, o->id, &err) < 0 ? 1 : 0);
fail:
  log_close(&out);
  log_close(&errf);
  report(wfd, code ? code : 1, hr_error_msg(err));
  _exit(code ? code : 1);
}

int hr_shim_launch(const struct hr_shim_launch *l, int *exit_code,
                   hr_error_t *err) {
  *exit_code = 1;
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0)
    return hr_error_set(err, errno, "pipe");
  /* keep clear of the fds --preserve-fds hands to the container */
  int min = 3 + l->o->preserve_fds;
  int rfd = fcntl(p[0], F_DUPFD_CLOEXEC, min);
  int wfd = fcntl(p[1], F_DUPFD_CLOEXEC, min);
  close(p[0]);
  close(p[1]);
  if (rfd < 0 || wfd < 0) {
    int e = errno;
    if (rfd >= 0)
      close(rfd);
    if (wfd >= 0)
      close(wfd);
    return hr_error_set(err, e, "pipe");
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(rfd);
    close(wfd);
    return hr_error_set(err, e, "fork");
  }
  if (pid == 0) {
    close(rfd);
    child(l, wfd);
  }
  close(wfd);
  int32_t code;
  ssize_t n;
  do
    n = read(rfd, &code, sizeof(code));
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t)sizeof(code)) {
    close(rfd);
    int st = 0;
    waitpid(pid, &st, 0);
    return hr_error_set(err, 0,
                        "container setup process died before reporting "
                        "(wait status %#x)",
                        (unsigned)st);
  }
  if (code == 0) {
    close(rfd);
    *exit_code = 0;
    return 0;
  }
  char msg[4096];
  size_t len = 0;
  while (len < sizeof(msg) - 1) {
    n = read(rfd, msg + len, sizeof(msg) - 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    len += (size_t)n;
  }
  msg[len] = '\0';
  close(rfd);
  waitpid(pid, NULL, 0);
  *exit_code = code;
  return hr_error_set(err, 0, "%s", len ? msg : "container setup failed");
}
