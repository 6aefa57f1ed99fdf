#include "hrun/process_start.h"

#include <errno.h>
#include <unistd.h>

#include "hrun/container.h"
#include "hrun/fds.h"
#include "hrun/init_exec.h"
#include "hrun/lsm.h"
#include "hrun/process_setup.h"

int hr_process_prepare(const struct hr_process *p,
                       const struct hr_seccomp_program *seccomp, char **exe,
                       int *exit_code, hr_error_t *err) {
  *exit_code = 1;
  if (seccomp && !p->no_new_privileges && hr_seccomp_install(seccomp, err) < 0)
    return hr_error_wrap(err, "seccomp");
  if (hr_identity_apply(p, err) < 0)
    return hr_error_wrap(err, "process.user");
  if (chdir(p->cwd) < 0)
    return hr_error_set(err, errno, "process.cwd: chdir to \"%s\"", p->cwd);
  if (hr_cwd_check_inside_root(err) < 0)
    return -1;
  if (hr_exec_lookup(p, exe, err) < 0) {
    *exit_code = HR_EXIT_NOT_FOUND;
    return -1;
  }
  return 0;
}

int hr_process_exec(const struct hr_process *p,
                    const struct hr_seccomp_program *seccomp, const char *exe,
                    int keep_from, int *exit_code, hr_error_t *err) {
  *exit_code = 1;
  if (hr_lsm_apply_exec(p, err) < 0)
    return -1;
  if (p->no_new_privileges && hr_no_new_privs(err) < 0)
    return -1;
  if (seccomp && p->no_new_privileges && hr_seccomp_install(seccomp, err) < 0)
    return hr_error_wrap(err, "seccomp");
  if (hr_fds_close_from(keep_from, NULL, 0, err) < 0)
    return -1;
  execve(exe, p->args, p->env);
  int e = errno;
  *exit_code = e == ENOENT ? HR_EXIT_NOT_FOUND : 126;
  return hr_error_set(err, e, "exec %s", exe);
}
