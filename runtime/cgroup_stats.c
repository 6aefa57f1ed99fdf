/* Sampling a cgroup v2 directory into struct hr_cgroup_stats. */
#include "hrun/stats.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"

static bool parse_u64(const char *s, const char **end, uint64_t *out) {
  if (!strncmp(s, "max", 3) && !isalnum((unsigned char)s[3])) {
    *out = HR_STATS_UNLIMITED;
    *end = s + 3;
    return true;
  }
  if (!isdigit((unsigned char)*s))
    return false;
  char *e;
  errno = 0;
  unsigned long long v = strtoull(s, &e, 10);
  if (errno)
    return false;
  *out = v;
  *end = e;
  return true;
}

int hr_stats_read_u64(int dirfd, const char *file, uint64_t *out,
                      hr_error_t *err) {
  _cleanup_free_ char *buf = NULL;
  int r = hr_cgroup_read_optional(dirfd, file, &buf, err);
  if (r <= 0)
    return r;
  const char *end;
  if (!parse_u64(buf, &end, out) || (*end && *end != '\n'))
    return hr_error_set(err, 0, "cgroup: %s: not a number: \"%.32s\"", file,
                        buf);
  return 1;
}

bool hr_stats_flat_get(const char *text, const char *key, uint64_t *out) {
  size_t klen = strlen(key);
  for (const char *line = text; line && *line;) {
    if (!strncmp(line, key, klen) && line[klen] == ' ') {
      const char *end;
      return parse_u64(line + klen + 1, &end, out);
    }
    line = strchr(line, '\n');
    if (line)
      line++;
  }
  return false;
}

bool hr_stats_parse_cpu_max(const char *text, uint64_t *quota,
                            uint64_t *period) {
  const char *end;
  if (!parse_u64(text, &end, quota) || *end != ' ')
    return false;
  return parse_u64(end + 1, &end, period) && *period != HR_STATS_UNLIMITED;
}

int hr_stats_parse_kv(const char *text, struct hr_stats_kv **out, size_t *n,
                      hr_error_t *err) {
  *out = NULL;
  *n = 0;
  size_t lines = 0;
  for (const char *p = text; *p; p++)
    lines += *p == '\n';
  struct hr_stats_kv *kv = calloc(lines + 1, sizeof(*kv));
  if (!kv)
    return hr_error_set(err, ENOMEM, "memory.stat");
  size_t k = 0;
  for (const char *line = text; line && *line;) {
    const char *sp = strchr(line, ' ');
    const char *nl = strchr(line, '\n');
    const char *end;
    uint64_t v;
    if (sp && (!nl || sp < nl) && sp > line && parse_u64(sp + 1, &end, &v) &&
        (*end == '\n' || !*end)) {
      kv[k].key = strndup(line, (size_t)(sp - line));
      if (!kv[k].key) {
        for (size_t i = 0; i < k; i++)
          free(kv[i].key);
        free(kv);
        return hr_error_set(err, ENOMEM, "memory.stat");
      }
      kv[k++].value = v;
    }
    line = nl ? nl + 1 : NULL;
  }
  *out = kv;
  *n = k;
  return 0;
}

static void io_field(struct hr_stats_io *e, const char *key, size_t klen,
                     uint64_t v) {
  static const struct {
    const char *name;
    size_t off;
  } fields[] = {
      {"rbytes", offsetof(struct hr_stats_io, rbytes)},
      {"wbytes", offsetof(struct hr_stats_io, wbytes)},
      {"rios", offsetof(struct hr_stats_io, rios)},
      {"wios", offsetof(struct hr_stats_io, wios)},
      {"dbytes", offsetof(struct hr_stats_io, dbytes)},
      {"dios", offsetof(struct hr_stats_io, dios)},
  };
  for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
    if (strlen(fields[i].name) == klen && !strncmp(fields[i].name, key, klen))
      *(uint64_t *)(void *)((char *)e + fields[i].off) = v;
}

