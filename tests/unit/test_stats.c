/* Stats parsing against a fake cgroupfs: a temp dir with the files a
 * cgroup v2 directory has, written by the test. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hrun/stats.h"
#include "unit.h"

static void put(const char *dir, const char *file, const char *content) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/%s", dir, file);
  CHECK_INT(unit_write_file(path, content), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag,
                  struct FTW *f) {
  (void)st;
  (void)flag;
  (void)f;
  return remove(p);
}

static void rm_tree(char *dir) {
  nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(dir);
}

/* What a 6.1 kernel shows for a container with limits. */
static char *fake_full(void) {
  char *d = unit_tmpdir();
  put(d, "cgroup.procs", "1234\n");
  put(d, "cpu.stat",
      "usage_usec 2500000\nuser_usec 2000000\n"
      "system_usec 500000\nnr_periods 40\nnr_throttled 12\n"
      "throttled_usec 900000\nnr_bursts 0\nburst_usec 0\n");
  put(d, "cpu.max", "20000 100000\n");
  put(d, "memory.current", "8388608\n");
  put(d, "memory.peak", "33554432\n");
  put(d, "memory.max", "33554432\n");
  put(d, "memory.swap.current", "4096\n");
  put(d, "memory.swap.max", "max\n");
  put(d, "memory.events",
      "low 0\nhigh 0\nmax 17\noom 2\noom_kill 1\noom_group_kill 0\n");
  put(d, "memory.stat",
      "anon 4194304\nfile 2097152\nkernel 65536\n"
      "inactive_file 1048576\nactive_file 1048576\n"
      "pgfault 1234\n");
  put(d, "pids.current", "3\n");
  put(d, "pids.max", "max\n");
  put(d, "io.stat",
      "8:0 rbytes=1048576 wbytes=4096 rios=16 wios=1 "
      "dbytes=0 dios=0\n"
      "253:1 rbytes=0 wbytes=0 rios=0 wios=0 dbytes=0 dios=0\n");
  put(d, "hugetlb.2MB.current", "0\n");
  put(d, "hugetlb.2MB.events", "max 3\n");
  put(d, "hugetlb.2MB.rsvd.current", "0\n");
  return d;
}

static int open_dir(const char *d) {
  int fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(fd >= 0);
  return fd;
}

TEST(stats_read_full) {
  char *d = fake_full();
  int fd = open_dir(d);
  struct hr_cgroup_stats s;
  hr_error_t err = NULL;
  CHECK_INT(hr_stats_read(fd, &s, &err), 0);
  CHECK(s.has_cpu_stat && s.has_throttling && s.has_cpu_max);
  CHECK_INT(s.cpu_usage_usec, 2500000);
  CHECK_INT(s.cpu_user_usec, 2000000);
  CHECK_INT(s.cpu_system_usec, 500000);
  CHECK_INT(s.cpu_nr_periods, 40);
  CHECK_INT(s.cpu_nr_throttled, 12);
  CHECK_INT(s.cpu_throttled_usec, 900000);
  CHECK_INT(s.cpu_quota_usec, 20000);
  CHECK_INT(s.cpu_period_usec, 100000);
  CHECK(s.has_memory && s.has_peak && s.has_swap && s.has_memory_events);
  CHECK_INT(s.mem_current, 8388608);
  CHECK_INT(s.mem_peak, 33554432);
  CHECK_INT(s.mem_max, 33554432);
  CHECK(s.swap_max == HR_STATS_UNLIMITED);
  CHECK_INT(s.swap_current, 4096);
  CHECK_INT(s.ev_max, 17);
  CHECK_INT(s.ev_oom, 2);
  CHECK_INT(s.ev_oom_kill, 1);
  CHECK_INT(s.n_mem_stat, 6);
  uint64_t v = 0;
  CHECK(hr_stats_mem_stat(&s, "pgfault", &v));
  CHECK_INT(v, 1234);
  CHECK(!hr_stats_mem_stat(&s, "nosuch", &v));
  /* docker's usage: current minus inactive_file */
  CHECK_INT(hr_stats_mem_usage(&s), 8388608 - 1048576);
  CHECK(s.has_pids);
  CHECK_INT(s.pids_current, 3);
  CHECK(s.pids_max == HR_STATS_UNLIMITED);
  CHECK_INT(s.n_io, 2);
  CHECK_INT(s.io[0].major, 8);
  CHECK_INT(s.io[0].rbytes, 1048576);
  CHECK_INT(s.io[0].wbytes, 4096);
  CHECK_INT(s.io[0].rios, 16);
  CHECK_INT(s.io[0].wios, 1);
  CHECK_INT(s.io[1].major, 253);
  CHECK_INT(s.io[1].minor, 1);
  CHECK_INT(s.n_hugetlb, 1); /* .rsvd.current is not a page size */
  if (s.n_hugetlb == 1) {
    CHECK_STR(s.hugetlb[0].size, "2MB");
    CHECK_INT(s.hugetlb[0].max_events, 3);
  }
  hr_stats_free(&s);
  close(fd);
  rm_tree(d);
}

