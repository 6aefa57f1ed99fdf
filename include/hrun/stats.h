/* Usage samples of a cgroup v2 directory: cpu.stat, cpu.max, memory.*,
 * pids.*, io.stat, hugetlb.*; and their JSON in the layout of runc's
 * `events --stats` (types.Stats), so tools written for runc read it.
 *
 * Reading works on any cgroup dir fd: the kernel's cgroupfs or, in unit
 * tests, a plain directory with the same files. A file that is missing
 * (controller not enabled, older kernel) leaves its fields unset; only an
 * unreadable cgroup directory is an error. */
#ifndef HRUN_STATS_H
#define HRUN_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrun/error.h"

/* "max" in a limit file. */
#define HR_STATS_UNLIMITED UINT64_MAX

struct hr_stats_kv {
  char *key;
  uint64_t value;
};

struct hr_stats_io {
  unsigned major, minor;
  uint64_t rbytes, wbytes, rios, wios, dbytes, dios;
};

struct hr_stats_hugetlb {
  char size[16]; /* "2MB" */
  uint64_t current, max_events;
};

struct hr_cgroup_stats {
  /* which files were there */
  bool has_cpu_stat, has_throttling, has_cpu_max;
  bool has_memory, has_peak, has_swap, has_swap_peak, has_memory_events;
  bool has_pids, has_io;

  /* cpu.stat (microseconds as the kernel reports them) */
  uint64_t cpu_usage_usec, cpu_user_usec, cpu_system_usec;
  uint64_t cpu_nr_periods, cpu_nr_throttled, cpu_throttled_usec;
  /* cpu.max: quota HR_STATS_UNLIMITED for "max" */
  uint64_t cpu_quota_usec, cpu_period_usec;

  /* memory.current/peak/max, memory.swap.current/peak/max */
  uint64_t mem_current, mem_peak, mem_max;
  uint64_t swap_current, swap_peak, swap_max;
  /* memory.events */
  uint64_t ev_low, ev_high, ev_max, ev_oom, ev_oom_kill;
  /* memory.stat, in file order */
  struct hr_stats_kv *mem_stat;
  size_t n_mem_stat;

  /* pids.current, pids.max (HR_STATS_UNLIMITED for "max") */
  uint64_t pids_current, pids_max;

  struct hr_stats_io *io;
  size_t n_io;

  struct hr_stats_hugetlb *hugetlb;
  size_t n_hugetlb;
};

/* Sample every file of the cgroup directory dirfd (opened O_RDONLY |
 * O_DIRECTORY: the hugetlb sizes are found by listing it). */
int hr_stats_read(int dirfd, struct hr_cgroup_stats *s, hr_error_t *err);
void hr_stats_free(struct hr_cgroup_stats *s);

/* memory.stat entry; false when absent. */
bool hr_stats_mem_stat(const struct hr_cgroup_stats *s, const char *key,
                       uint64_t *value);

/* ---- parsers, exposed for the monitor and for tests ---- */

/* A file with one number or "max" (-> HR_STATS_UNLIMITED). 1 = parsed,
 * 0 = missing (ENOENT/ENODEV/EOPNOTSUPP), -1 = error. */
int hr_stats_read_u64(int dirfd, const char *file, uint64_t *out,
                      hr_error_t *err);
/* The value of key in flat-keyed text ("usage_usec 12\nuser_usec 3\n");
 * false when the key is absent or its value is not a number. */
bool hr_stats_flat_get(const char *text, const char *key, uint64_t *out);
/* io.stat text -> entries (malloc'd). */
int hr_stats_parse_io(const char *text, struct hr_stats_io **out, size_t *n,
                      hr_error_t *err);
/* memory.stat text -> entries (malloc'd). */
int hr_stats_parse_kv(const char *text, struct hr_stats_kv **out, size_t *n,
                      hr_error_t *err);
/* cpu.max text ("max 100000" / "20000 100000"). */
bool hr_stats_parse_cpu_max(const char *text, uint64_t *quota,
                            uint64_t *period);

/* The `data` object of runc's stats event (types.Stats), compact JSON,
 * malloc'd; NULL on allocation failure. */
char *hr_stats_runc_json(const struct hr_cgroup_stats *s);
/* A whole event line without the newline: {"type":T,"id":ID} plus
 * ,"data":DATA when data_json is not NULL. malloc'd. */
char *hr_event_json(const char *type, const char *id, const char *data_json);

/* Sizes as docker prints them: binary "7.824MiB" (%.4g) or decimal
 * "1.05MB" (%.3g). */
void hr_stats_human(char *buf, size_t n, uint64_t v, bool binary);

/* docker's memory usage: memory.current minus inactive_file. */
uint64_t hr_stats_mem_usage(const struct hr_cgroup_stats *s);

#endif
