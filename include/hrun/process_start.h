/* The last steps before the container's program runs, the same for the
 * container's init and for `hrun exec`. Both functions return -1 with *err
 * set and *exit_code the status to exit with: 1, or as runc: 127 when the
 * program is not found, 126 when it cannot be executed. */
#ifndef HRUN_PROCESS_START_H
#define HRUN_PROCESS_START_H

#include "hrun/config.h"
#include "hrun/error.h"
#include "hrun/seccomp.h"

/* Without no_new_privs the seccomp filter needs CAP_SYS_ADMIN, so it goes
 * in first; then user, groups and capabilities (hr_identity_apply), the
 * cwd (checked to be inside the root: CVE-2024-21626), and the program's
 * path into *exe. The caller may still talk to hrun afterwards. */
int hr_process_prepare(const struct hr_process *p,
                       const struct hr_seccomp_program *seccomp, char **exe,
                       int *exit_code, hr_error_t *err);

/* LSM labels, no_new_privs, the seccomp filter when it waited for
 * no_new_privs (as late as possible), every fd from keep_from up closed,
 * then execve. Returns only when something failed. */
int hr_process_exec(const struct hr_process *p,
                    const struct hr_seccomp_program *seccomp, const char *exe,
                    int keep_from, int *exit_code, hr_error_t *err);

#endif
