/* ps, pause and resume: operations on the container's cgroup. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/log.h"

/* Loads the state and opens the cgroup of a container that has one. */
static int open_container(struct hr_globals *g, const char *id,
                          struct hr_state *s, struct hr_cgroup *cg,
                          hr_error_t *err) {
  if (hr_state_load(g->root, id, s, err) < 0)
    return -1;
  if (!s->cgroup_path) {
    hr_state_free(s);
    return hr_error_set(err, 0, "container %s has no cgroup", id);
  }
  if (hr_cgroup_open(s->cgroup_mount, HR_CGROUP_UNIFIED, s->cgroup_path, cg,
                     err) < 0) {
    hr_state_free(s);
    return -1;
  }
  return 0;
}

static void print_cmdline(pid_t pid) {
  char path[64], buf[4096];
  snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
  if (n <= 0) {
    putchar('\n');
    return;
  }
  for (ssize_t i = 0; i < n - 1; i++)
    if (!buf[i])
      buf[i] = ' ';
  buf[n] = 0;
  printf("%s\n", buf);
}

int hr_cmd_ps(struct hr_globals *g, int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *format = "table";
  int c;
  optind = 0;
  while ((c = hr_cli_getopt("ps", argc, argv, opts)) != -1) {
    if (c == 'f')
      format = optarg;
    else if (c == 'h') {
      hr_cli_print_help("ps");
      return 0;
    } else
      return 1;
  }
  if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
    return hr_cli_usage_error("ps", "--format: unknown format \"%s\"", format);
  const char *id;
  if (hr_cli_take_id("ps", argc, argv, &id))
    return 1;
  _cleanup_error_ hr_error_t err = NULL;
  struct hr_state s;
  struct hr_cgroup cg = {.dirfd = -1};
  if (open_container(g, id, &s, &cg, &err) < 0)
    return hr_cli_fail(&err);
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  int r = hr_cgroup_pids(&cg, &pids, &n, &err);
  hr_cgroup_close(&cg);
  hr_state_free(&s);
  if (r < 0)
    return hr_cli_fail(&err);
  if (!strcmp(format, "json")) {
    putchar('[');
    for (size_t i = 0; i < n; i++)
      printf("%s%d", i ? "," : "", pids[i]);
    puts("]");
    return 0;
  }
  printf("%-8s %s\n", "PID", "CMD");
  for (size_t i = 0; i < n; i++) {
    printf("%-8d ", pids[i]);
    print_cmdline(pids[i]);
  }
  return 0;
}

static int freeze_cmd(struct hr_globals *g, const char *cmd, int argc,
                      char **argv, bool freeze) {
  const char *id;
  if (hr_cli_id_only(cmd, argc, argv, &id))
    return 1;
  if (!id)
    return 0;
  _cleanup_error_ hr_error_t err = NULL;
  struct hr_state s;
  struct hr_cgroup cg = {.dirfd = -1};
  if (open_container(g, id, &s, &cg, &err) < 0)
    return hr_cli_fail(&err);
  enum hr_status st = hr_state_status(g->root, &s);
  int ret = 0;
  if (freeze && st != HR_STATUS_RUNNING && st != HR_STATUS_CREATED) {
    hr_log_error("container not running");
    ret = 1;
  } else if (!freeze && st != HR_STATUS_PAUSED) {
    hr_log_error("container not paused");
    ret = 1;
  } else if (hr_cgroup_freeze(&cg, freeze, &err) < 0) {
    ret = hr_cli_fail(&err);
  }
  hr_cgroup_close(&cg);
  hr_state_free(&s);
  return ret;
}

int hr_cmd_pause(struct hr_globals *g, int argc, char **argv) {
  return freeze_cmd(g, "pause", argc, argv, true);
}

int hr_cmd_resume(struct hr_globals *g, int argc, char **argv) {
  return freeze_cmd(g, "resume", argc, argv, false);
}
