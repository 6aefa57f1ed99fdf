/* Foreground `hrun run`: hrun itself is the monitor (and, with a terminal
 * and no --console-socket, relays the pty). */
#include <stdlib.h>

#include "hrun/cleanup.h"
#include "hrun/monitor.h"

static int log_oom(void *arg, const struct hr_monitor_event *ev) {
  struct hr_container *c = arg;
  if (ev->kind != HR_MONITOR_OOM)
    return 0;
  _cleanup_free_ char *data = hr_monitor_oom_data(ev);
  if (data)
    hr_event_log_append(c->state_dirfd, "oom", c->state.id, data, NULL);
  return 0;
}

int hr_monitor_container(struct hr_container *c, struct hr_exit_record *rec,
                         hr_error_t *err) {
  _cleanup_close_ int cgfd = -1;
  if (c->state.cgroup_path &&
      hr_monitor_open_cgroup(&c->state, NULL, &cgfd, NULL) < 0)
    cgfd = -1; /* no stats, but still wait and forward */
  /* with a relayed terminal, stdin goes back to its mode on every way out */
  struct hr_pty_relay relay;
  if (hr_pty_relay_start(&relay, c->console_master, err) < 0)
    return -1;
  struct hr_monitor m = {.pid = c->state.pid,
                         .pidfd = c->pidfd,
                         .is_parent = true,
                         .forward_signals = true,
                         .cgroup_fd = cgfd,
                         .on_event = log_oom,
                         .arg = c,
                         .relay = c->console_master >= 0 ? &relay : NULL};
  int r = hr_monitor_run(&m, rec, err);
  hr_pty_relay_stop(&relay);
  if (r < 0)
    return -1;
  /* kept by `run --keep`; removed with the rest otherwise */
  hr_exit_record_save(c->state.id, c->state_dirfd, rec, NULL);
  return 0;
}