int hr_stats_parse_io(const char *text, struct hr_stats_io **out, size_t *n,
                      hr_error_t *err) {
  *out = NULL;
  *n = 0;
  size_t lines = 0;
  for (const char *p = text; *p; p++)
    lines += *p == '\n';
  struct hr_stats_io *io = calloc(lines + 1, sizeof(*io));
  if (!io)
    return hr_error_set(err, ENOMEM, "io.stat");
  size_t k = 0;
  for (const char *line = text; line && *line;) {
    const char *nl = strchr(line, '\n');
    const char *stop = nl ? nl : line + strlen(line);
    unsigned maj, min;
    int used = 0;
    if (sscanf(line, "%u:%u%n", &maj, &min, &used) == 2) {
      struct hr_stats_io *e = &io[k++];
      e->major = maj;
      e->minor = min;
      for (const char *p = line + used; p < stop;) {
        while (p < stop && *p == ' ')
          p++;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (!eq)
          break;
        const char *end;
        uint64_t v;
        if (parse_u64(eq + 1, &end, &v))
          io_field(e, p, (size_t)(eq - p), v);
        p = memchr(eq, ' ', (size_t)(stop - eq));
        if (!p)
          break;
      }
    }
    line = nl ? nl + 1 : NULL;
  }
  *out = io;
  *n = k;
  return 0;
}

bool hr_stats_mem_stat(const struct hr_cgroup_stats *s, const char *key,
                       uint64_t *value) {
  for (size_t i = 0; i < s->n_mem_stat; i++)
    if (!strcmp(s->mem_stat[i].key, key)) {
      *value = s->mem_stat[i].value;
      return true;
    }
  return false;
}

uint64_t hr_stats_mem_usage(const struct hr_cgroup_stats *s) {
  uint64_t inactive = 0;
  if (hr_stats_mem_stat(s, "inactive_file", &inactive) &&
      inactive < s->mem_current)
    return s->mem_current - inactive;
  return s->mem_current;
}

static int read_cpu(int dirfd, struct hr_cgroup_stats *s, hr_error_t *err) {
  _cleanup_free_ char *buf = NULL;
  int r = hr_cgroup_read_optional(dirfd, "cpu.stat", &buf, err);
  if (r < 0)
    return -1;
  if (r > 0) {
    s->has_cpu_stat = true;
    hr_stats_flat_get(buf, "usage_usec", &s->cpu_usage_usec);
    hr_stats_flat_get(buf, "user_usec", &s->cpu_user_usec);
    hr_stats_flat_get(buf, "system_usec", &s->cpu_system_usec);
    /* the throttling keys exist only with the cpu controller enabled */
    s->has_throttling =
        hr_stats_flat_get(buf, "nr_periods", &s->cpu_nr_periods);
    hr_stats_flat_get(buf, "nr_throttled", &s->cpu_nr_throttled);
    hr_stats_flat_get(buf, "throttled_usec", &s->cpu_throttled_usec);
  }
  free(buf);
  buf = NULL;
  if ((r = hr_cgroup_read_optional(dirfd, "cpu.max", &buf, err)) < 0)
    return -1;
  if (r > 0)
    s->has_cpu_max =
        hr_stats_parse_cpu_max(buf, &s->cpu_quota_usec, &s->cpu_period_usec);
  return 0;
}

static int read_memory(int dirfd, struct hr_cgroup_stats *s, hr_error_t *err) {
  int r = hr_stats_read_u64(dirfd, "memory.current", &s->mem_current, err);
  if (r <= 0)
    return r;
  s->has_memory = true;
  s->mem_max = HR_STATS_UNLIMITED;
  s->swap_max = HR_STATS_UNLIMITED;
  if (hr_stats_read_u64(dirfd, "memory.max", &s->mem_max, err) < 0)
    return -1;
  if ((r = hr_stats_read_u64(dirfd, "memory.peak", &s->mem_peak, err)) < 0)
    return -1;
  s->has_peak = r > 0;
  if ((r = hr_stats_read_u64(dirfd, "memory.swap.current", &s->swap_current,
                             err)) < 0)
    return -1;
  s->has_swap = r > 0;
  if (s->has_swap &&
      hr_stats_read_u64(dirfd, "memory.swap.max", &s->swap_max, err) < 0)
    return -1;
  if ((r = hr_stats_read_u64(dirfd, "memory.swap.peak", &s->swap_peak, err)) <
      0)
    return -1;
  s->has_swap_peak = r > 0;
  _cleanup_free_ char *buf = NULL;
  if ((r = hr_cgroup_read_optional(dirfd, "memory.events", &buf, err)) < 0)
    return -1;
  if (r > 0) {
    s->has_memory_events = true;
    hr_stats_flat_get(buf, "low", &s->ev_low);
    hr_stats_flat_get(buf, "high", &s->ev_high);
    hr_stats_flat_get(buf, "max", &s->ev_max);
    hr_stats_flat_get(buf, "oom", &s->ev_oom);
    hr_stats_flat_get(buf, "oom_kill", &s->ev_oom_kill);
  }
  free(buf);
  buf = NULL;
  if ((r = hr_cgroup_read_optional(dirfd, "memory.stat", &buf, err)) < 0)
    return -1;
  if (r > 0 && hr_stats_parse_kv(buf, &s->mem_stat, &s->n_mem_stat, err) < 0)
    return -1;
  return 0;
}

