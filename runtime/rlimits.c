/* process.rlimits and process.oomScoreAdj. */
#include "hrun/process_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/procfs.h"

static const char *const rlimit_names[] = {
    [RLIMIT_CPU] = "RLIMIT_CPU",
    [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
    [RLIMIT_DATA] = "RLIMIT_DATA",
    [RLIMIT_STACK] = "RLIMIT_STACK",
    [RLIMIT_CORE] = "RLIMIT_CORE",
    [RLIMIT_RSS] = "RLIMIT_RSS",
    [RLIMIT_NPROC] = "RLIMIT_NPROC",
    [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
    [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",
    [RLIMIT_AS] = "RLIMIT_AS",
    [RLIMIT_LOCKS] = "RLIMIT_LOCKS",
    [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
    [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE",
    [RLIMIT_NICE] = "RLIMIT_NICE",
    [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",
    [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

const char *hr_rlimit_name(int resource) {
  if (resource < 0 ||
      (size_t)resource >= sizeof(rlimit_names) / sizeof(rlimit_names[0]))
    return NULL;
  return rlimit_names[resource];
}

int hr_rlimits_apply(const struct hr_rlimit *r, size_t n, hr_error_t *err) {
  for (size_t i = 0; i < n; i++) {
    /* rlim_t is 64-bit; RLIM_INFINITY is UINT64_MAX as in the OCI spec. */
    struct rlimit lim = {.rlim_cur = (rlim_t)r[i].soft,
                         .rlim_max = (rlim_t)r[i].hard};
    if (prlimit(0, (__rlimit_resource_t)r[i].resource, &lim, NULL) < 0) {
      const char *name = hr_rlimit_name(r[i].resource);
      if (name)
        return hr_error_set(err, errno, "setrlimit %s", name);
      return hr_error_set(err, errno, "setrlimit resource %d", r[i].resource);
    }
  }
  return 0;
}

int hr_oom_score_adj_write(pid_t pid, int value, hr_error_t *err) {
  char path[64], buf[16];
  if (pid == 0)
    snprintf(path, sizeof(path), "self/oom_score_adj");
  else
    snprintf(path, sizeof(path), "%d/oom_score_adj", (int)pid);
  _cleanup_close_ int fd = hr_procfs_open(path, O_WRONLY, err);
  if (fd < 0)
    return -1;
  int len = snprintf(buf, sizeof(buf), "%d", value);
  ssize_t w = write(fd, buf, (size_t)len);
  if (w != len)
    return hr_error_set(err, w < 0 ? errno : EIO, "write /proc/%s", path);
  return 0;
}
