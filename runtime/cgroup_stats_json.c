/* runc's stats event layout (types.Stats in runc's types/events.go), with
 * Go's encoding rules: fields in declaration order, `omitempty` fields left
 * out when zero, map keys sorted, limits of "max" as 2^64-1. Written by
 * hand because jansson's integers are signed 64-bit. */
#include "hrun/stats.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jb {
  char *s;
  size_t len, cap;
  bool fail;
};

static void jb_raw(struct jb *b, const char *str, size_t n) {
  if (b->fail)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    while (b->len + n + 1 > cap)
      cap *= 2;
    char *ns = realloc(b->s, cap);
    if (!ns) {
      b->fail = true;
      return;
    }
    b->s = ns;
    b->cap = cap;
  }
  memcpy(b->s + b->len, str, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void jb_put(struct jb *b, const char *str) {
  jb_raw(b, str, strlen(str));
}

static void jb_fmt(struct jb *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void jb_fmt(struct jb *b, const char *fmt, ...) {
  char tmp[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= sizeof(tmp)) {
    b->fail = true;
    return;
  }
  jb_raw(b, tmp, (size_t)n);
}

/* a comma unless this is the first member of an object or array */
static void jb_sep(struct jb *b) {
  if (b->len && b->s[b->len - 1] != '{' && b->s[b->len - 1] != '[')
    jb_put(b, ",");
}

static void jb_str(struct jb *b, const char *s) {
  jb_put(b, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    /* Go escapes <, > and & too */
    if (*p < 0x20 || *p == '"' || *p == '\\' || *p == '<' || *p == '>' ||
        *p == '&')
      jb_fmt(b, "\\u%04x", *p);
    else
      jb_raw(b, (const char *)p, 1);
  }
  jb_put(b, "\"");
}

static void jb_key(struct jb *b, const char *k) {
  jb_sep(b);
  jb_str(b, k);
  jb_put(b, ":");
}

static void jb_u64(struct jb *b, const char *k, uint64_t v) {
  jb_key(b, k);
  jb_fmt(b, "%" PRIu64, v);
}

/* `omitempty` */
static void jb_u64_opt(struct jb *b, const char *k, uint64_t v) {
  if (v)
    jb_u64(b, k, v);
}

static void jb_open(struct jb *b, const char *k) {
  jb_key(b, k);
  jb_put(b, "{");
}

static uint64_t sat_add(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void cpu_json(struct jb *b, const struct hr_cgroup_stats *s) {
  jb_open(b, "cpu");
  jb_open(b, "usage");
  jb_u64_opt(b, "total", s->cpu_usage_usec * 1000);
  jb_u64(b, "kernel", s->cpu_system_usec * 1000);
  jb_u64(b, "user", s->cpu_user_usec * 1000);
  jb_put(b, "}");
  jb_open(b, "throttling");
  jb_u64_opt(b, "periods", s->cpu_nr_periods);
  jb_u64_opt(b, "throttledPeriods", s->cpu_nr_throttled);
  jb_u64_opt(b, "throttledTime", s->cpu_throttled_usec * 1000);
  jb_put(b, "}}");
}

static void cpuset_json(struct jb *b) {
  /* cgroup v2 has no cpuset statistics: runc prints the zero struct */
  static const char *const keys[] = {
      "cpu_exclusive",   "mem_hardwall",       "mem_exclusive",
      "memory_migrate",  "memory_spread_page", "memory_spread_slab",
      "memory_pressure", "sched_load_balance", "sched_relax_domain_level"};
  jb_open(b, "cpuset");
  for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
    jb_u64(b, keys[i], 0);
  jb_put(b, "}");
}

static void mem_entry(struct jb *b, const char *k, uint64_t limit,
                      uint64_t usage, uint64_t max, uint64_t failcnt) {
  jb_open(b, k);
  jb_u64(b, "limit", limit);
  jb_u64_opt(b, "usage", usage);
  jb_u64_opt(b, "max", max);
  jb_u64(b, "failcnt", failcnt);
  jb_put(b, "}");
}

static int kv_cmp(const void *a, const void *b) {
  const struct hr_stats_kv *x = *(struct hr_stats_kv *const *)a;
  const struct hr_stats_kv *y = *(struct hr_stats_kv *const *)b;
  return strcmp(x->key, y->key);
}

static void memory_json(struct jb *b, const struct hr_cgroup_stats *s) {
  jb_open(b, "memory");
  uint64_t file = 0;
  hr_stats_mem_stat(s, "file", &file);
  jb_u64_opt(b, "cache", file);
  if (s->has_memory) {
    /* failcnt: how often usage hit the limit, memory.events "max" */
    mem_entry(b, "usage", s->mem_max, s->mem_current,
              s->has_peak ? s->mem_peak : 0, s->ev_max);
    /* v1 reported swap as memory+swap; runc keeps that on v2 */
    uint64_t swap_limit = s->has_swap ? s->swap_max : 0;
    if (swap_limit != HR_STATS_UNLIMITED)
      swap_limit = sat_add(swap_limit, s->mem_max);
    mem_entry(b, "swap", swap_limit, sat_add(s->swap_current, s->mem_current),
              0, 0);
  } else {
    mem_entry(b, "usage", 0, 0, 0, 0);
    mem_entry(b, "swap", 0, 0, 0, 0);
  }
  mem_entry(b, "kernel", 0, 0, 0, 0);
  mem_entry(b, "kernelTCP", 0, 0, 0, 0);
  if (s->n_mem_stat) {
    const struct hr_stats_kv **sorted = malloc(s->n_mem_stat * sizeof(*sorted));
    if (!sorted) {
      b->fail = true;
      return;
    }
    for (size_t i = 0; i < s->n_mem_stat; i++)
      sorted[i] = &s->mem_stat[i];
    qsort(sorted, s->n_mem_stat, sizeof(*sorted), kv_cmp);
    jb_open(b, "raw");
    for (size_t i = 0; i < s->n_mem_stat; i++)
      jb_u64(b, sorted[i]->key, sorted[i]->value);
    jb_put(b, "}");
    free(sorted);
  }
  jb_put(b, "}");
}

static void pids_json(struct jb *b, const struct hr_cgroup_stats *s) {
  jb_open(b, "pids");
  jb_u64_opt(b, "current", s->pids_current);
  /* runc: "max" is 0, no limit */
  jb_u64_opt(b, "limit", s->pids_max == HR_STATS_UNLIMITED ? 0 : s->pids_max);
  jb_put(b, "}");
}

static void blkio_entry(struct jb *b, const struct hr_stats_io *e,
                        const char *op, uint64_t v) {
  jb_sep(b);
  jb_put(b, "{");
  jb_u64_opt(b, "major", e->major);
  jb_u64_opt(b, "minor", e->minor);
  jb_key(b, "op");
  jb_str(b, op);
  jb_u64_opt(b, "value", v);
  jb_put(b, "}");
}

static void blkio_json(struct jb *b, const struct hr_cgroup_stats *s) {
  jb_open(b, "blkio");
  if (s->n_io) {
    jb_key(b, "ioServiceBytesRecursive");
    jb_put(b, "[");
    for (size_t i = 0; i < s->n_io; i++) {
      blkio_entry(b, &s->io[i], "Read", s->io[i].rbytes);
      blkio_entry(b, &s->io[i], "Write", s->io[i].wbytes);
    }
    jb_put(b, "]");
    jb_key(b, "ioServicedRecursive");
    jb_put(b, "[");
    for (size_t i = 0; i < s->n_io; i++) {
      blkio_entry(b, &s->io[i], "Read", s->io[i].rios);
      blkio_entry(b, &s->io[i], "Write", s->io[i].wios);
    }
    jb_put(b, "]");
  }
  jb_put(b, "}");
}

static int huge_cmp(const void *a, const void *b) {
  return strcmp(((const struct hr_stats_hugetlb *)a)->size,
                ((const struct hr_stats_hugetlb *)b)->size);
}

static void hugetlb_json(struct jb *b, const struct hr_cgroup_stats *s) {
  jb_open(b, "hugetlb");
  struct hr_stats_hugetlb *h = NULL;
  if (s->n_hugetlb) {
    h = malloc(s->n_hugetlb * sizeof(*h));
    if (!h) {
      b->fail = true;
      return;
    }
    memcpy(h, s->hugetlb, s->n_hugetlb * sizeof(*h));
    qsort(h, s->n_hugetlb, sizeof(*h), huge_cmp);
  }
  for (size_t i = 0; i < s->n_hugetlb; i++) {
    jb_open(b, h[i].size);
    jb_u64_opt(b, "usage", h[i].current);
    jb_u64(b, "failcnt", h[i].max_events);
    jb_put(b, "}");
  }
  free(h);
  jb_put(b, "}");
}

char *hr_stats_runc_json(const struct hr_cgroup_stats *s) {
  struct jb b = {0};
  jb_put(&b, "{");
  cpu_json(&b, s);
  cpuset_json(&b);
  memory_json(&b, s);
  pids_json(&b, s);
  blkio_json(&b, s);
  hugetlb_json(&b, s);
  jb_key(&b, "intel_rdt");
  jb_put(&b, "{}");
  jb_key(&b, "network_interfaces");
  jb_put(&b, "null}");
  if (b.fail) {
    free(b.s);
    return NULL;
  }
  return b.s;
}

char *hr_event_json(const char *type, const char *id, const char *data_json) {
  struct jb b = {0};
  jb_put(&b, "{");
  jb_key(&b, "type");
  jb_str(&b, type);
  jb_key(&b, "id");
  jb_str(&b, id);
  if (data_json) {
    jb_key(&b, "data");
    jb_put(&b, data_json);
  }
  jb_put(&b, "}");
  if (b.fail) {
    free(b.s);
    return NULL;
  }
  return b.s;
}

void hr_stats_human(char *buf, size_t n, uint64_t v, bool binary) {
  static const char *const bin[] = {"B",   "KiB", "MiB", "GiB",
                                    "TiB", "PiB", "EiB"};
  static const char *const dec[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  double base = binary ? 1024.0 : 1000.0, x = (double)v;
  size_t u = 0;
  while (x >= base && u < 6) {
    x /= base;
    u++;
  }
  snprintf(buf, n, binary ? "%.4g%s" : "%.3g%s", x, binary ? bin[u] : dec[u]);
}