static int read_pids(int dirfd, struct hr_cgroup_stats *s, hr_error_t *err) {
  int r = hr_stats_read_u64(dirfd, "pids.current", &s->pids_current, err);
  if (r <= 0)
    return r;
  s->has_pids = true;
  s->pids_max = HR_STATS_UNLIMITED;
  return hr_stats_read_u64(dirfd, "pids.max", &s->pids_max, err) < 0 ? -1 : 0;
}

static int read_io(int dirfd, struct hr_cgroup_stats *s, hr_error_t *err) {
  _cleanup_free_ char *buf = NULL;
  int r = hr_cgroup_read_optional(dirfd, "io.stat", &buf, err);
  if (r <= 0)
    return r;
  s->has_io = true;
  return hr_stats_parse_io(buf, &s->io, &s->n_io, err);
}

/* hugetlb.<size>.current for every page size the kernel lists. */
static int read_hugetlb(int dirfd, struct hr_cgroup_stats *s, hr_error_t *err) {
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return hr_error_set(err, errno, "cgroup: list directory");
  _cleanup_closedir_ DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return hr_error_set(err, errno, "cgroup: list directory");
  }
  struct dirent *de;
  while ((de = readdir(d))) {
    char size[16];
    int used = 0;
    if (sscanf(de->d_name, "hugetlb.%15[^.].current%n", size, &used) != 1 ||
        de->d_name[used] != '\0')
      continue;
    struct hr_stats_hugetlb *nh =
        realloc(s->hugetlb, (s->n_hugetlb + 1) * sizeof(*nh));
    if (!nh)
      return hr_error_set(err, ENOMEM, "hugetlb");
    s->hugetlb = nh;
    struct hr_stats_hugetlb *h = &nh[s->n_hugetlb++];
    memset(h, 0, sizeof(*h));
    snprintf(h->size, sizeof(h->size), "%s", size);
    if (hr_stats_read_u64(dirfd, de->d_name, &h->current, err) < 0)
      return -1;
    char ev[64];
    snprintf(ev, sizeof(ev), "hugetlb.%s.events", size);
    _cleanup_free_ char *buf = NULL;
    if (hr_cgroup_read_optional(dirfd, ev, &buf, err) < 0)
      return -1;
    if (buf)
      hr_stats_flat_get(buf, "max", &h->max_events);
  }
  return 0;
}

int hr_stats_read(int dirfd, struct hr_cgroup_stats *s, hr_error_t *err) {
  memset(s, 0, sizeof(*s));
  s->pids_max = s->mem_max = s->swap_max = HR_STATS_UNLIMITED;
  /* a cgroup that is gone is the one error callers must see */
  if (faccessat(dirfd, "cgroup.procs", F_OK, 0) < 0 && errno == ENOENT &&
      faccessat(dirfd, "cpu.stat", F_OK, 0) < 0 && errno == ENOENT)
    return hr_error_set(err, ENOENT, "cgroup: no cgroup files");
  if (read_cpu(dirfd, s, err) < 0 || read_memory(dirfd, s, err) < 0 ||
      read_pids(dirfd, s, err) < 0 || read_io(dirfd, s, err) < 0 ||
      read_hugetlb(dirfd, s, err) < 0) {
    hr_stats_free(s);
    return -1;
  }
  return 0;
}

void hr_stats_free(struct hr_cgroup_stats *s) {
  for (size_t i = 0; i < s->n_mem_stat; i++)
    free(s->mem_stat[i].key);
  free(s->mem_stat);
  free(s->io);
  free(s->hugetlb);
  memset(s, 0, sizeof(*s));
}
