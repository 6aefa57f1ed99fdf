/* linux.resources: decode and validate every value before anything is
 * written to a cgroup, so a bad config never leaves a half-applied limit.
 * Errors name the JSON path of the offending field. Whether a field can be
 * honoured on cgroup v2 is decided later by the cgroup code (it needs to
 * know the host); this file only checks that the values make sense. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/json_field.h"
#include "hrun/resources.h"

/* "path: reason" for a field whose path is already joined. */
static int field_err(hr_error_t *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int field_err(hr_error_t *err, const char *path, const char *fmt, ...) {
  _cleanup_free_ char *reason = NULL;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&reason, fmt, ap);
  va_end(ap);
  if (n < 0)
    return hr_error_set(err, ENOMEM, "%s", path);
  return hr_error_set(err, 0, "%s: %s", path, reason);
}

static int oom(hr_error_t *err, const char *path) {
  return hr_error_set(err, ENOMEM, "%s", path);
}

/* Object member -> joined path, or NULL (with *err) on OOM. */
static char *join(const char *path, const char *key, hr_error_t *err) {
  char *s = hr_json_join(path, key);
  if (!s)
    oom(err, path);
  return s;
}

/* "path.key: reason", for a member whose path is not joined yet. */
static int member_err(hr_error_t *err, const char *path, const char *key,
                      const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int member_err(hr_error_t *err, const char *path, const char *key,
                      const char *fmt, ...) {
  _cleanup_free_ char *fp = join(path, key, err);
  _cleanup_free_ char *reason = NULL;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&reason, fmt, ap);
  va_end(ap);
  if (!fp)
    return -1;
  if (n < 0)
    return oom(err, fp);
  return hr_error_set(err, 0, "%s: %s", fp, reason);
}

static int get_i64(json_t *o, const char *path, const char *key, int64_t min,
                   hr_opt_i64 *out, hr_error_t *err) {
  int r = hr_json_get_int64(o, path, key, false, min, INT64_MAX, &out->v, err);
  if (r < 0)
    return -1;
  out->set = r == 1;
  return 0;
}

static int get_u64(json_t *o, const char *path, const char *key, uint64_t max,
                   hr_opt_u64 *out, hr_error_t *err) {
  int r = hr_json_get_uint64(o, path, key, false, max, &out->v, err);
  if (r < 0)
    return -1;
  out->set = r == 1;
  return 0;
}

/* A cpuset list: "0-3,5,7-8". The kernel is the judge of which cpus exist;
 * here we only reject what could never parse. */
static bool valid_cpuset_list(const char *s) {
  const char *p = s;
  for (;;) {
    if (!isdigit((unsigned char)*p))
      return false;
    char *end;
    errno = 0;
    unsigned long a = strtoul(p, &end, 10);
    if (errno)
      return false;
    p = end;
    if (*p == '-') {
      p++;
      if (!isdigit((unsigned char)*p))
        return false;
      unsigned long b = strtoul(p, &end, 10);
      if (errno || b < a)
        return false;
      p = end;
    }
    if (*p == '\0')
      return true;
    if (*p != ',')
      return false;
    p++;
  }
}

