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
 * during-mounts (in the container init), after-pidfile. */
#ifndef HRUN_TEST_HOOKS_H
#define HRUN_TEST_HOOKS_H

#ifdef HRUN_TEST_HOOKS
#include <signal.h>
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
#else
#define HR_TEST_PHASE(phase) ((void)0)
#endif

#endif
