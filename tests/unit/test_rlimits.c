/* hr_rlimits_apply and hr_oom_score_adj_write, in forked children. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/process_setup.h"
#include "unit.h"

static void apply_nofile(int fd, void *arg) {
  const struct hr_rlimit *r = arg;
  hr_error_t err = NULL;
  if (hr_rlimits_apply(r, 1, &err) < 0) {
    dprintf(fd, "error: %s", hr_error_msg(err));
    return;
  }
  struct rlimit got;
  getrlimit(RLIMIT_NOFILE, &got);
  dprintf(fd, "%llu %llu", (unsigned long long)got.rlim_cur,
          (unsigned long long)got.rlim_max);
}

TEST(rlimits_nofile_applied) {
  struct hr_rlimit r = {.resource = RLIMIT_NOFILE, .soft = 100, .hard = 200};
  _cleanup_free_ char *out = unit_in_child(apply_nofile, &r);
  CHECK_STR(out, "100 200");
}

TEST(rlimits_soft_above_hard_names_the_limit) {
  struct hr_rlimit r = {.resource = RLIMIT_NOFILE, .soft = 300, .hard = 200};
  _cleanup_free_ char *out = unit_in_child(apply_nofile, &r);
  CHECK_STR(out, "error: setrlimit RLIMIT_NOFILE: Invalid argument");
}

/* Raising a hard limit needs CAP_SYS_RESOURCE: lower it, drop the cap,
 * then ask for more. */
static void raise_without_cap(int fd, void *arg) {
  struct rlimit low = {64, 64};
  cap_t c = cap_get_proc();
  cap_value_t v = CAP_SYS_RESOURCE;
  if (setrlimit(RLIMIT_NOFILE, &low) < 0 || !c ||
      cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) < 0 ||
      cap_set_proc(c) < 0) {
    dprintf(fd, "setup: %s", strerror(errno));
    return;
  }
  cap_free(c);
  struct hr_rlimit r[] = {
      {.resource = RLIMIT_CORE, .soft = 0, .hard = 0},
      {.resource = RLIMIT_NOFILE, .soft = 64, .hard = 128},
  };
  hr_error_t err = NULL;
  if (hr_rlimits_apply(r, 2, &err) < 0)
    dprintf(fd, "error: %s", hr_error_msg(err));
}

TEST(rlimits_raise_hard_without_privilege) {
  _cleanup_free_ char *out = unit_in_child(raise_without_cap, NULL);
  CHECK_STR(out, "error: setrlimit RLIMIT_NOFILE: Operation not permitted");
}

TEST(rlimit_names) {
  CHECK_STR(hr_rlimit_name(RLIMIT_NOFILE), "RLIMIT_NOFILE");
  CHECK_STR(hr_rlimit_name(RLIMIT_RTTIME), "RLIMIT_RTTIME");
  CHECK(hr_rlimit_name(-1) == NULL);
  CHECK(hr_rlimit_name(99) == NULL);
}

static void oom_child(int fd, void *arg) {
  hr_error_t err = NULL;
  if (hr_oom_score_adj_write(0, *(int *)arg, &err) < 0) {
    dprintf(fd, "error: %s", hr_error_msg(err));
    return;
  }
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)getpid());
  char *s = unit_read_file(path);
  dprintf(fd, "%s", s ? s : "?");
  free(s);
}

TEST(oom_score_adj) {
  int v = 500; /* raising needs no privilege */
  _cleanup_free_ char *out = unit_in_child(oom_child, &v);
  CHECK_STR(out, "500\n");
  v = 5000;
  _cleanup_free_ char *bad = unit_in_child(oom_child, &v);
  CHECK_STR(bad, "error: write /proc/self/oom_score_adj: Invalid argument");
}
