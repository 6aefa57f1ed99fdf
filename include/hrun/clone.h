/* clone3 for the container init and exec'd processes. */
#ifndef HRUN_CLONE_H
#define HRUN_CLONE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* clone3 with CLONE_PIDFD (the pidfd in *pidfd) and SIGCHLD, plus `flags`
 * (namespaces). With cgroup_fd >= 0 the child starts in that cgroup
 * (CLONE_INTO_CGROUP), so it never runs a moment outside its limits; on
 * kernels before 5.7, which lack it, the child is cloned where the caller
 * is and *in_cgroup is false: the caller must move it before it runs
 * anything of the container's. Returns like fork. */
pid_t hr_clone(uint64_t flags, int cgroup_fd, int *pidfd, bool *in_cgroup);

#endif
