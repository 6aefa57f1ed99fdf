/* Deterministic fault injection for tests (integration/tests/62-faults.sh).
 *
 * Only a build with -DHRUN_TEST_HOOKS has the hooks (the test build,
 * `make test-build` -> build/test/hrun); in every other build
 * HR_TEST_PHASE() compiles to nothing, so a production binary never reads
 * the variable.
 *
 * HRUN_TEST_PHASE_STOP=<phase> makes the process that reaches <phase> rename
 * itself "hrun-phase-stop" (so a test can find it in /proc/PID/comm) and stop
 * there until it is killed: raise(SIGSTOP), and where that is ignored (the
 * init of a new pid namespace ignores its own SIGSTOP) pause() forever.
 * Phases of `create`: after-statedir, after-cgroup, after-clone,
 * during-mounts (in the container init), after-pidfile.
 *
 * HRUN_TEST_PAUSE=<point>:<what>:<dir> makes the process that reaches
 * <point> for <what> write its pid (in its own pid namespace) to
 * <dir>/ready and wait (up to 60 s)
 * until <dir>/go exists: a test can change the world in a window that is
 * otherwise too short to hit. Points: mount-dest-resolved (what: a mount
 * destination; between resolving it inside the rootfs and mounting),
 * procfs-open (what: the path below /proc; before opening it to write),
 * console-bind (what: /dev/console; before the pty is bound onto it).
 *
 * HRUN_TEST_LACKS=<feature> makes hrun act as on a kernel without
 * <feature>, to test its fallback. Features: clone-into-cgroup (Linux
 * before 5.7: the child is moved into its cgroup after clone). */
#ifndef HRUN_TEST_HOOKS_H
#define HRUN_TEST_HOOKS_H

#include <stdbool.h>

#ifdef HRUN_TEST_HOOKS
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define HR_TEST_PHASE_COMM "hrun-phase-stop"

static inline void hr_test_phase(const char *phase) {
  const char *want = getenv("HRUN_TEST_PHASE_STOP");
  if (!want || strcmp(want, phase) != 0)
    return;
  prctl(PR_SET_NAME, HR_TEST_PHASE_COMM, 0, 0, 0);
  raise(SIGSTOP);
  for (;;)
    pause();
}
#define HR_TEST_PHASE(phase) hr_test_phase(phase)

static inline void hr_test_pause(const char *point, const char *what) {
  const char *spec = getenv("HRUN_TEST_PAUSE");
  size_t pl = strlen(point), wl = strlen(what);
  if (!spec || strncmp(spec, point, pl) != 0 || spec[pl] != ':' ||
      strncmp(spec + pl + 1, what, wl) != 0 || spec[pl + 1 + wl] != ':')
    return;
  const char *dir = spec + pl + wl + 2;
  char path[4096];
  snprintf(path, sizeof(path), "%s/ready", dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) {
    dprintf(fd, "%d\n", (int)getpid());
    close(fd);
  }
  snprintf(path, sizeof(path), "%s/go", dir);
  for (int i = 0; i < 6000 && access(path, F_OK) != 0; i++)
    usleep(10000);
}
#define HR_TEST_PAUSE(point, what) hr_test_pause(point, what)

static inline bool hr_test_lacks(const char *feature) {
  const char *v = getenv("HRUN_TEST_LACKS");
  return v && !strcmp(v, feature);
}
#define HR_TEST_LACKS(feature) hr_test_lacks(feature)
#else
#define HR_TEST_PHASE(phase) ((void)0)
#define HR_TEST_PAUSE(point, what) ((void)0)
#define HR_TEST_LACKS(feature) false
#endif

#endif
