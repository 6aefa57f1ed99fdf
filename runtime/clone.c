#include "hrun/clone.h"

#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hrun/test_hooks.h"

#ifndef CLONE_INTO_CGROUP /* Linux 5.7; older headers lack it */
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static pid_t clone3(struct clone_args *args) {
  return (pid_t)syscall(SYS_clone3, args, sizeof(*args));
}

pid_t hr_clone(uint64_t flags, int cgroup_fd, int *pidfd, bool *in_cgroup) {
  struct clone_args args = {0};
  args.flags = flags | CLONE_PIDFD;
  args.pidfd = (uint64_t)(uintptr_t)pidfd;
  args.exit_signal = SIGCHLD;
  *in_cgroup = false;
  if (cgroup_fd < 0)
    return clone3(&args);
  args.flags |= CLONE_INTO_CGROUP;
  args.cgroup = (uint64_t)cgroup_fd;
  pid_t pid;
  if (HR_TEST_LACKS("clone-into-cgroup")) {
    pid = -1;
    errno = EINVAL;
  } else
    pid = clone3(&args);
  if (pid >= 0 || (errno != EINVAL && errno != E2BIG && errno != ENOSYS)) {
    *in_cgroup = pid >= 0;
    return pid;
  }
  args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
  args.cgroup = 0;
  return clone3(&args);
}
