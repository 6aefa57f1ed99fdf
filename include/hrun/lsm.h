/* AppArmor profiles and SELinux labels for the container process. Asked
 * for but not available is an error: a confinement is never dropped. */
#ifndef HRUN_LSM_H
#define HRUN_LSM_H

#include "hrun/config.h"
#include "hrun/error.h"

/* Before clone: fail when the config asks for an LSM the host lacks.
 * sys is the sysfs root ("/sys"; tests pass a fake tree). */
int hr_lsm_check(const struct hr_config *c, const char *sys, hr_error_t *err);
int hr_lsm_check_process(const struct hr_process *p, const char *sys,
                         hr_error_t *err);
/* In the container, just before execve: the label the kernel applies at
 * exec (/proc/self/attr/apparmor/exec or /proc/self/attr/exec). */
int hr_lsm_apply_exec(const struct hr_process *p, hr_error_t *err);

#endif
