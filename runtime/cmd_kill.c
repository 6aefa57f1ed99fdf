/* kill and delete. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/log.h"
#include "hrun/validate.h"

static int signal_cgroup(const struct hr_state *s, int sig, hr_error_t *err) {
  struct hr_cgroup cg = {.dirfd = -1};
  if (hr_cgroup_open(s->cgroup_mount, HR_CGROUP_UNIFIED, s->cgroup_path, &cg,
                     err) < 0)
    return -1;
  int r = hr_cgroup_kill(&cg, sig, err);
  hr_cgroup_close(&cg);
  return r;
}

int hr_cmd_kill(struct hr_globals *g, int argc, char **argv) {
  static const struct option opts[] = {{"all", no_argument, NULL, 'a'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  bool all = false;
  int c;
  optind = 0;
  while ((c = hr_cli_getopt("kill", argc, argv, opts)) != -1) {
    if (c == 'a')
      all = true;
    else if (c == 'h') {
      hr_cli_print_help("kill");
      return 0;
    } else
      return 1;
  }
  if (optind >= argc)
    return hr_cli_usage_error("kill", "missing container id");
  if (argc - optind > 2)
    return hr_cli_usage_error("kill", "unexpected argument \"%s\"",
                              argv[optind + 2]);
  const char *id = argv[optind];
  _cleanup_error_ hr_error_t err = NULL;
  int sig = SIGTERM;
  if (hr_validate_id(id, &err) < 0 ||
      (argc - optind == 2 && hr_parse_signal(argv[optind + 1], &sig, &err) < 0))
    return hr_cli_fail(&err);
  struct hr_state s;
  if (hr_state_load(g->root, id, &s, &err) < 0)
    return hr_cli_fail(&err);
  int ret = 0;
  if (all && s.cgroup_path) {
    if (signal_cgroup(&s, sig, &err) < 0)
      ret = hr_cli_fail(&err);
  } else {
    _cleanup_close_ int pidfd = -1;
    if (hr_state_status(g->root, &s) == HR_STATUS_STOPPED ||
        hr_state_pidfd(&s, &pidfd, &err) < 0) {
      hr_error_free(&err);
      hr_log_error("container not running");
      ret = 1;
    } else if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0) {
      hr_error_set(&err, errno, "kill %s", id);
      ret = hr_cli_fail(&err);
    }
  }
  hr_state_free(&s);
  return ret;
}

int hr_cmd_delete(struct hr_globals *g, int argc, char **argv) {
  static const struct option opts[] = {{"force", no_argument, NULL, 'f'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  bool force = false;
  int c;
  optind = 0;
  while ((c = hr_cli_getopt("delete", argc, argv, opts)) != -1) {
    if (c == 'f')
      force = true;
    else if (c == 'h') {
      hr_cli_print_help("delete");
      return 0;
    } else
      return 1;
  }
  const char *id;
  if (hr_cli_take_id("delete", argc, argv, &id))
    return 1;
  _cleanup_error_ hr_error_t err = NULL;
  struct hr_state s;
  if (hr_state_load(g->root, id, &s, &err) < 0) {
    if (force && hr_error_errno(err) == ENOENT)
      return 0;
    return hr_cli_fail(&err);
  }
  enum hr_status st = hr_state_status(g->root, &s);
  int ret = 0;
  if (!force && st != HR_STATUS_STOPPED && st != HR_STATUS_CREATED) {
    hr_log_error("cannot delete container %s that is not stopped: %s", id,
                 hr_status_name(st));
    ret = 1;
  } else if (hr_container_destroy(g, &s, &err) < 0) {
    ret = hr_cli_fail(&err);
  }
  hr_state_free(&s);
  return ret;
}