static int parse_memory(json_t *obj, const char *path, struct hr_resources *r,
                        hr_error_t *err) {
  json_t *m;
  int rc = hr_json_get_object(obj, path, "memory", false, &m, err);
  if (rc <= 0)
    return rc;
  _cleanup_free_ char *p = join(path, "memory", err);
  if (!p)
    return -1;
  r->memory.present = true;
  /* -1 means unlimited; other negative values mean nothing. */
  if (get_i64(m, p, "limit", -1, &r->memory.limit, err) < 0 ||
      get_i64(m, p, "reservation", -1, &r->memory.reservation, err) < 0 ||
      get_i64(m, p, "swap", -1, &r->memory.swap, err) < 0 ||
      get_i64(m, p, "kernel", -1, &r->memory.kernel, err) < 0 ||
      get_i64(m, p, "kernelTCP", -1, &r->memory.kernel_tcp, err) < 0 ||
      get_u64(m, p, "swappiness", 100, &r->memory.swappiness, err) < 0)
    return -1;
  rc = hr_json_get_bool(m, p, "disableOOMKiller", false,
                        &r->memory.disable_oom_killer, err);
  if (rc < 0)
    return -1;
  r->memory.has_disable_oom_killer = rc == 1;
  rc = hr_json_get_bool(m, p, "useHierarchy", false, &r->memory.use_hierarchy,
                        err);
  if (rc < 0)
    return -1;
  r->memory.has_use_hierarchy = rc == 1;
  if (hr_json_get_bool(m, p, "checkBeforeUpdate", false,
                       &r->memory.check_before_update, err) < 0)
    return -1;

  /* swap is memory+swap (the v1 meaning). 0 is "unset" and -1 "unlimited",
   * as in runc; any other value needs a real memory limit below it. */
  const hr_opt_i64 *lim = &r->memory.limit, *sw = &r->memory.swap;
  if (sw->set && sw->v > 0) {
    _cleanup_free_ char *sp = join(p, "swap", err);
    if (!sp)
      return -1;
    if (!lim->set || lim->v <= 0)
      return field_err(err, sp, "requires memory.limit to be set");
    if (sw->v < lim->v)
      return field_err(err, sp,
                       "must be greater than or equal to memory.limit");
  }
  return 0;
}

static int parse_cpuset_field(json_t *c, const char *p, const char *key,
                              char **out, hr_error_t *err) {
  if (hr_json_get_string(c, p, key, false, out, err) < 0)
    return -1;
  if (*out && **out == '\0') {
    /* runc treats "" as unset. */
    free(*out);
    *out = NULL;
  }
  if (*out && !valid_cpuset_list(*out)) {
    _cleanup_free_ char *fp = join(p, key, err);
    if (!fp)
      return -1;
    return field_err(err, fp,
                     "\"%s\" is not a list of numbers and ranges (e.g. "
                     "\"0-3,5\")",
                     *out);
  }
  return 0;
}

static int parse_cpu(json_t *obj, const char *path, struct hr_resources *r,
                     hr_error_t *err) {
  json_t *c;
  int rc = hr_json_get_object(obj, path, "cpu", false, &c, err);
  if (rc <= 0)
    return rc;
  _cleanup_free_ char *p = join(path, "cpu", err);
  if (!p)
    return -1;
  r->cpu.present = true;
  if (get_u64(c, p, "shares", UINT64_MAX, &r->cpu.shares, err) < 0 ||
      get_i64(c, p, "quota", -1, &r->cpu.quota, err) < 0 ||
      get_u64(c, p, "burst", UINT64_MAX, &r->cpu.burst, err) < 0 ||
      get_u64(c, p, "period", UINT64_MAX, &r->cpu.period, err) < 0 ||
      get_i64(c, p, "realtimeRuntime", -1, &r->cpu.realtime_runtime, err) < 0 ||
      get_u64(c, p, "realtimePeriod", UINT64_MAX, &r->cpu.realtime_period,
              err) < 0)
    return -1;
  rc = hr_json_get_int64(c, p, "idle", false, 0, 1, &r->cpu.idle.v, err);
  if (rc < 0)
    return -1;
  r->cpu.idle.set = rc == 1;
  /* The kernel's CFS bandwidth bounds (kernel/sched/core.c): the period is
   * 1ms..1s and a quota below 1ms is rejected, so catch both here with a
   * message that names the field rather than "Invalid argument". */
  if (r->cpu.quota.set && r->cpu.quota.v != -1 && r->cpu.quota.v < 1000) {
    return member_err(err, p, "quota",
                      "must be -1 (unlimited) or at least 1000 "
                      "microseconds, got %" PRId64,
                      r->cpu.quota.v);
  }
  if (r->cpu.period.set &&
      (r->cpu.period.v < 1000 || r->cpu.period.v > 1000000)) {
    return member_err(err, p, "period",
                      "must be between 1000 and 1000000 microseconds, "
                      "got %" PRIu64,
                      r->cpu.period.v);
  }
  if (r->cpu.burst.set && r->cpu.quota.set && r->cpu.quota.v > 0 &&
      r->cpu.burst.v > (uint64_t)r->cpu.quota.v) {
    return member_err(err, p, "burst", "must not be greater than cpu.quota");
  }
  /* The kernel refuses cpu.weight on an idle cgroup (runc skips the
   * weight then; say so instead of dropping it). */
  if (r->cpu.idle.set && r->cpu.idle.v == 1 && r->cpu.shares.set &&
      r->cpu.shares.v != 0) {
    return member_err(err, p, "shares",
                      "cannot be combined with cpu.idle 1 (an idle "
                      "cgroup has no weight)");
  }
  if (parse_cpuset_field(c, p, "cpus", &r->cpu.cpus, err) < 0 ||
      parse_cpuset_field(c, p, "mems", &r->cpu.mems, err) < 0)
    return -1;
  return 0;
}

