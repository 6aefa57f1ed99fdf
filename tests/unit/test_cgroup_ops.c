#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "test_cgroup_fake.h"
#include "unit.h"

#define CHECK_FILE(root, rel, want)                                            \
  do {                                                                         \
    _cleanup_free_ char *_c = fake_read(root, rel);                            \
    CHECK_STR(_c, want);                                                       \
  } while (0)

static long long ms_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void open_cg(const char *root, const char *rel, struct hr_cgroup *cg) {
  _cleanup_error_ hr_error_t err = NULL;
  if (hr_cgroup_open(root, HR_CGROUP_UNIFIED, rel, cg, &err) < 0)
    unit_fail(__FILE__, __LINE__, "open: %s", hr_error_msg(err));
}

TEST(cgroup_enter_writes_pid) {
  char *root = fake_root(FAKE_CONTROLLERS);
  fake_cgroup(root, "c");
  struct hr_cgroup cg;
  open_cg(root, "c", &cg);
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_enter(&cg, 1234, &err), 0);
  CHECK_FILE(root, "c/cgroup.procs", "1234");
  hr_cgroup_close(&cg);
  fake_rm(root);
}

TEST(cgroup_freeze_waits_for_events) {
  char *root = fake_root(FAKE_CONTROLLERS);
  fake_cgroup(root, "c");
  fake_write(root, "c/cgroup.events", "populated 1\nfrozen 1\n");
  struct hr_cgroup cg;
  open_cg(root, "c", &cg);
  cg.timeout_ms = 200;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_freeze(&cg, true, &err), 0);
  CHECK_FILE(root, "c/cgroup.freeze", "1");
  bool frozen = false;
  CHECK_INT(hr_cgroup_is_frozen(&cg, &frozen, &err), 0);
  CHECK(frozen);

  /* Thawing while the kernel still reports frozen: bounded wait. */
  long long t0 = ms_now();
  CHECK_INT(hr_cgroup_freeze(&cg, false, &err), -1);
  CHECK_INT(hr_error_errno(err), ETIMEDOUT);
  CHECK_CONTAINS(hr_error_msg(err),
                 "thaw: cgroup: waiting for \"frozen 0\" in cgroup.events");
  CHECK(ms_now() - t0 < 2000);
  CHECK_FILE(root, "c/cgroup.freeze", "0");
  hr_error_free(&err);

  /* The change arrives while waiting: inotify wakes the wait early. */
  cg.timeout_ms = 5000;
  pid_t child = fork();
  if (child == 0) {
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    fake_write(root, "c/cgroup.events", "populated 1\nfrozen 0\n");
    _exit(0);
  }
  t0 = ms_now();
  CHECK_INT(hr_cgroup_freeze(&cg, false, &err), 0);
  CHECK(ms_now() - t0 < 3000);
  int st;
  waitpid(child, &st, 0);
  CHECK_INT(hr_cgroup_is_frozen(&cg, &frozen, &err), 0);
  CHECK(!frozen);
  hr_cgroup_close(&cg);
  fake_rm(root);
}

TEST(cgroup_freeze_unsupported_and_old_kernels) {
  char *root = fake_root(FAKE_CONTROLLERS);
  fake_dir(root, "c");
  struct hr_cgroup cg;
  open_cg(root, "c", &cg);
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_freeze(&cg, true, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "freezer not supported");
  hr_error_free(&err);
  /* No "frozen" key in cgroup.events: cgroup.freeze is the state. */
  fake_write(root, "c/cgroup.events", "populated 0\n");
  fake_write(root, "c/cgroup.freeze", "1\n");
  bool frozen = false;
  CHECK_INT(hr_cgroup_is_frozen(&cg, &frozen, &err), 0);
  CHECK(frozen);
  hr_cgroup_close(&cg);
  fake_rm(root);
}

static int cmp_pid(const void *a, const void *b) {
  return *(const pid_t *)a - *(const pid_t *)b;
}

