/* Creating, opening and updating a container's cgroup directory. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"

#define DIR_FLAGS (O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)

/* rel must be what hr_cgroup_resolve_path produces. */
static int check_rel(const char *rel, hr_error_t *err) {
  if (!rel || !*rel || rel[0] == '/')
    return hr_error_set(err, 0, "cgroup: invalid path \"%s\"", rel ? rel : "");
  for (const char *p = rel; *p;) {
    size_t l = strcspn(p, "/");
    if (l == 0 || (l == 1 && p[0] == '.') ||
        (l == 2 && p[0] == '.' && p[1] == '.'))
      return hr_error_set(err, 0, "cgroup: invalid path \"%s\"", rel);
    p += l;
    if (*p)
      p++;
  }
  return 0;
}

/* Enable the needed controllers in the cgroup at root/prefix (prefix ""
 * is the root itself) so its children get them. Only the missing ones are
 * written: an ancestor hrun does not own may already have them. */
static int enable_controllers(int rootfd, const char *prefix,
                              const struct hr_cgroup_need *needs, size_t n,
                              hr_error_t *err) {
  if (n == 0)
    return 0;
  _cleanup_free_ char *file = NULL, *cur = NULL;
  if (asprintf(&file, "%s%scgroup.subtree_control", prefix,
               *prefix ? "/" : "") < 0)
    return hr_error_set(err, ENOMEM, "cgroup");
  if (hr_cgroup_read(rootfd, file, &cur, err) < 0)
    return -1;
  char val[512] = "";
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    if (hr_cgroup_list_has(cur, needs[i].controller))
      continue;
    int w = snprintf(val + len, sizeof(val) - len, "%s+%s", len ? " " : "",
                     needs[i].controller);
    if (w < 0 || (size_t)w >= sizeof(val) - len)
      return hr_error_set(err, 0, "cgroup: too many controllers");
    len += (size_t)w;
  }
  if (len == 0)
    return 0;
  return hr_cgroup_write(rootfd, file, val, err);
}

/* Remove root/rel and its ancestors down to (not including) depth `keep`
 * components: what this call created. Best effort: it only runs after
 * another error. */
static void remove_created(int rootfd, const char *rel, size_t keep) {
  _cleanup_free_ char *p = strdup(rel);
  if (!p)
    return;
  for (;;) {
    size_t depth = 1;
    for (const char *c = p; *c; c++)
      depth += *c == '/';
    if (depth <= keep)
      return;
    if (unlinkat(rootfd, p, AT_REMOVEDIR) < 0 && errno != ENOENT)
      return;
    char *slash = strrchr(p, '/');
    if (!slash)
      return;
    *slash = '\0';
  }
}

/* cgroup.procs of an existing cgroup must be empty to be reused. */
static int check_unused(int dirfd, const char *mnt, const char *rel,
                        hr_error_t *err) {
  _cleanup_free_ char *procs = NULL;
  int r = hr_cgroup_read_optional(dirfd, "cgroup.procs", &procs, err);
  if (r <= 0)
    return r < 0 ? hr_error_wrap(err, "%s/%s", mnt, rel) : 0;
  if (procs[strspn(procs, " \n")] != '\0')
    return hr_error_set(
        err, EBUSY, "cgroup: %s/%s already exists and has processes", mnt, rel);
  return 0;
}

/* Walk rel from the root, enabling controllers in each ancestor and (when
 * mk) creating missing directories. Returns the leaf's O_PATH fd and, in
 * *created_from, the depth of the first directory made here (SIZE_MAX if
 * none). */
static int walk(int rootfd, const char *mnt, const char *rel, bool mk,
                const struct hr_cgroup_need *needs, size_t n_needs, int *leaf,
                size_t *created_from, hr_error_t *err) {
  *created_from = SIZE_MAX;
  *leaf = -1;
  _cleanup_close_ int cur = openat(rootfd, ".", DIR_FLAGS);
  if (cur < 0)
    return hr_error_set(err, errno, "cgroup: open %s", mnt);
  size_t depth = 0;
  for (const char *p = rel; *p;) {
    size_t l = strcspn(p, "/");
    _cleanup_free_ char *prefix = strndup(rel, (size_t)(p - rel));
    _cleanup_free_ char *comp = strndup(p, l);
    if (!prefix || !comp)
      return hr_error_set(err, ENOMEM, "cgroup");
    if (prefix[0] && prefix[strlen(prefix) - 1] == '/')
      prefix[strlen(prefix) - 1] = '\0';
    if (enable_controllers(rootfd, prefix, needs, n_needs, err) < 0)
      return -1;
    depth++;
    if (mk) {
      if (mkdirat(cur, comp, 0755) == 0) {
        if (*created_from == SIZE_MAX)
          *created_from = depth;
      } else if (errno != EEXIST) {
        return hr_error_set(err, errno, "cgroup: mkdir %s/%.*s", mnt,
                            (int)(p - rel + (ptrdiff_t)l), rel);
      }
    }
    int next = openat(cur, comp, DIR_FLAGS);
    if (next < 0)
      return hr_error_set(err, errno, "cgroup: open %s/%.*s", mnt,
                          (int)(p - rel + (ptrdiff_t)l), rel);
    close(cur);
    cur = next;
    p += l;
    if (*p)
      p++;
  }
  *leaf = hr_steal_fd(cur);
  return 0;
}

static int fill(struct hr_cgroup *out, const char *mnt, const char *rel,
                enum hr_cgroup_mode mode, int dirfd, hr_error_t *err) {
  /* dirfd stays the caller's until everything else succeeded. */
  out->dirfd = -1;
  out->mount = strdup(mnt);
  out->path = strdup(rel);
  out->mode = mode;
  out->timeout_ms = 0;
  if (!out->mount || !out->path) {
    hr_cgroup_close(out);
    return hr_error_set(err, ENOMEM, "cgroup");
  }
  out->dirfd = dirfd;
  return 0;
}