static int parse_pids(json_t *obj, const char *path, struct hr_resources *r,
                      hr_error_t *err) {
  json_t *o;
  int rc = hr_json_get_object(obj, path, "pids", false, &o, err);
  if (rc <= 0)
    return rc;
  _cleanup_free_ char *p = join(path, "pids", err);
  if (!p)
    return -1;
  r->pids.present = true;
  /* Required by the runtime spec; -1 and 0 both mean "max" (runc). */
  if (hr_json_get_int64(o, p, "limit", true, -1, INT64_MAX, &r->pids.limit.v,
                        err) < 0)
    return -1;
  r->pids.limit.set = true;
  return 0;
}

static int check_blkio_weight(const char *p, const char *key,
                              const hr_opt_u64 *w, hr_error_t *err) {
  if (!w->set || (w->v >= 10 && w->v <= 1000))
    return 0;
  _cleanup_free_ char *fp = join(p, key, err);
  return fp ? field_err(err, fp, "must be between 10 and 1000, got %" PRIu64,
                        w->v)
            : -1;
}

/* major/minor of a block device: non-negative (no wildcards in blockIO). */
static int get_majmin(json_t *e, const char *ep, int64_t *major, int64_t *minor,
                      hr_error_t *err) {
  if (hr_json_get_int64(e, ep, "major", true, 0, UINT32_MAX, major, err) < 0 ||
      hr_json_get_int64(e, ep, "minor", true, 0, UINT32_MAX, minor, err) < 0)
    return -1;
  return 0;
}

/* Parse the array obj[key] (absent or empty: no elements) whose elements
 * must be objects: allocate *items, one elem-sized zeroed slot per element,
 * and hand each element with its JSON path to parse. *n counts the slots
 * handed out, so a partly parsed array is freed like a whole one. */
typedef int (*elem_parser)(json_t *e, const char *ep, void *item,
                           hr_error_t *err);
static int parse_object_array(json_t *obj, const char *path, const char *key,
                              size_t elem, void **items, size_t *n,
                              elem_parser parse, hr_error_t *err) {
  json_t *arr;
  int rc = hr_json_get_array(obj, path, key, false, &arr, err);
  if (rc <= 0 || json_array_size(arr) == 0)
    return rc < 0 ? -1 : 0;
  _cleanup_free_ char *ap = join(path, key, err);
  if (!ap)
    return -1;
  size_t count = json_array_size(arr);
  *items = calloc(count, elem);
  if (!*items)
    return oom(err, ap);
  for (size_t i = 0; i < count; i++) {
    json_t *e = json_array_get(arr, i);
    _cleanup_free_ char *ep = hr_json_index(ap, i);
    if (!ep)
      return oom(err, ap);
    if (!json_is_object(e))
      return field_err(err, ep, "must be an object");
    (*n)++;
    if (parse(e, ep, (char *)*items + i * elem, err) < 0)
      return -1;
  }
  return 0;
}

static int parse_throttle_device(json_t *e, const char *ep, void *item,
                                 hr_error_t *err) {
  struct hr_throttle_device *t = item;
  return get_majmin(e, ep, &t->major, &t->minor, err) < 0 ||
                 hr_json_get_uint64(e, ep, "rate", true, UINT64_MAX, &t->rate,
                                    err) < 0
             ? -1
             : 0;
}

