/* Removing a container: whatever is left of it is killed, its cgroup and
 * state are removed, and poststop hooks run. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/container.h"
#include "hrun/hooks.h"
#include "hrun/log.h"
#include "hrun/monitor.h"

static void run_poststop(const struct hr_state *s) {
  if (!s->bundle)
    return;
  struct hr_config cfg = {0};
  _cleanup_error_ hr_error_t err = NULL;
  /* the bundle may be gone by now; poststop is best effort, as in runc */
  if (hr_config_load(s->bundle, &cfg, &err) < 0)
    return;
  if (cfg.n_hooks[HR_HOOK_POSTSTOP] > 0) {
    _cleanup_json_ json_t *j = hr_state_to_json(s, HR_STATUS_STOPPED);
    _cleanup_free_ char *js = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (js &&
        hr_hooks_run(cfg.hooks[HR_HOOK_POSTSTOP], cfg.n_hooks[HR_HOOK_POSTSTOP],
                     "poststop", js, &err) < 0)
      hr_log_warn("%s", hr_error_msg(err));
  }
  hr_config_free(&cfg);
}

int hr_container_destroy(const struct hr_globals *g, struct hr_state *s,
                         hr_error_t *err) {
  int pidfd = -1;
  if (s->pid > 0 && hr_state_pidfd(s, &pidfd, NULL) == 0) {
    syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
    /* reap it if it is our child; otherwise wait until it is gone */
    siginfo_t si;
    if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0) {
      struct pollfd p = {.fd = pidfd, .events = POLLIN};
      poll(&p, 1, 5000);
    }
    close(pidfd);
  }
  /* a shim still writing the exit record must be done before the files go */
  if (s->id)
    hr_shim_wait_gone(g->root, s->id, 5000, true);
  if (s->cgroup_path) {
    struct hr_cgroup cg = {.dirfd = -1};
    if (hr_cgroup_open(s->cgroup_mount, HR_CGROUP_UNIFIED, s->cgroup_path, &cg,
                       err) == 0) {
      if (hr_cgroup_destroy(&cg, err) < 0) {
        hr_cgroup_close(&cg);
        return hr_error_wrap(err, "delete cgroup %s", s->cgroup_path);
      }
      hr_cgroup_close(&cg);
    } else if (hr_error_errno(*err) == ENOENT) {
      hr_error_free(err);
    } else {
      return -1;
    }
  }
  run_poststop(s);
  return hr_state_remove(g->root, s->id, err);
}