TEST(stats_missing_controllers) {
  /* no controllers enabled: only the core files */
  char *d = unit_tmpdir();
  put(d, "cgroup.procs", "");
  put(d, "cpu.stat", "usage_usec 10\nuser_usec 6\nsystem_usec 4\n");
  int fd = open_dir(d);
  struct hr_cgroup_stats s;
  hr_error_t err = NULL;
  CHECK_INT(hr_stats_read(fd, &s, &err), 0);
  CHECK(s.has_cpu_stat);
  CHECK(!s.has_throttling && !s.has_cpu_max && !s.has_memory && !s.has_pids &&
        !s.has_io);
  CHECK_INT(s.cpu_usage_usec, 10);
  CHECK(s.mem_max == HR_STATS_UNLIMITED);
  char *js = hr_stats_runc_json(&s);
  CHECK(js != NULL);
  CHECK_CONTAINS(js, "\"throttling\":{}");
  CHECK_CONTAINS(js, "\"usage\":{\"limit\":0,\"failcnt\":0}");
  CHECK_CONTAINS(js, "\"pids\":{}");
  CHECK_CONTAINS(js, "\"blkio\":{}");
  free(js);
  hr_stats_free(&s);
  close(fd);
  rm_tree(d);
}

TEST(stats_gone_cgroup_is_error) {
  char *d = unit_tmpdir();
  int fd = open_dir(d);
  struct hr_cgroup_stats s;
  hr_error_t err = NULL;
  CHECK_INT(hr_stats_read(fd, &s, &err), -1);
  CHECK_INT(hr_error_errno(err), ENOENT);
  hr_error_free(&err);
  close(fd);
  rm_tree(d);
}

