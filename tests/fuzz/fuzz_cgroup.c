/* linux.resources -> cgroup v2: hr_resources_parse, the v2 checks
 * (hr_cgroup_check_v2, hr_cgroup_needs, hr_cgroup_check against the fake
 * mount's cgroup.controllers), hr_cgroup_apply into a fake cgroup dir, the
 * device-filter program, and the value conversions (cpu.shares -> cpu.weight,
 * blkio weight -> io.weight). */
#include <inttypes.h>
#include <linux/bpf.h>

#include "fake_cgroupfs.h"
#include "fuzz.h"
#include "hrun/cgroup.h"
#include "hrun/resources.h"

static void check_conversions(uint64_t v) {
  uint64_t w = hr_cgroup_shares_to_weight(v);
  if (v == 0)
    FUZZ_CHECK(w == 0);
  else
    FUZZ_CHECK(w >= 1 && w <= 10000);
  if (v >= 2 && v < 262144)
    FUZZ_CHECK(hr_cgroup_shares_to_weight(v + 1) >= w); /* monotonic */
  if (v >= 10 && v <= 1000) {
    uint64_t io = hr_cgroup_blkio_to_io_weight(v);
    FUZZ_CHECK(io >= 1 && io <= 10000);
    if (v < 1000)
      FUZZ_CHECK(hr_cgroup_blkio_to_io_weight(v + 1) >= io);
  }
}

static void check_files_safe(const struct hr_resources *r) {
  /* every name apply turns into a file name is a single path component */
  for (size_t i = 0; i < r->n_hugepages; i++)
    FUZZ_CHECK(!strchr(r->hugepages[i].page_size, '/'));
  for (size_t i = 0; i < r->n_unified; i++) {
    FUZZ_CHECK(!strchr(r->unified[i].key, '/'));
    FUZZ_CHECK(strcmp(r->unified[i].key, "..") != 0);
  }
}

static void check_devfilter(const struct hr_resources *r) {
  struct bpf_insn *insns = NULL;
  size_t n = 0;
  hr_error_t err = NULL;
  int rc = hr_devfilter_build(r->devices, r->n_devices, &insns, &n, &err);
  fuzz_check_result(rc, err);
  if (rc == 0) {
    FUZZ_CHECK(insns != NULL && n > 0);
    /* the program ends in an exit */
    FUZZ_CHECK(insns[n - 1].code == (BPF_JMP | BPF_EXIT));
  }
  free(insns);
  hr_error_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint64_t raw = 0;
  memcpy(&raw, data, size < sizeof(raw) ? size : sizeof(raw));
  check_conversions(raw);
  check_conversions(raw & 0x3ffff);

  json_t *root = fuzz_load_json(data, size, "config.json");
  if (!root)
    return 0;
  struct hr_resources r;
  hr_error_t err = NULL;
  int rc = hr_resources_parse(root, "linux.resources", &r, &err);
  fuzz_check_result(rc, err);
  if (rc < 0) {
    FUZZ_CHECK(strncmp(err->msg, "linux.resources", 15) == 0);
    hr_error_free(&err);
    json_decref(root);
    return 0;
  }
  check_files_safe(&r);
  if (r.cpu.shares.set)
    check_conversions(r.cpu.shares.v);
  if (r.block_io.weight.set)
    check_conversions(r.block_io.weight.v);

  rc = hr_cgroup_check_v2(&r, &err);
  fuzz_check_result(rc, err);
  hr_error_free(&err);
  struct hr_cgroup_need *needs = NULL;
  size_t n_needs = 0;
  rc = hr_cgroup_needs(&r, &needs, &n_needs, &err);
  fuzz_check_result(rc, err);
  for (size_t i = 0; rc == 0 && i < n_needs; i++)
    FUZZ_CHECK(needs[i].controller && needs[i].why);
  hr_cgroup_needs_free(needs, n_needs);
  hr_error_free(&err);
  rc = hr_cgroup_check(fake_cg_path(), HR_CGROUP_UNIFIED, &r, &err);
  fuzz_check_result(rc, err);
  hr_error_free(&err);

  fake_cg_reset();
  rc = hr_cgroup_apply(fake_cg_dirfd(), &r, false, &err);
  fuzz_check_result(rc, err);
  if (rc == 0 && r.cpu.shares.set && r.cpu.shares.v && r.n_unified == 0) {
    char want[32];
    snprintf(want, sizeof(want), "%" PRIu64,
             hr_cgroup_shares_to_weight(r.cpu.shares.v));
    const char *got = fake_cg_read("cpu.weight");
    FUZZ_CHECK(got && strcmp(got, want) == 0);
  }
  hr_error_free(&err);
  check_devfilter(&r);

  hr_resources_free(&r);
  hr_resources_free(&r);
  json_decref(root);
  return 0;
}
