#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "test_cgroup_fake.h"
#include "unit.h"

TEST(cgroup_shares_to_weight) {
  /* Values of the reference formula (checked against a double-precision
   * implementation for every shares value 0..262150). */
  struct {
    uint64_t shares, weight;
  } t[] = {{0, 0},          {1, 1},         {2, 1},          {3, 2},
           {10, 4},         {100, 17},      {500, 58},       {512, 59},
           {1024, 100},     {2048, 174},    {4096, 303},     {10000, 627},
           {100000, 4340},  {196547, 7781}, {262143, 10000}, {262144, 10000},
           {1000000, 10000}};
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
    if (hr_cgroup_shares_to_weight(t[i].shares) != t[i].weight)
      unit_fail(__FILE__, __LINE__, "shares %llu -> %llu, expected %llu",
                (unsigned long long)t[i].shares,
                (unsigned long long)hr_cgroup_shares_to_weight(t[i].shares),
                (unsigned long long)t[i].weight);
}

TEST(cgroup_blkio_to_io_weight) {
  CHECK_INT(hr_cgroup_blkio_to_io_weight(10), 1);
  CHECK_INT(hr_cgroup_blkio_to_io_weight(500), 4950);
  CHECK_INT(hr_cgroup_blkio_to_io_weight(1000), 10000);
  CHECK_INT(hr_cgroup_blkio_to_io_weight(300), 2930);
}

/* A fake root with one cgroup "c"; the test applies r to it and returns
 * the root for inspection. */
struct applied {
  char *root;
  int rc;
  hr_error_t err;
};

static struct applied apply_json(const char *json, bool update,
                                 void (*prep)(const char *root)) {
  struct applied a = {fake_root(FAKE_CONTROLLERS), -1, NULL};
  fake_cgroup(a.root, "c");
  if (prep)
    prep(a.root);
  struct hr_resources r;
  fake_resources(json, &r);
  _cleanup_free_ char *dir = NULL;
  if (asprintf(&dir, "%s/c", a.root) < 0)
    abort();
  _cleanup_close_ int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK(fd >= 0);
  a.rc = hr_cgroup_apply(fd, &r, update, &a.err);
  hr_resources_free(&r);
  return a;
}

static void applied_free(struct applied *a) {
  fake_rm(a->root);
  hr_error_free(&a->err);
}

#define CHECK_FILE(root, rel, want)                                            \
  do {                                                                         \
    _cleanup_free_ char *_c = fake_read(root, rel);                            \
    CHECK_STR(_c, want);                                                       \
  } while (0)

#define CHECK_OK(a)                                                            \
  do {                                                                         \
    if ((a).rc != 0)                                                           \
      unit_fail(__FILE__, __LINE__, "apply failed: %s",                        \
                hr_error_msg((a).err));                                        \
  } while (0)

TEST(cgroup_apply_memory) {
  struct applied a =
      apply_json("{\"memory\":{\"limit\":100,\"swap\":300,\"reservation\":50}}",
                 false, NULL);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/memory.max", "100");
  CHECK_FILE(a.root, "c/memory.swap.max", "200");
  CHECK_FILE(a.root, "c/memory.low", "50");
  applied_free(&a);

  a = apply_json("{\"memory\":{\"limit\":100,\"swap\":100}}", false, NULL);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/memory.swap.max", "0"); /* swap == limit: no swap */
  applied_free(&a);

  a = apply_json("{\"memory\":{\"limit\":100,\"swap\":-1}}", false, NULL);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/memory.max", "100");
  CHECK_FILE(a.root, "c/memory.swap.max", "max");
  applied_free(&a);

  /* Unlimited memory without a swap value: unlimited swap too. */
  a = apply_json("{\"memory\":{\"limit\":-1,\"reservation\":-1}}", false, NULL);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/memory.max", "max");
  CHECK_FILE(a.root, "c/memory.swap.max", "max");
  CHECK_FILE(a.root, "c/memory.low", "max");
  applied_free(&a);

  /* 0 is "unset" (runc): nothing written. */
  a = apply_json("{\"memory\":{\"limit\":0,\"swap\":0}}", false, NULL);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/memory.max", "");
  CHECK_FILE(a.root, "c/memory.swap.max", "");
  applied_free(&a);
}

static void no_swap_file(const char *root) {
  _cleanup_free_ char *p = NULL;
  if (asprintf(&p, "%s/c/memory.swap.max", root) < 0)
    abort();
  unlink(p);
}

TEST(cgroup_apply_memory_without_swap_accounting) {
  /* swap == limit ("0") and "max" are what the kernel does anyway. */
  struct applied a = apply_json("{\"memory\":{\"limit\":100,\"swap\":100}}",
                                false, no_swap_file);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/memory.max", "100");
  applied_free(&a);
  /* A real swap limit cannot be honoured: error, not dropped. */
  a = apply_json("{\"memory\":{\"limit\":100,\"swap\":300}}", false,
                 no_swap_file);
  CHECK_INT(a.rc, -1);
  CHECK_STR(hr_error_msg(a.err), "cgroup: write \"200\" to memory.swap.max: "
                                 "No such file or directory");
  applied_free(&a);
}