static int parse_weight_device(json_t *e, const char *ep, void *item,
                               hr_error_t *err) {
  struct hr_weight_device *w = item;
  if (get_majmin(e, ep, &w->major, &w->minor, err) < 0 ||
      get_u64(e, ep, "weight", UINT64_MAX, &w->weight, err) < 0 ||
      get_u64(e, ep, "leafWeight", UINT64_MAX, &w->leaf_weight, err) < 0 ||
      check_blkio_weight(ep, "weight", &w->weight, err) < 0 ||
      check_blkio_weight(ep, "leafWeight", &w->leaf_weight, err) < 0)
    return -1;
  if (!w->weight.set && !w->leaf_weight.set)
    return field_err(err, ep, "needs weight or leafWeight");
  return 0;
}

static int parse_block_io(json_t *obj, const char *path, struct hr_resources *r,
                          hr_error_t *err) {
  json_t *b;
  int rc = hr_json_get_object(obj, path, "blockIO", false, &b, err);
  if (rc <= 0)
    return rc;
  _cleanup_free_ char *p = join(path, "blockIO", err);
  if (!p)
    return -1;
  r->block_io.present = true;
  if (get_u64(b, p, "weight", UINT64_MAX, &r->block_io.weight, err) < 0 ||
      get_u64(b, p, "leafWeight", UINT64_MAX, &r->block_io.leaf_weight, err) <
          0 ||
      check_blkio_weight(p, "weight", &r->block_io.weight, err) < 0 ||
      check_blkio_weight(p, "leafWeight", &r->block_io.leaf_weight, err) < 0)
    return -1;

  if (parse_object_array(b, p, "weightDevice", sizeof(struct hr_weight_device),
                         (void **)&r->block_io.weight_device,
                         &r->block_io.n_weight_device, parse_weight_device,
                         err) < 0)
    return -1;
  static const char *const keys[4] = {
      "throttleReadBpsDevice", "throttleWriteBpsDevice",
      "throttleReadIOPSDevice", "throttleWriteIOPSDevice"};
  for (int k = 0; k < 4; k++)
    if (parse_object_array(b, p, keys[k], sizeof(struct hr_throttle_device),
                           (void **)&r->block_io.throttle[k],
                           &r->block_io.n_throttle[k], parse_throttle_device,
                           err) < 0)
      return -1;
  return 0;
}

/* "64KB", "2MB", "1GB": the kernel's hugetlb file names. */
static bool valid_page_size(const char *s) {
  size_t i = 0;
  while (isdigit((unsigned char)s[i]))
    i++;
  if (i == 0 || s[0] == '0')
    return false;
  return (s[i] == 'K' || s[i] == 'M' || s[i] == 'G') && s[i + 1] == 'B' &&
         s[i + 2] == '\0';
}

static int parse_hugepage_limit(json_t *e, const char *ep, void *item,
                                hr_error_t *err) {
  struct hr_hugepage_limit *h = item;
  if (hr_json_get_string(e, ep, "pageSize", true, &h->page_size, err) < 0 ||
      hr_json_get_uint64(e, ep, "limit", true, UINT64_MAX, &h->limit, err) < 0)
    return -1;
  if (!valid_page_size(h->page_size)) {
    return member_err(err, ep, "pageSize",
                      "\"%s\" is not a page size like \"2MB\" or "
                      "\"1GB\"",
                      h->page_size);
  }
  return 0;
}

static bool valid_access(const char *s) {
  if (!*s || strlen(s) > 3)
    return false;
  for (const char *c = s; *c; c++)
    if (!strchr("rwm", *c) || strchr(c + 1, *c))
      return false;
  return true;
}

static int parse_device_rule(json_t *e, const char *ep, void *item,
                             hr_error_t *err) {
  struct hr_device_rule *d = item;
  if (hr_json_get_bool(e, ep, "allow", true, &d->allow, err) < 0)
    return -1;
  _cleanup_free_ char *type = NULL, *access = NULL;
  if (hr_json_get_string(e, ep, "type", false, &type, err) < 0 ||
      hr_json_get_string(e, ep, "access", false, &access, err) < 0)
    return -1;
  /* Absent type means all devices, absent access means "rwm" (spec). */
  d->type = 'a';
  if (type) {
    if (strlen(type) != 1 || !strchr("acb", type[0])) {
      return member_err(err, ep, "type",
                        "must be \"a\", \"c\" or \"b\", got "
                        "\"%s\"",
                        type);
    }
    d->type = type[0];
  }
  strcpy(d->access, "rwm");
  if (access) {
    if (!valid_access(access)) {
      return member_err(err, ep, "access",
                        "must be a non-empty combination of \"r\", "
                        "\"w\" and \"m\", got \"%s\"",
                        access);
    }
    snprintf(d->access, sizeof(d->access), "%s", access);
  }
  /* -1 (or absent) is the wildcard; the kernel's dev_t has 32-bit parts. */
  d->major = d->minor = -1;
  if (hr_json_get_int64(e, ep, "major", false, -1, UINT32_MAX, &d->major, err) <
          0 ||
      hr_json_get_int64(e, ep, "minor", false, -1, UINT32_MAX, &d->minor, err) <
          0)
    return -1;
  return 0;
}