TEST(cgroup_pids_recursive) {
  char *root = fake_root(FAKE_CONTROLLERS);
  fake_cgroup(root, "c");
  fake_cgroup(root, "c/sub");
  fake_cgroup(root, "c/sub/deeper");
  fake_dir(root, "c/nofiles");
  /* Fake pids, only listed, never signalled. */
  fake_write(root, "c/cgroup.procs", "11\n12\n");
  fake_write(root, "c/sub/cgroup.procs", "21\n");
  fake_write(root, "c/sub/deeper/cgroup.procs", "31\n32\n");
  struct hr_cgroup cg;
  open_cg(root, "c", &cg);
  _cleanup_error_ hr_error_t err = NULL;
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  CHECK_INT(hr_cgroup_pids(&cg, &pids, &n, &err), 0);
  CHECK_INT(n, 5);
  if (n == 5) {
    qsort(pids, n, sizeof(pid_t), cmp_pid);
    CHECK_INT(pids[0], 11);
    CHECK_INT(pids[2], 21);
    CHECK_INT(pids[4], 32);
  }
  hr_cgroup_close(&cg);
  fake_rm(root);
}

TEST(cgroup_kill_uses_cgroup_kill) {
  char *root = fake_root(FAKE_CONTROLLERS);
  fake_cgroup(root, "c");
  fake_write(root, "c/cgroup.kill", "");
  struct hr_cgroup cg;
  open_cg(root, "c", &cg);
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_kill(&cg, SIGKILL, &err), 0);
  CHECK_FILE(root, "c/cgroup.kill", "1");
  hr_cgroup_close(&cg);
  fake_rm(root);
}

static pid_t sleeper(void) {
  pid_t p = fork();
  if (p == 0) {
    for (;;)
      pause();
  }
  return p;
}

TEST(cgroup_kill_signals_every_pid_without_cgroup_kill) {
  char *root = fake_root(FAKE_CONTROLLERS);
  fake_cgroup(root, "c");
  fake_cgroup(root, "c/sub");
  pid_t a = sleeper(), b = sleeper();
  char buf[32];
  snprintf(buf, sizeof(buf), "%d\n", (int)a);
  fake_write(root, "c/cgroup.procs", buf);
  snprintf(buf, sizeof(buf), "%d\n", (int)b);
  fake_write(root, "c/sub/cgroup.procs", buf);
  struct hr_cgroup cg;
  open_cg(root, "c", &cg);
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_kill(&cg, SIGTERM, &err), 0);
  int st = 0;
  CHECK_INT(waitpid(a, &st, 0), a);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
  CHECK_INT(waitpid(b, &st, 0), b);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
  /* SIGKILL without cgroup.kill: the pid list is signalled too (the
   * listed pid is our unreaped child, so it cannot be reused meanwhile). */
  pid_t c = sleeper();
  snprintf(buf, sizeof(buf), "%d\n", (int)c);
  fake_write(root, "c/cgroup.procs", buf);
  fake_write(root, "c/sub/cgroup.procs", "");
  CHECK_INT(hr_cgroup_kill(&cg, SIGKILL, &err), 0);
  CHECK_INT(waitpid(c, &st, 0), c);
  CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  hr_cgroup_close(&cg);
  fake_rm(root);
}

TEST(cgroup_destroy_removes_tree_depth_first) {
  char *root = fake_root(FAKE_CONTROLLERS);
  /* Directories only: a real cgroupfs lets rmdir remove a cgroup with its
   * interface files, a plain directory tree does not. */
  fake_dir(root, "p/c/sub1/subsub");
  fake_dir(root, "p/c/sub2");
  struct hr_cgroup cg;
  open_cg(root, "p/c", &cg);
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_cgroup_destroy(&cg, &err), 0);
  if (err)
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
  CHECK(!fake_exists(root, "p/c"));
  CHECK(fake_exists(root, "p"));
  /* Already gone: still success. */
  CHECK_INT(hr_cgroup_destroy(&cg, &err), 0);
  hr_cgroup_close(&cg);
  fake_rm(root);
}

TEST(cgroup_destroy_waits_bounded_for_populated) {
  char *root = fake_root(FAKE_CONTROLLERS);
  fake_dir(root, "c");
  fake_write(root, "c/cgroup.events", "populated 1\nfrozen 0\n");
  struct hr_cgroup cg;
  open_cg(root, "c", &cg);
  cg.timeout_ms = 150;
  _cleanup_error_ hr_error_t err = NULL;
  long long t0 = ms_now();
  CHECK_INT(hr_cgroup_destroy(&cg, &err), -1);
  CHECK(ms_now() - t0 < 2000);
  CHECK_CONTAINS(hr_error_msg(err), "waiting for \"populated 0\"");
  CHECK(fake_exists(root, "c"));
  hr_cgroup_close(&cg);
  fake_rm(root);
}
