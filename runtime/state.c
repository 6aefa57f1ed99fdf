#include "hrun/state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/json_field.h"

const char *hr_status_name(enum hr_status s) {
  switch (s) {
  case HR_STATUS_CREATING:
    return "creating";
  case HR_STATUS_CREATED:
    return "created";
  case HR_STATUS_RUNNING:
    return "running";
  case HR_STATUS_PAUSED:
    return "paused";
  case HR_STATUS_STOPPED:
    break;
  }
  return "stopped";
}

static int mkdir_p(const char *path, mode_t mode) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = 0;
    if (mkdir(tmp, mode) < 0 && errno != EEXIST)
      return -1;
    *p = '/';
  }
  if (mkdir(tmp, mode) < 0 && errno != EEXIST)
    return -1;
  return 0;
}

int hr_state_dir_create(const char *root, const char *id, int *dirfd,
                        hr_error_t *err) {
  _cleanup_close_ int rootfd = open(root, O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) {
    if (errno != ENOENT || mkdir_p(root, 0700) < 0)
      return hr_error_set(err, errno, "--root: create %s", root);
    rootfd = open(root, O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
      return hr_error_set(err, errno, "--root: open %s", root);
  }
  /* mkdir is the atomic claim on the id: of concurrent creates, one wins */
  if (mkdirat(rootfd, id, 0700) < 0) {
    if (errno == EEXIST)
      return hr_error_set_errno(err, EEXIST, "container with id exists: %s",
                                id);
    return hr_error_set(err, errno, "create state directory %s/%s", root, id);
  }
  int fd = openat(rootfd, id, O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return hr_error_set(err, errno, "open state directory %s/%s", root, id);
  *dirfd = fd;
  return 0;
}

int hr_state_dir_open(const char *root, const char *id, int *dirfd,
                      hr_error_t *err) {
  _cleanup_free_ char *path = NULL;
  if (asprintf(&path, "%s/%s", root, id) < 0)
    return hr_error_set(err, ENOMEM, "state path");
  int fd = open(path, O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT)
      return hr_error_set_errno(err, ENOENT, "container \"%s\" does not exist",
                                id);
    return hr_error_set(err, errno, "open %s", path);
  }
  *dirfd = fd;
  return 0;
}

static json_t *state_to_disk_json(const struct hr_state *s) {
  json_t *o = json_pack(
      "{s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:b}", "id", s->id, "pid",
      (json_int_t)s->pid, "start_time", (json_int_t)s->start_time, "bundle",
      s->bundle, "rootfs", s->rootfs, "created", s->created, "owner",
      s->owner ? s->owner : "", "shared_pidns", s->shared_pidns);
  if (o && s->has_poststart)
    json_object_set_new(o, "has_poststart", json_true());
  if (!o)
    return NULL;
  if (s->annotations)
    json_object_set(o, "annotations", s->annotations);
  if (s->cgroup_path) {
    json_object_set_new(o, "cgroup_mount", json_string(s->cgroup_mount));
    json_object_set_new(o, "cgroup_path", json_string(s->cgroup_path));
  }
  if (s->extra)
    json_object_set(o, "extra", s->extra);
  return o;
}

int hr_state_save(int dirfd, const struct hr_state *s, hr_error_t *err) {
  _cleanup_json_ json_t *o = state_to_disk_json(s);
  if (!o)
    return hr_error_set(err, ENOMEM, "encode state");
  _cleanup_free_ char *buf = json_dumps(o, JSON_COMPACT);
  if (!buf)
    return hr_error_set(err, ENOMEM, "encode state");
  /* write-then-rename so readers never see a torn state.json */
  _cleanup_close_ int fd =
      openat(dirfd, HR_STATE_FILE ".tmp",
             O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    return hr_error_set(err, errno, "write state");
  size_t len = strlen(buf), off = 0;
  while (off < len) {
    ssize_t w = write(fd, buf + off, len - off);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return hr_error_set(err, errno, "write state");
    }
    off += (size_t)w;
  }
  if (renameat(dirfd, HR_STATE_FILE ".tmp", dirfd, HR_STATE_FILE) < 0)
    return hr_error_set(err, errno, "rename state");
  return 0;
}

static char *dup_str(json_t *o, const char *key) {
  const char *v = json_string_value(json_object_get(o, key));
  return v ? strdup(v) : NULL;
}

int hr_state_load(const char *root, const char *id, struct hr_state *out,
                  hr_error_t *err) {
  memset(out, 0, sizeof(*out));
  _cleanup_close_ int dirfd = -1;
  if (hr_state_dir_open(root, id, &dirfd, err) < 0)
    return -1;
  _cleanup_close_ int fd =
      openat(dirfd, HR_STATE_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    /* a create killed half-way leaves a directory without state.json */
    if (errno == ENOENT) {
      out->id = strdup(id);
      return out->id ? 0 : hr_error_set(err, ENOMEM, "state");
    }
    return hr_error_set(err, errno, "open state of \"%s\"", id);
  }
  _cleanup_json_ json_t *o = NULL;
  if (hr_json_load_fd(fd, "state.json", &o, err) < 0 || !json_is_object(o)) {
    /* a damaged state file reads as a stopped container so it can be
     * deleted */
    hr_error_free(err);
    out->id = strdup(id);
    return out->id ? 0 : hr_error_set(err, ENOMEM, "state");
  }
  out->id = strdup(id);
  out->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
  out->start_time =
      (unsigned long long)json_integer_value(json_object_get(o, "start_time"));
  out->bundle = dup_str(o, "bundle");
  out->rootfs = dup_str(o, "rootfs");
  out->created = dup_str(o, "created");
  out->owner = dup_str(o, "owner");
  out->cgroup_mount = dup_str(o, "cgroup_mount");
  out->cgroup_path = dup_str(o, "cgroup_path");
  out->shared_pidns = json_is_true(json_object_get(o, "shared_pidns"));
  out->has_poststart = json_is_true(json_object_get(o, "has_poststart"));
  json_t *a = json_object_get(o, "annotations");
  if (json_is_object(a))
    out->annotations = json_incref(a);
  json_t *x = json_object_get(o, "extra");
  if (json_is_object(x))
    out->extra = json_incref(x);
  return 0;
}

void hr_state_free(struct hr_state *s) {
  free(s->id);
  free(s->bundle);
  free(s->rootfs);
  free(s->created);
  free(s->owner);
  free(s->cgroup_mount);
  free(s->cgroup_path);
  if (s->annotations)
    json_decref(s->annotations);
  if (s->extra)
    json_decref(s->extra);
  memset(s, 0, sizeof(*s));
}

static int remove_tree_at(int dirfd) {
  _cleanup_closedir_ DIR *d = fdopendir(dup(dirfd));
  if (!d)
    return -1;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
      continue;
    if (unlinkat(dirfd, de->d_name, 0) == 0 || errno == ENOENT)
      continue;
    if (errno != EISDIR)
      return -1;
    _cleanup_close_ int sub =
        openat(dirfd, de->d_name, O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (sub < 0 || remove_tree_at(sub) < 0)
      return -1;
    if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
      return -1;
  }
  return 0;
}

int hr_state_remove(const char *root, const char *id, hr_error_t *err) {
  _cleanup_close_ int rootfd = open(root, O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return errno == ENOENT ? 0 : hr_error_set(err, errno, "open %s", root);
  _cleanup_close_ int fd =
      openat(rootfd, id, O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT ? 0
                           : hr_error_set(err, errno, "open %s/%s", root, id);
  if (remove_tree_at(fd) < 0)
    return hr_error_set(err, errno, "remove state of %s", id);
  if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return hr_error_set(err, errno, "remove state of %s", id);
  return 0;
}

int hr_proc_start_time(pid_t pid, unsigned long long *out) {
  char path[64], buf[1024];
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  if (n <= 0)
    return -1;
  buf[n] = 0;
  /* comm may contain spaces and parens: fields start after the last ')' */
  char *p = strrchr(buf, ')');
  if (!p)
    return -1;
  p++;
  /* after ')' come fields 3..; starttime is field 22 */
  for (int field = 2; field < 21 && p; field++)
    p = strchr(p + 1, ' ');
  if (!p)
    return -1;
  *out = strtoull(p + 1, NULL, 10);
  return 0;
}

int hr_state_pidfd(const struct hr_state *s, int *pidfd, hr_error_t *err) {
  if (s->pid <= 0)
    return hr_error_set_errno(err, ESRCH, "container not running");
  int fd = (int)syscall(SYS_pidfd_open, s->pid, 0);
  if (fd < 0)
    return hr_error_set_errno(err, ESRCH, "container not running");
  /* the pidfd pins the process; now confirm it is the one we started */
  unsigned long long st;
  if (hr_proc_start_time(s->pid, &st) < 0 || st != s->start_time) {
    close(fd);
    return hr_error_set_errno(err, ESRCH, "container not running");
  }
  *pidfd = fd;
  return 0;
}

static bool is_frozen(const struct hr_state *s) {
  if (!s->cgroup_path)
    return false;
  char path[PATH_MAX], buf[8] = {0};
  snprintf(path, sizeof(path), "%s/%s/cgroup.freeze", s->cgroup_mount,
           s->cgroup_path);
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  return fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && buf[0] == '1';
}

static bool is_zombie(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return true;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  if (n <= 0)
    return true;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

enum hr_status hr_state_status(const char *root, const struct hr_state *s) {
  unsigned long long st;
  if (s->pid <= 0 || hr_proc_start_time(s->pid, &st) < 0 ||
      st != s->start_time || is_zombie(s->pid))
    return HR_STATUS_STOPPED;
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/%s/" HR_EXEC_FIFO, root, s->id);
  if (access(path, F_OK) == 0)
    return HR_STATUS_CREATED;
  if (is_frozen(s))
    return HR_STATUS_PAUSED;
  return HR_STATUS_RUNNING;
}

json_t *hr_state_to_json(const struct hr_state *s, enum hr_status status) {
  json_t *o = json_pack("{s:s,s:s,s:s}", "ociVersion", "1.0.2", "id",
                        s->id ? s->id : "", "status", hr_status_name(status));
  if (!o)
    return NULL;
  json_object_set_new(
      o, "pid",
      json_integer(status == HR_STATUS_STOPPED ? 0 : (json_int_t)s->pid));
  json_object_set_new(o, "bundle", json_string(s->bundle ? s->bundle : ""));
  json_object_set_new(o, "rootfs", json_string(s->rootfs ? s->rootfs : ""));
  json_object_set_new(o, "created", json_string(s->created ? s->created : ""));
  json_object_set_new(o, "owner", json_string(s->owner ? s->owner : ""));
  json_object_set(o, "annotations",
                  s->annotations ? s->annotations : json_object());
  if (!s->annotations)
    json_decref(json_object_get(o, "annotations"));
  if (s->extra) {
    const char *k;
    json_t *v;
    json_object_foreach(s->extra, k, v) { json_object_set(o, k, v); }
  }
  return o;
}