static int parse_network(json_t *obj, const char *path, struct hr_resources *r,
                         hr_error_t *err) {
  json_t *n;
  int rc = hr_json_get_object(obj, path, "network", false, &n, err);
  if (rc <= 0)
    return rc;
  _cleanup_free_ char *p = join(path, "network", err);
  if (!p)
    return -1;
  if (get_u64(n, p, "classID", UINT32_MAX, &r->network.class_id, err) < 0)
    return -1;
  json_t *prio;
  rc = hr_json_get_array(n, p, "priorities", false, &prio, err);
  if (rc < 0)
    return -1;
  r->network.has_priorities = rc == 1 && json_array_size(prio) > 0;
  return 0;
}

static int parse_rdma(json_t *obj, const char *path, struct hr_resources *r,
                      hr_error_t *err) {
  json_t *o;
  int rc = hr_json_get_object(obj, path, "rdma", false, &o, err);
  if (rc <= 0 || json_object_size(o) == 0)
    return rc < 0 ? -1 : 0;
  _cleanup_free_ char *p = join(path, "rdma", err);
  if (!p)
    return -1;
  size_t count = json_object_size(o);
  r->rdma.keys = calloc(count + 1, sizeof(char *));
  r->rdma.limits = calloc(count, sizeof(*r->rdma.limits));
  if (!r->rdma.keys || !r->rdma.limits)
    return oom(err, p);
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    _cleanup_free_ char *kp = join(p, key, err);
    if (!kp)
      return -1;
    /* The device name goes into a "NAME hca_handle=N" line of rdma.max. */
    if (!*key || strpbrk(key, " \t\n=/"))
      return field_err(err, p, "invalid device name \"%s\"", key);
    if (!json_is_object(v))
      return field_err(err, kp, "must be an object");
    struct hr_rdma_limit *l = &r->rdma.limits[r->rdma.n];
    l->device = strdup(key);
    r->rdma.keys[r->rdma.n] = strdup(key);
    r->rdma.n++;
    if (!l->device || !r->rdma.keys[r->rdma.n - 1])
      return oom(err, p);
    if (get_u64(v, kp, "hcaHandles", UINT32_MAX, &l->hca_handles, err) < 0 ||
        get_u64(v, kp, "hcaObjects", UINT32_MAX, &l->hca_objects, err) < 0)
      return -1;
  }
  return 0;
}

/* A unified key names one file in the container's own cgroup directory:
 * "controller.file", never a path. */
static int check_unified_key(const char *p, const char *key, hr_error_t *err) {
  if (strchr(key, '/'))
    return field_err(err, p, "key \"%s\" must not contain \"/\"", key);
  if (strstr(key, ".."))
    return field_err(err, p, "key \"%s\" must not contain \"..\"", key);
  const char *dot = strchr(key, '.');
  if (!dot || dot == key || dot[1] == '\0')
    return field_err(err, p, "key \"%s\" must have the form controller.file",
                     key);
  for (const char *c = key; *c; c++)
    if (!isalnum((unsigned char)*c) && !strchr("._-", *c))
      return field_err(err, p, "key \"%s\" contains an invalid character", key);
  /* Core files that manage membership and lifecycle, not limits: writing
   * them would move processes, delegate controllers out of the leaf (which
   * must hold the container's processes) or freeze/kill it. */
  static const char *const not_limits[] = {
      "cgroup.procs",  "cgroup.threads",    "cgroup.subtree_control",
      "cgroup.kill",   "cgroup.freeze",     "cgroup.type",
      "cgroup.events", "cgroup.controllers"};
  for (size_t i = 0; i < sizeof(not_limits) / sizeof(not_limits[0]); i++)
    if (strcmp(key, not_limits[i]) == 0)
      return field_err(err, p, "key \"%s\" is not a resource limit", key);
  return 0;
}