TEST(cgroup_apply_cpu) {
  struct {
    const char *json, *file, *want;
  } t[] = {
      {"{\"cpu\":{\"shares\":2}}", "c/cpu.weight", "1"},
      {"{\"cpu\":{\"shares\":1024}}", "c/cpu.weight", "100"},
      {"{\"cpu\":{\"shares\":262144}}", "c/cpu.weight", "10000"},
      {"{\"cpu\":{\"quota\":50000}}", "c/cpu.max", "50000 100000"},
      {"{\"cpu\":{\"quota\":-1}}", "c/cpu.max", "max 100000"},
      {"{\"cpu\":{\"period\":20000}}", "c/cpu.max", "max 20000"},
      {"{\"cpu\":{\"quota\":25000,\"period\":50000}}", "c/cpu.max",
       "25000 50000"},
      {"{\"cpu\":{\"quota\":-1,\"period\":1000000}}", "c/cpu.max",
       "max 1000000"},
      {"{\"cpu\":{\"quota\":20000,\"burst\":5000}}", "c/cpu.max.burst", "5000"},
      {"{\"cpu\":{\"idle\":1}}", "c/cpu.idle", "1"},
      {"{\"cpu\":{\"cpus\":\"0-2,4\"}}", "c/cpuset.cpus", "0-2,4"},
      {"{\"cpu\":{\"mems\":\"0\"}}", "c/cpuset.mems", "0"},
      {"{\"pids\":{\"limit\":100}}", "c/pids.max", "100"},
      {"{\"pids\":{\"limit\":-1}}", "c/pids.max", "max"},
      {"{\"pids\":{\"limit\":0}}", "c/pids.max", "max"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    struct applied a = apply_json(t[i].json, false, NULL);
    CHECK_OK(a);
    _cleanup_free_ char *c = fake_read(a.root, t[i].file);
    if (!c || strcmp(c, t[i].want) != 0)
      unit_fail(__FILE__, __LINE__, "%s: %s is \"%s\", expected \"%s\"",
                t[i].json, t[i].file, c ? c : "(missing)", t[i].want);
    applied_free(&a);
  }
}

static void cpu_max_custom(const char *root) {
  fake_write(root, "c/cpu.max", "40000 50000\n");
}

TEST(cgroup_update_cpu_keeps_other_half) {
  /* `update --cpu-quota` keeps the period, `--cpu-period` the quota. */
  struct applied a =
      apply_json("{\"cpu\":{\"quota\":30000}}", true, cpu_max_custom);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/cpu.max", "30000");
  applied_free(&a);
  a = apply_json("{\"cpu\":{\"period\":20000}}", true, cpu_max_custom);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/cpu.max", "40000 20000");
  applied_free(&a);
}

static void with_bfq(const char *root) {
  fake_write(root, "c/io.bfq.weight", "default 100\n");
}

TEST(cgroup_apply_io) {
  struct applied a = apply_json("{\"blockIO\":{\"weight\":10}}", false, NULL);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/io.weight", "1\n");
  applied_free(&a);
  a = apply_json("{\"blockIO\":{\"weight\":1000}}", false, NULL);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/io.weight", "10000\n");
  applied_free(&a);
  a = apply_json("{\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":"
                 "8,\"minor\":0,\"weight\":300}]}}",
                 false, NULL);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/io.weight", "4950\n8:0 2930\n");
  applied_free(&a);
  /* bfq takes the blkio scale as is. */
  a = apply_json("{\"blockIO\":{\"weight\":500,\"weightDevice\":[{\"major\":"
                 "8,\"minor\":0,\"weight\":300}]}}",
                 false, with_bfq);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/io.bfq.weight", "500\n8:0 300\n");
  CHECK_FILE(a.root, "c/io.weight", "");
  applied_free(&a);
  a = apply_json(
      "{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
      "\"rate\":1048576}],\"throttleWriteBpsDevice\":[{\"major\":8,\"minor\":"
      "0,\"rate\":2}],\"throttleReadIOPSDevice\":[{\"major\":8,\"minor\":16,"
      "\"rate\":0}],\"throttleWriteIOPSDevice\":[{\"major\":8,\"minor\":0,"
      "\"rate\":100}]}}",
      false, NULL);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/io.max",
             "8:0 rbps=1048576\n8:0 wbps=2\n8:16 riops=max\n8:0 wiops=100\n");
  applied_free(&a);
}

static void with_rsvd(const char *root) {
  fake_write(root, "c/hugetlb.2MB.rsvd.max", "");
}