TEST(stats_bad_number_names_file) {
  char *d = unit_tmpdir();
  put(d, "cgroup.procs", "");
  put(d, "memory.current", "lots\n");
  int fd = open_dir(d);
  struct hr_cgroup_stats s;
  hr_error_t err = NULL;
  CHECK_INT(hr_stats_read(fd, &s, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "memory.current");
  hr_error_free(&err);
  close(fd);
  rm_tree(d);
}

TEST(stats_parsers) {
  uint64_t q, p, v;
  CHECK(hr_stats_parse_cpu_max("max 100000\n", &q, &p));
  CHECK(q == HR_STATS_UNLIMITED);
  CHECK_INT(p, 100000);
  CHECK(hr_stats_parse_cpu_max("50000 200000", &q, &p));
  CHECK_INT(q, 50000);
  CHECK(!hr_stats_parse_cpu_max("junk", &q, &p));
  CHECK(!hr_stats_parse_cpu_max("50000", &q, &p));
  /* keys match whole words only */
  CHECK(hr_stats_flat_get("oom 5\noom_kill 2\n", "oom_kill", &v));
  CHECK_INT(v, 2);
  CHECK(hr_stats_flat_get("oom_kill 2\noom 5\n", "oom", &v));
  CHECK_INT(v, 5);
  CHECK(!hr_stats_flat_get("oom_kill 2\n", "oom", &v));
  struct hr_stats_io *io;
  size_t n;
  hr_error_t err = NULL;
  CHECK_INT(hr_stats_parse_io("", &io, &n, &err), 0);
  CHECK_INT(n, 0);
  free(io);
  /* unknown keys are skipped, fields may come in any order */
  CHECK_INT(
      hr_stats_parse_io("259:0 wios=2 future=7 rbytes=9\n", &io, &n, &err), 0);
  CHECK_INT(n, 1);
  CHECK_INT(io[0].major, 259);
  CHECK_INT(io[0].wios, 2);
  CHECK_INT(io[0].rbytes, 9);
  free(io);
}

/* The JSON must parse and have runc's field names and units. */
TEST(stats_runc_json_layout) {
  char *d = fake_full();
  /* jansson rejects 2^64-1 ("max"): a number here so the test can parse */
  put(d, "memory.swap.max", "67108864\n");
  int fd = open_dir(d);
  struct hr_cgroup_stats s;
  hr_error_t err = NULL;
  CHECK_INT(hr_stats_read(fd, &s, &err), 0);
  char *data = hr_stats_runc_json(&s);
  CHECK(data != NULL);
  char *ev = hr_event_json("stats", "c1", data);
  CHECK(ev != NULL);
  json_error_t je;
  json_t *j = json_loads(ev, 0, &je);
  CHECK(j != NULL);
  CHECK_STR(json_string_value(json_object_get(j, "type")), "stats");
  CHECK_STR(json_string_value(json_object_get(j, "id")), "c1");
  json_t *dt = json_object_get(j, "data");
  json_int_t total = 0, periods = 0, thr = 0, tt = 0, kern = 0;
  CHECK_INT(json_unpack(dt, "{s:{s:{s:I,s:I},s:{s:I,s:I,s:I}}}", "cpu", "usage",
                        "total", &total, "kernel", &kern, "throttling",
                        "periods", &periods, "throttledPeriods", &thr,
                        "throttledTime", &tt),
            0);
  CHECK_INT(total, 2500000000LL); /* nanoseconds */
  CHECK_INT(kern, 500000000LL);
  CHECK_INT(periods, 40);
  CHECK_INT(thr, 12);
  CHECK_INT(tt, 900000000LL);
  json_int_t usage = 0, limit = 0, max = 0, failcnt = 0, cache = 0;
  CHECK_INT(json_unpack(dt, "{s:{s:I,s:{s:I,s:I,s:I,s:I}}}", "memory", "cache",
                        &cache, "usage", "usage", &usage, "limit", &limit,
                        "max", &max, "failcnt", &failcnt),
            0);
  CHECK_INT(usage, 8388608);
  CHECK_INT(limit, 33554432);
  CHECK_INT(max, 33554432);
  CHECK_INT(failcnt, 17);
  CHECK_INT(cache, 2097152);
  /* swap as v1 reported it: memory + swap */
  CHECK_CONTAINS(data, "\"swap\":{\"limit\":100663296,"
                       "\"usage\":8392704,\"failcnt\":0}");
  json_int_t pg = 0;
  CHECK_INT(json_unpack(dt, "{s:{s:{s:I}}}", "memory", "raw", "pgfault", &pg),
            0);
  CHECK_INT(pg, 1234);
  /* raw keys sorted like Go's map encoding */
  CHECK(strstr(data, "\"active_file\"") < strstr(data, "\"anon\""));
  /* pids.max "max" -> no limit field */
  CHECK_CONTAINS(data, "\"pids\":{\"current\":3}");
  json_t *sb =
      json_object_get(json_object_get(dt, "blkio"), "ioServiceBytesRecursive");
  CHECK_INT(json_array_size(sb), 4);
  json_int_t maj = 0, val = 0;
  const char *op = NULL;
  CHECK_INT(json_unpack(json_array_get(sb, 0), "{s:I,s:s,s:I}", "major", &maj,
                        "op", &op, "value", &val),
            0);
  CHECK_INT(maj, 8);
  CHECK_STR(op, "Read");
  CHECK_INT(val, 1048576);
  /* omitempty: a zero value and a zero minor are left out */
  CHECK_CONTAINS(data, "{\"major\":253,\"minor\":1,\"op\":\"Read\"}");
  CHECK_CONTAINS(data, "\"hugetlb\":{\"2MB\":{\"failcnt\":3}}");
  CHECK_CONTAINS(data, "\"network_interfaces\":null");
  json_decref(j);
  free(ev);
  free(data);
  hr_stats_free(&s);
  close(fd);
  rm_tree(d);
}

TEST(stats_unlimited_is_max_uint64) {
  char *d = fake_full();
  put(d, "memory.max", "max\n");
  int fd = open_dir(d);
  struct hr_cgroup_stats s;
  hr_error_t err = NULL;
  CHECK_INT(hr_stats_read(fd, &s, &err), 0);
  char *data = hr_stats_runc_json(&s);
  CHECK_CONTAINS(data, "\"usage\":{\"limit\":18446744073709551615,"
                       "\"usage\":8388608,\"max\":33554432,");
  /* swap "max" stays unlimited, not memory.max added to it */
  CHECK_CONTAINS(data, "\"swap\":{\"limit\":18446744073709551615,");
  free(data);
  hr_stats_free(&s);
  close(fd);
  rm_tree(d);
}

TEST(stats_event_without_data) {
  char *ev = hr_event_json("oom", "a<b", NULL);
  CHECK_STR(ev, "{\"type\":\"oom\",\"id\":\"a\\u003cb\"}");
  free(ev);
}
