/* Which cgroup layout the host has, and whether the controllers a config
 * needs are available in its cgroup2 hierarchy. */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"

enum hr_cgroup_mode hr_cgroup_mode_from_magic(long mnt_magic,
                                              long unified_magic) {
  if (mnt_magic == CGROUP2_SUPER_MAGIC)
    return HR_CGROUP_UNIFIED;
  if (mnt_magic != TMPFS_MAGIC)
    return HR_CGROUP_NONE;
  return unified_magic == CGROUP2_SUPER_MAGIC ? HR_CGROUP_HYBRID
                                              : HR_CGROUP_LEGACY;
}

const char *hr_cgroup_mode_name(enum hr_cgroup_mode mode) {
  switch (mode) {
  case HR_CGROUP_UNIFIED:
    return "unified";
  case HR_CGROUP_HYBRID:
    return "hybrid";
  case HR_CGROUP_LEGACY:
    return "legacy";
  case HR_CGROUP_NONE:
    break;
  }
  return "none";
}

static long fs_magic(const char *path) {
  struct statfs st;
  if (statfs(path, &st) < 0)
    return 0;
  return (long)st.f_type;
}

int hr_cgroup_detect_mode(const char *mnt, enum hr_cgroup_mode *mode,
                          char **v2_mount, hr_error_t *err) {
  *v2_mount = NULL;
  long m = fs_magic(mnt), u = 0;
  _cleanup_free_ char *unified = NULL;
  if (m == TMPFS_MAGIC) {
    if (asprintf(&unified, "%s/unified", mnt) < 0)
      return hr_error_set(err, ENOMEM, "cgroup: detect mode");
    u = fs_magic(unified);
  }
  *mode = hr_cgroup_mode_from_magic(m, u);
  if (*mode == HR_CGROUP_UNIFIED) {
    *v2_mount = strdup(mnt);
    if (!*v2_mount)
      return hr_error_set(err, ENOMEM, "cgroup: detect mode");
  } else if (*mode == HR_CGROUP_HYBRID) {
    *v2_mount = hr_steal_ptr(unified);
  }
  return 0;
}

static const char *unavailable_reason(enum hr_cgroup_mode mode) {
  switch (mode) {
  case HR_CGROUP_UNIFIED:
    return "not enabled in the kernel";
  case HR_CGROUP_HYBRID:
    return "host uses a hybrid cgroup layout";
  case HR_CGROUP_LEGACY:
    return "host uses cgroup v1";
  case HR_CGROUP_NONE:
    break;
  }
  return "no cgroup2 hierarchy is mounted";
}

static const char *res_path(const struct hr_resources *r) {
  return r->path ? r->path : "linux.resources";
}

static int v1_only(const struct hr_resources *r, const char *field,
                   hr_error_t *err) {
  return hr_error_set(err, 0, "%s.%s: not supported on cgroup v2", res_path(r),
                      field);
}

int hr_cgroup_check_v2(const struct hr_resources *r, hr_error_t *err) {
  const __typeof__(r->memory) *m = &r->memory;
  if (m->kernel.set)
    return v1_only(r, "memory.kernel", err);
  if (m->kernel_tcp.set)
    return v1_only(r, "memory.kernelTCP", err);
  if (m->swappiness.set)
    return v1_only(r, "memory.swappiness", err);
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    return v1_only(r, "memory.disableOOMKiller", err);
  /* v2 is always hierarchical: true is what it does, false cannot be. */
  if (m->has_use_hierarchy && !m->use_hierarchy)
    return v1_only(r, "memory.useHierarchy", err);
  if (r->cpu.realtime_runtime.set)
    return v1_only(r, "cpu.realtimeRuntime", err);
  if (r->cpu.realtime_period.set)
    return v1_only(r, "cpu.realtimePeriod", err);
  if (r->block_io.leaf_weight.set)
    return v1_only(r, "blockIO.leafWeight", err);
  for (size_t i = 0; i < r->block_io.n_weight_device; i++)
    if (r->block_io.weight_device[i].leaf_weight.set)
      return hr_error_set(err, 0,
                          "%s.blockIO.weightDevice[%zu].leafWeight: not "
                          "supported on cgroup v2",
                          res_path(r), i);
  if (r->network.class_id.set)
    return v1_only(r, "network.classID", err);
  if (r->network.has_priorities)
    return v1_only(r, "network.priorities", err);
  return 0;
}