TEST(cgroup_apply_hugetlb_rdma) {
  struct applied a = apply_json(
      "{\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304},"
      "{\"pageSize\":\"1GB\",\"limit\":0}],\"rdma\":{\"mlx5_1\":{"
      "\"hcaHandles\":3,\"hcaObjects\":1000},\"mlx5_2\":{\"hcaObjects\":5}}}",
      false, with_rsvd);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/hugetlb.2MB.max", "4194304");
  CHECK_FILE(a.root, "c/hugetlb.2MB.rsvd.max", "4194304");
  CHECK_FILE(a.root, "c/hugetlb.1GB.max", "0");
  CHECK(!fake_exists(a.root, "c/hugetlb.1GB.rsvd.max"));
  CHECK_FILE(a.root, "c/rdma.max",
             "mlx5_1 hca_handle=3 hca_object=1000\nmlx5_2 hca_object=5\n");
  applied_free(&a);
}

TEST(cgroup_apply_unified_last) {
  /* unified overrides the converted values because it is written last. */
  struct applied a =
      apply_json("{\"memory\":{\"limit\":100},\"cpu\":{\"shares\":1024},"
                 "\"unified\":{\"memory.max\":\"42\",\"cpu.weight\":\"7\","
                 "\"memory.high\":\"30\"}}",
                 false, NULL);
  CHECK_OK(a);
  CHECK_FILE(a.root, "c/memory.max", "42");
  CHECK_FILE(a.root, "c/cpu.weight", "7");
  CHECK_FILE(a.root, "c/memory.high", "30");
  applied_free(&a);
}

static void cpu_max_is_dir(const char *root) {
  _cleanup_free_ char *p = NULL;
  if (asprintf(&p, "%s/c/cpu.max", root) < 0)
    abort();
  unlink(p);
  mkdir(p, 0755);
}

static void no_io_max(const char *root) {
  _cleanup_free_ char *p = NULL;
  if (asprintf(&p, "%s/c/io.max", root) < 0)
    abort();
  unlink(p);
}

TEST(cgroup_apply_rejected_write_names_file_and_value) {
  struct applied a =
      apply_json("{\"cpu\":{\"quota\":-1}}", false, cpu_max_is_dir);
  CHECK_INT(a.rc, -1);
  CHECK_STR(hr_error_msg(a.err),
            "cgroup: write \"max 100000\" to cpu.max: Is a directory");
  CHECK_INT(hr_error_errno(a.err), EISDIR);
  applied_free(&a);
  /* A missing file of a multi-line interface is reported the same way. */
  struct applied b = apply_json("{\"blockIO\":{\"throttleReadBpsDevice\":[{"
                                "\"major\":8,\"minor\":0,\"rate\":1}]}}",
                                false, no_io_max);
  CHECK_INT(b.rc, -1);
  CHECK_STR(hr_error_msg(b.err), "cgroup: write \"8:0 rbps=1\" to io.max: No "
                                 "such file or directory");
  applied_free(&b);
}

TEST(cgroup_check_v2_rejects_v1_only) {
  struct {
    const char *json, *msg;
  } t[] = {
      {"{\"memory\":{\"kernel\":100}}",
       "linux.resources.memory.kernel: not supported on cgroup v2"},
      {"{\"memory\":{\"kernelTCP\":-1}}",
       "linux.resources.memory.kernelTCP: not supported on cgroup v2"},
      {"{\"memory\":{\"swappiness\":10}}",
       "linux.resources.memory.swappiness: not supported on cgroup v2"},
      {"{\"memory\":{\"disableOOMKiller\":true}}",
       "linux.resources.memory.disableOOMKiller: not supported on cgroup v2"},
      {"{\"memory\":{\"useHierarchy\":false}}",
       "linux.resources.memory.useHierarchy: not supported"},
      {"{\"cpu\":{\"realtimeRuntime\":1000}}",
       "linux.resources.cpu.realtimeRuntime: not supported on cgroup v2"},
      {"{\"cpu\":{\"realtimePeriod\":1000}}",
       "linux.resources.cpu.realtimePeriod: not supported"},
      {"{\"blockIO\":{\"leafWeight\":100}}",
       "linux.resources.blockIO.leafWeight: not supported on cgroup v2"},
      {"{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0,\"weight\":"
       "10,\"leafWeight\":10}]}}",
       "linux.resources.blockIO.weightDevice[0].leafWeight: not supported"},
      {"{\"network\":{\"classID\":1048577}}",
       "linux.resources.network.classID: not supported on cgroup v2"},
      {"{\"network\":{\"priorities\":[{\"name\":\"eth0\",\"priority\":1}]}}",
       "linux.resources.network.priorities: not supported on cgroup v2"},
  };
  for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
    struct hr_resources r;
    fake_resources(t[i].json, &r);
    _cleanup_error_ hr_error_t err = NULL;
    CHECK_INT(hr_cgroup_check_v2(&r, &err), -1);
    if (!strstr(hr_error_msg(err), t[i].msg))
      unit_fail(__FILE__, __LINE__, "%s: \"%s\" lacks \"%s\"", t[i].json,
                hr_error_msg(err), t[i].msg);
    hr_resources_free(&r);
  }
  /* The harmless spellings pass. */
  struct hr_resources r;
  fake_resources("{\"memory\":{\"disableOOMKiller\":false,\"useHierarchy\":"
                 "true},\"network\":{\"priorities\":[]}}",
                 &r);
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_check_v2(&r, &err), 0);
  hr_resources_free(&r);
}
