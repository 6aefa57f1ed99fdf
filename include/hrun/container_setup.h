/* Decisions create makes before cloning the init: which seccomp filter
 * applies and where the container's cgroup goes. */
#ifndef HRUN_CONTAINER_SETUP_H
#define HRUN_CONTAINER_SETUP_H

#include <stdbool.h>

#include "hrun/cgroup.h"
#include "hrun/config.h"
#include "hrun/seccomp.h"

#define HR_ANNOTATION_SECCOMP "run.hrun.seccomp"

/* The config's linux.seccomp, else the built-in default profile, unless the
 * annotation run.hrun.seccomp=unconfined opts out. *have is false only for
 * that explicit opt-out. */
int hr_seccomp_prepare(const struct hr_config *cfg,
                       struct hr_seccomp_program *prog, bool *have,
                       hr_error_t *err);
/* The same, reusing filters compiled earlier and cached in cache_dir (the
 * runtime root); NULL disables the cache. */
int hr_seccomp_prepare_cached(const struct hr_config *cfg,
                              const char *cache_dir,
                              struct hr_seccomp_program *prog, bool *have,
                              hr_error_t *err);

/* Detect the cgroup layout under cgroup_root, place the container's cgroup
 * and apply its limits and device rules. On a host without a usable
 * cgroup v2 hierarchy a config without limits runs without a cgroup
 * (cg->path stays NULL); one with limits fails naming the controller. */
int hr_cgroup_setup(const char *cgroup_root, const struct hr_config *cfg,
                    const char *id, bool systemd, struct hr_cgroup *cg,
                    hr_error_t *err);

#endif
