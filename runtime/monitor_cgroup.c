/* Finding a container's cgroup directory for the monitor and the stats
 * commands. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/monitor.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC)

/* "0::/path" of /proc/PID/cgroup; malloc'd, without the leading '/'. */
static char *proc_cgroup(pid_t pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
  _cleanup_fclose_ FILE *f = fopen(path, "re");
  if (!f)
    return NULL;
  char *line = NULL;
  size_t cap = 0;
  char *out = NULL;
  while (getline(&line, &cap, f) > 0) {
    if (strncmp(line, "0::/", 4) != 0)
      continue;
    line[strcspn(line, "\n")] = '\0';
    out = strdup(line + 4);
    break;
  }
  free(line);
  return out;
}

int hr_monitor_open_cgroup(const struct hr_state *s, const char *cgroup_root,
                           int *fd, hr_error_t *err) {
  *fd = -1;
  char path[PATH_MAX];
  if (s->cgroup_mount && s->cgroup_path) {
    snprintf(path, sizeof(path), "%s/%s", s->cgroup_mount, s->cgroup_path);
  } else {
    /* a container hrun made no cgroup for, or one of another manager:
     * wherever its init is now */
    _cleanup_free_ char *rel = s->pid > 0 ? proc_cgroup(s->pid) : NULL;
    if (!rel)
      return hr_error_set(err, ENOENT, "container \"%s\" has no cgroup",
                          s->id ? s->id : "");
    const char *mnt = cgroup_root ? cgroup_root : "/sys/fs/cgroup";
    char probe[PATH_MAX];
    snprintf(probe, sizeof(probe), "%s/cgroup.controllers", mnt);
    /* hybrid layout: the v2 hierarchy is mounted at unified/ */
    bool hybrid = access(probe, F_OK) < 0;
    snprintf(path, sizeof(path), "%s%s/%s", mnt, hybrid ? "/unified" : "", rel);
  }
  int d = open(path, DIR_FLAGS);
  if (d < 0)
    return hr_error_set(err, errno, "cgroup: open %s", path);
  *fd = d;
  return 0;
}
