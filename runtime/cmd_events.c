/* events: runc's stats/oom event stream, read straight from the cgroup, so
 * it works for containers of any manager (containerd, podman) that use
 * this --root; plus an exit event when the container ends. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/log.h"
#include "hrun/monitor.h"

struct events_ctx {
  const char *id;
  int cgfd;
};

static int print_line(const char *line) {
  if (!line)
    return -1;
  /* a reader that went away ends the stream */
  if (puts(line) < 0 || fflush(stdout) != 0)
    return -1;
  return 0;
}

static int print_stats(const char *id, int cgfd, hr_error_t *err) {
  struct hr_cgroup_stats s;
  if (hr_stats_read(cgfd, &s, err) < 0)
    return -1;
  _cleanup_free_ char *data = hr_stats_runc_json(&s);
  hr_stats_free(&s);
  _cleanup_free_ char *line = data ? hr_event_json("stats", id, data) : NULL;
  if (!line)
    return hr_error_set(err, ENOMEM, "stats event");
  if (print_line(line) < 0)
    return hr_error_set(err, errno, "write stdout");
  return 0;
}

static int on_event(void *arg, const struct hr_monitor_event *ev) {
  struct events_ctx *c = arg;
  if (ev->kind == HR_MONITOR_TICK) {
    _cleanup_error_ hr_error_t err = NULL;
    if (print_stats(c->id, c->cgfd, &err) < 0) {
      if (hr_error_errno(err) == ENOENT)
        return 0; /* the cgroup is being removed: the exit comes next */
      hr_log_error("%s", hr_error_msg(err));
      return hr_error_errno(err) == EPIPE ? 1 : 0;
    }
    return 0;
  }
  /* one oom event per OOM kill, in runc's form */
  _cleanup_free_ char *line = hr_event_json("oom", c->id, NULL);
  for (uint64_t i = 0; i < ev->new_kills; i++)
    if (print_line(line) < 0)
      return 1;
  return 0;
}

/* The exit event: the shim's record when there is a shim (give it a moment
 * to write it), else what this process saw. */
static void print_exit(struct hr_globals *g, const char *id,
                       const struct hr_exit_record *own) {
  hr_shim_wait_gone(g->root, id, 5000, false);
  struct hr_state s;
  _cleanup_json_ json_t *rec = NULL;
  if (hr_state_load(g->root, id, &s, NULL) == 0) {
    json_t *x = s.extra ? json_object_get(s.extra, "exit") : NULL;
    if (json_is_object(x))
      rec = json_incref(x);
    hr_state_free(&s);
  }
  if (!rec)
    rec = hr_exit_record_json(own);
  _cleanup_free_ char *data = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
  _cleanup_free_ char *line = hr_event_json("exit", id, data);
  print_line(line);
}

int hr_cmd_events(struct hr_globals *g, int argc, char **argv) {
  enum { O_STATS = 256, O_INTERVAL };
  static const struct option opts[] = {
      {"stats", no_argument, NULL, O_STATS},
      {"interval", required_argument, NULL, O_INTERVAL},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  bool once = false;
  uint64_t interval = 5000;
  _cleanup_error_ hr_error_t err = NULL;
  int c;
  optind = 0;
  while ((c = hr_cli_getopt("events", argc, argv, opts)) != -1) {
    switch (c) {
    case O_STATS:
      once = true;
      break;
    case O_INTERVAL:
      if (hr_parse_duration_ms(optarg, &interval, &err) < 0)
        return hr_cli_fail(&err);
      break;
    case 'h':
      hr_cli_print_help("events");
      return 0;
    default:
      return 1;
    }
  }
  const char *id;
  if (hr_cli_take_id("events", argc, argv, &id))
    return 1;
  if (interval == 0 || interval > 24u * 3600 * 1000) {
    hr_log_error("duration interval must be greater than 0");
    return 1;
  }
  struct hr_state s;
  if (hr_state_load(g->root, id, &s, &err) < 0)
    return hr_cli_fail(&err);
  int ret = 1;
  _cleanup_close_ int cgfd = -1, pidfd = -1;
  if (hr_state_status(g->root, &s) == HR_STATUS_STOPPED) {
    hr_log_error("container with id %s is not running", id);
    goto out;
  }
  if (hr_monitor_open_cgroup(&s, g->cgroup_root, &cgfd, &err) < 0) {
    hr_cli_fail(&err);
    goto out;
  }
  if (once) {
    ret = print_stats(id, cgfd, &err) < 0 ? hr_cli_fail(&err) : 0;
    goto out;
  }
  if (hr_state_pidfd(&s, &pidfd, &err) < 0) {
    hr_log_error("container with id %s is not running", id);
    goto out;
  }
  struct events_ctx ctx = {.id = id, .cgfd = cgfd};
  struct hr_monitor m = {.pid = s.pid,
                         .pidfd = pidfd,
                         .cgroup_fd = cgfd,
                         .interval_ms = (unsigned)interval,
                         .on_event = on_event,
                         .arg = &ctx};
  struct hr_exit_record rec;
  int r = hr_monitor_run(&m, &rec, &err);
  if (r < 0) {
    hr_cli_fail(&err);
    goto out;
  }
  if (r == 0) {
    print_exit(g, id, &rec);
    hr_exit_record_free(&rec);
  }
  ret = 0;
out:
  hr_state_free(&s);
  return ret;
}
