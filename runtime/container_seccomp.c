#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/container_setup.h"
#include "hrun/log.h"

int hr_seccomp_prepare(const struct hr_config *cfg,
                       struct hr_seccomp_program *prog, bool *have,
                       hr_error_t *err) {
  *have = false;
  const char *opt = hr_annotation_get(cfg, HR_ANNOTATION_SECCOMP);
  if (opt && strcmp(opt, "unconfined") != 0)
    return hr_error_set(err, 0,
                        "annotations: " HR_ANNOTATION_SECCOMP
                        ": unknown value \"%s\" (only \"unconfined\")",
                        opt);
  uint64_t bounding = cfg->process.has_caps ? cfg->process.caps.bounding : 0;
  if (cfg->linux.has_seccomp) {
    if (opt)
      return hr_error_set(err, 0,
                          "annotations: " HR_ANNOTATION_SECCOMP
                          "=unconfined conflicts with linux.seccomp");
    if (hr_seccomp_compile(&cfg->linux.seccomp, bounding, prog, err) < 0)
      return hr_error_wrap(err, "config.json: linux.seccomp");
    *have = true;
    return 0;
  }
  if (opt) {
    hr_log_debug("seccomp: unconfined by annotation");
    return 0;
  }
  struct hr_seccomp def = {0};
  if (hr_seccomp_default(&def, err) < 0)
    return hr_error_wrap(err, "default seccomp profile");
  int r = hr_seccomp_compile(&def, bounding, prog, err);
  hr_seccomp_free(&def);
  if (r < 0)
    return hr_error_wrap(err, "default seccomp profile");
  *have = true;
  return 0;
}
