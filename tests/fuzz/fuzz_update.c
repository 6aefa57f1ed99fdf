/* `hrun update --resources FILE` (or -r -): the LinuxResources JSON parsed
 * with path "resources" and applied as an update (update=true keeps the
 * current cpu period) to a fake cgroup dir. */
#include "fake_cgroupfs.h"
#include "fuzz.h"
#include "hrun/cgroup.h"
#include "hrun/resources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *root = fuzz_load_json(data, size, "resources");
  if (!root)
    return 0;
  struct hr_resources r;
  hr_error_t err = NULL;
  int rc = hr_resources_parse(root, "resources", &r, &err);
  fuzz_check_result(rc, err);
  if (rc == 0) {
    FUZZ_CHECK(r.path && strcmp(r.path, "resources") == 0);
    (void)hr_resources_any(&r);
    rc = hr_cgroup_check_v2(&r, &err);
    fuzz_check_result(rc, err);
    hr_error_free(&err);
    fake_cg_reset();
    rc = hr_cgroup_apply(fake_cg_dirfd(), &r, true, &err);
    fuzz_check_result(rc, err);
    if (rc == 0 && r.cpu.quota.set && r.cpu.quota.v > 0 && r.n_unified == 0) {
      /* the quota is what cpu.max starts with */
      char want[32];
      snprintf(want, sizeof(want), "%lld", (long long)r.cpu.quota.v);
      const char *got = fake_cg_read("cpu.max");
      FUZZ_CHECK(got && strncmp(got, want, strlen(want)) == 0);
    }
    hr_error_free(&err);
    hr_resources_free(&r);
  } else {
    FUZZ_CHECK(strncmp(err->msg, "resources", 9) == 0);
  }
  hr_error_free(&err);
  json_decref(root);
  return 0;
}