static int parse_unified(json_t *obj, const char *path, struct hr_resources *r,
                         hr_error_t *err) {
  json_t *o;
  int rc = hr_json_get_object(obj, path, "unified", false, &o, err);
  if (rc <= 0 || json_object_size(o) == 0)
    return rc < 0 ? -1 : 0;
  _cleanup_free_ char *p = join(path, "unified", err);
  if (!p)
    return -1;
  r->unified = calloc(json_object_size(o), sizeof(*r->unified));
  if (!r->unified)
    return oom(err, p);
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    if (check_unified_key(p, key, err) < 0)
      return -1;
    struct hr_unified_entry *u = &r->unified[r->n_unified];
    u->key = strdup(key);
    if (!u->key)
      return oom(err, p);
    r->n_unified++;
    if (hr_json_get_string(o, p, key, true, &u->value, err) < 0)
      return -1;
  }
  return 0;
}

int hr_resources_parse(json_t *obj, const char *path, struct hr_resources *out,
                       hr_error_t *err) {
  memset(out, 0, sizeof(*out));
  if (!json_is_object(obj))
    return hr_error_set(err, 0, "%s: must be an object", path);
  out->path = strdup(path);
  if (!out->path)
    return oom(err, path);
  if (parse_memory(obj, path, out, err) < 0 ||
      parse_cpu(obj, path, out, err) < 0 ||
      parse_pids(obj, path, out, err) < 0 ||
      parse_block_io(obj, path, out, err) < 0 ||
      parse_object_array(obj, path, "hugepageLimits",
                         sizeof(struct hr_hugepage_limit),
                         (void **)&out->hugepages, &out->n_hugepages,
                         parse_hugepage_limit, err) < 0 ||
      parse_object_array(obj, path, "devices", sizeof(struct hr_device_rule),
                         (void **)&out->devices, &out->n_devices,
                         parse_device_rule, err) < 0 ||
      parse_network(obj, path, out, err) < 0 ||
      parse_rdma(obj, path, out, err) < 0 ||
      parse_unified(obj, path, out, err) < 0) {
    hr_resources_free(out);
    return -1;
  }
  return 0;
}

void hr_resources_free(struct hr_resources *r) {
  if (!r)
    return;
  free(r->cpu.cpus);
  free(r->cpu.mems);
  free(r->block_io.weight_device);
  for (int k = 0; k < 4; k++)
    free(r->block_io.throttle[k]);
  for (size_t i = 0; i < r->n_hugepages; i++)
    free(r->hugepages[i].page_size);
  free(r->hugepages);
  free(r->devices);
  for (size_t i = 0; i < r->n_unified; i++) {
    free(r->unified[i].key);
    free(r->unified[i].value);
  }
  free(r->unified);
  for (size_t i = 0; i < r->rdma.n; i++) {
    free(r->rdma.keys[i]);
    free(r->rdma.limits[i].device);
  }
  free(r->rdma.keys);
  free(r->rdma.limits);
  free(r->path);
  memset(r, 0, sizeof(*r));
}

bool hr_resources_any(const struct hr_resources *r) {
  const __typeof__(r->memory) *m = &r->memory;
  const __typeof__(r->cpu) *c = &r->cpu;
  size_t throttles = 0;
  for (int k = 0; k < 4; k++)
    throttles += r->block_io.n_throttle[k];
  return m->limit.set || m->reservation.set || m->swap.set || m->kernel.set ||
         m->kernel_tcp.set || m->swappiness.set ||
         (m->has_disable_oom_killer && m->disable_oom_killer) ||
         c->shares.set || c->quota.set || c->period.set || c->burst.set ||
         c->realtime_period.set || c->realtime_runtime.set || c->idle.set ||
         c->cpus || c->mems || r->pids.limit.set || r->block_io.weight.set ||
         r->block_io.leaf_weight.set || r->block_io.n_weight_device ||
         throttles || r->n_hugepages || r->n_devices || r->n_unified ||
         r->network.class_id.set || r->network.has_priorities || r->rdma.n;
}