int hr_cgroup_create(const char *mnt, enum hr_cgroup_mode mode, const char *rel,
                     const struct hr_resources *r, struct hr_cgroup *out,
                     hr_error_t *err) {
  memset(out, 0, sizeof(*out));
  out->dirfd = -1;
  if (hr_cgroup_check(mnt, mode, r, err) < 0)
    return -1;
  if (!mnt)
    return hr_error_set(err, 0,
                        "cgroup: no cgroup v2 hierarchy (host layout: %s)",
                        hr_cgroup_mode_name(mode));
  if (check_rel(rel, err) < 0)
    return -1;
  struct hr_cgroup_need *needs = NULL;
  size_t n_needs = 0;
  if (hr_cgroup_needs(r, &needs, &n_needs, err) < 0)
    return -1;
  _cleanup_close_ int rootfd = open(mnt, DIR_FLAGS);
  _cleanup_close_ int leaf = -1;
  size_t created_from = SIZE_MAX;
  int rc;
  if (rootfd < 0)
    rc = hr_error_set(err, errno, "cgroup: open %s", mnt);
  else
    rc =
        walk(rootfd, mnt, rel, true, needs, n_needs, &leaf, &created_from, err);
  hr_cgroup_needs_free(needs, n_needs);
  if (rc == 0 && created_from == SIZE_MAX)
    rc = check_unused(leaf, mnt, rel, err);
  if (rc == 0)
    rc = hr_cgroup_apply(leaf, r, false, err);
  if (rc == 0)
    rc = fill(out, mnt, rel, mode, leaf, err);
  if (rc < 0) {
    if (rootfd >= 0 && created_from != SIZE_MAX)
      remove_created(rootfd, rel, created_from - 1);
    return -1;
  }
  leaf = -1; /* owned by out */
  return 0;
}

int hr_cgroup_open(const char *mnt, enum hr_cgroup_mode mode, const char *rel,
                   struct hr_cgroup *out, hr_error_t *err) {
  memset(out, 0, sizeof(*out));
  out->dirfd = -1;
  if (!mnt)
    return hr_error_set(err, 0,
                        "cgroup: no cgroup v2 hierarchy (host layout: %s)",
                        hr_cgroup_mode_name(mode));
  if (check_rel(rel, err) < 0)
    return -1;
  _cleanup_close_ int rootfd = open(mnt, DIR_FLAGS);
  if (rootfd < 0)
    return hr_error_set(err, errno, "cgroup: open %s", mnt);
  _cleanup_close_ int fd = openat(rootfd, rel, DIR_FLAGS);
  if (fd < 0)
    return hr_error_set(err, errno, "cgroup: open %s/%s", mnt, rel);
  if (fill(out, mnt, rel, mode, fd, err) < 0)
    return -1;
  fd = -1;
  return 0;
}

/* memory.checkBeforeUpdate: refuse a limit below what is in use now. */
static int check_memory_usage(const struct hr_cgroup *cg,
                              const struct hr_resources *r, hr_error_t *err) {
  if (!r->memory.check_before_update || !r->memory.limit.set ||
      r->memory.limit.v <= 0)
    return 0;
  _cleanup_free_ char *cur = NULL;
  if (hr_cgroup_read(cg->dirfd, "memory.current", &cur, err) < 0)
    return -1;
  char *end;
  errno = 0;
  unsigned long long usage = strtoull(cur, &end, 10);
  if (errno || end == cur)
    return hr_error_set(err, 0, "cgroup: memory.current: unexpected content");
  if (usage > (unsigned long long)r->memory.limit.v)
    return hr_error_set(err, 0,
                        "%s.memory.limit: unable to set memory limit to "
                        "%" PRId64 " (current usage: %llu)",
                        r->path ? r->path : "linux.resources",
                        r->memory.limit.v, usage);
  return 0;
}

int hr_cgroup_update(const struct hr_cgroup *cg, const struct hr_resources *r,
                     hr_error_t *err) {
  if (hr_cgroup_check(cg->mount, cg->mode, r, err) < 0)
    return -1;
  struct hr_cgroup_need *needs = NULL;
  size_t n_needs = 0;
  if (hr_cgroup_needs(r, &needs, &n_needs, err) < 0)
    return -1;
  int rc = 0;
  /* Limits of a controller the cgroup was created without need it
   * delegated now. */
  if (n_needs > 0) {
    _cleanup_close_ int rootfd = open(cg->mount, DIR_FLAGS);
    _cleanup_close_ int leaf = -1;
    size_t created;
    if (rootfd < 0)
      rc = hr_error_set(err, errno, "cgroup: open %s", cg->mount);
    else
      rc = walk(rootfd, cg->mount, cg->path, false, needs, n_needs, &leaf,
                &created, err);
  }
  hr_cgroup_needs_free(needs, n_needs);
  if (rc < 0 || check_memory_usage(cg, r, err) < 0 ||
      hr_cgroup_apply(cg->dirfd, r, true, err) < 0)
    return -1;
  if (r->n_devices > 0)
    return hr_cgroup_set_devices(cg, r->devices, r->n_devices, err);
  return 0;
}

void hr_cgroup_close(struct hr_cgroup *cg) {
  if (!cg)
    return;
  free(cg->mount);
  free(cg->path);
  if (cg->dirfd >= 0)
    close(cg->dirfd);
  cg->mount = cg->path = NULL;
  cg->dirfd = -1;
}