static int add_need(struct hr_cgroup_need **needs, size_t *n, const char *ctrl,
                    size_t ctrl_len, const char *base, const char *field,
                    hr_error_t *err) {
  for (size_t i = 0; i < *n; i++)
    if (strlen((*needs)[i].controller) == ctrl_len &&
        strncmp((*needs)[i].controller, ctrl, ctrl_len) == 0)
      return 0;
  struct hr_cgroup_need *nn = realloc(*needs, (*n + 1) * sizeof(**needs));
  if (!nn)
    return hr_error_set(err, ENOMEM, "cgroup: controllers");
  *needs = nn;
  struct hr_cgroup_need *e = &nn[*n];
  e->controller = strndup(ctrl, ctrl_len);
  if (asprintf(&e->why, "%s.%s", base, field) < 0)
    e->why = NULL;
  if (!e->controller || !e->why) {
    free(e->controller);
    free(e->why);
    return hr_error_set(err, ENOMEM, "cgroup: controllers");
  }
  (*n)++;
  return 0;
}

static bool nonzero_i64(hr_opt_i64 o) { return o.set && o.v != 0; }
static bool nonzero_u64(hr_opt_u64 o) { return o.set && o.v != 0; }

int hr_cgroup_needs(const struct hr_resources *r, struct hr_cgroup_need **out,
                    size_t *n_out, hr_error_t *err) {
  struct hr_cgroup_need *needs = NULL;
  size_t n = 0;
  *out = NULL;
  *n_out = 0;
  if (!r)
    return 0;
  const char *b = res_path(r);
  const __typeof__(r->cpu) *c = &r->cpu;
  size_t throttles = 0;
  for (int k = 0; k < 4; k++)
    throttles += r->block_io.n_throttle[k];
  struct {
    bool when;
    const char *ctrl, *field;
  } table[] = {
      {nonzero_i64(r->memory.limit) || nonzero_i64(r->memory.reservation) ||
           nonzero_i64(r->memory.swap),
       "memory", "memory"},
      {nonzero_u64(c->shares) || c->quota.set || c->period.set ||
           c->burst.set || c->idle.set,
       "cpu", "cpu"},
      {c->cpus != NULL, "cpuset", "cpu.cpus"},
      {c->mems != NULL, "cpuset", "cpu.mems"},
      {r->pids.limit.set, "pids", "pids"},
      {r->block_io.weight.set || r->block_io.n_weight_device || throttles, "io",
       "blockIO"},
      {r->n_hugepages > 0, "hugetlb", "hugepageLimits"},
      {r->rdma.n > 0, "rdma", "rdma"},
  };
  int rc = 0;
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]) && rc == 0; i++)
    if (table[i].when)
      rc = add_need(&needs, &n, table[i].ctrl, strlen(table[i].ctrl), b,
                    table[i].field, err);
  for (size_t i = 0; i < r->n_unified && rc == 0; i++) {
    const char *key = r->unified[i].key;
    size_t len = strcspn(key, ".");
    /* cgroup.* files belong to the core, not to a controller. */
    if (len == 6 && strncmp(key, "cgroup", 6) == 0)
      continue;
    _cleanup_free_ char *field = NULL;
    if (asprintf(&field, "unified.%s", key) < 0)
      rc = hr_error_set(err, ENOMEM, "cgroup: controllers");
    else
      rc = add_need(&needs, &n, key, len, b, field, err);
  }
  if (rc < 0) {
    hr_cgroup_needs_free(needs, n);
    return -1;
  }
  *out = needs;
  *n_out = n;
  return 0;
}

void hr_cgroup_needs_free(struct hr_cgroup_need *needs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(needs[i].controller);
    free(needs[i].why);
  }
  free(needs);
}

int hr_cgroup_check(const char *mnt, enum hr_cgroup_mode mode,
                    const struct hr_resources *r, hr_error_t *err) {
  if (!r)
    return 0;
  if (hr_cgroup_check_v2(r, err) < 0)
    return -1;
  struct hr_cgroup_need *needs = NULL;
  size_t n = 0;
  if (hr_cgroup_needs(r, &needs, &n, err) < 0)
    return -1;
  int rc = 0;
  _cleanup_free_ char *avail = NULL;
  if (n > 0 && mnt) {
    _cleanup_close_ int fd = open(mnt, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      rc = hr_error_set(err, errno, "cgroup: open %s", mnt);
    else if (hr_cgroup_read(fd, "cgroup.controllers", &avail, err) < 0)
      rc = hr_error_wrap(err, "%s", mnt);
  }
  for (size_t i = 0; i < n && rc == 0; i++)
    if (!avail || !hr_cgroup_list_has(avail, needs[i].controller))
      rc = hr_error_set(err, 0,
                        "cgroup v2 controller \"%s\" is not available (%s); "
                        "cannot apply %s",
                        needs[i].controller, unavailable_reason(mode),
                        needs[i].why);
  hr_cgroup_needs_free(needs, n);
  return rc;
}
