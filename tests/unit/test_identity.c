/* hr_identity_apply, checked through /proc/self/status of a forked child
 * (the test process itself never changes uid or capabilities). */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/process_setup.h"
#include "unit.h"

#define BIT(c) (1ULL << (c))

/* The status lines the tests compare, tabs and trailing blanks removed. */
static void report_status(int fd) {
  _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
  char line[512];
  static const char *want[] = {"Uid:",    "Gid:",    "Groups:", "CapInh:",
                               "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"};
  while (f && fgets(line, sizeof(line), f)) {
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
      if (strncmp(line, want[i], strlen(want[i])) != 0)
        continue;
      for (char *c = line; *c; c++)
        if (*c == '\t')
          *c = ' ';
      size_t n = strlen(line);
      while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
        line[--n] = 0;
      dprintf(fd, "%s\n", line);
    }
  }
}

static void apply_and_report(int fd, void *arg) {
  const struct hr_process *p = arg;
  hr_error_t err = NULL;
  umask(022); /* whatever the runner's is; the config may change it */
  if (hr_identity_apply(p, &err) < 0) {
    dprintf(fd, "error: %s", hr_error_msg(err));
    return;
  }
  report_status(fd);
  dprintf(fd, "umask %04o\n", umask(0));
}

static bool privileged(void) {
  if (geteuid() == 0)
    return true;
  fprintf(stderr, "  skipped: needs root\n");
  return false;
}

TEST(identity_user_groups_and_caps) {
  if (!privileged())
    return;
  uint32_t gids[] = {5, 6};
  struct hr_process p = {0};
  p.user.uid = 1000;
  p.user.gid = 1000;
  p.user.additional_gids = gids;
  p.user.n_additional_gids = 2;
  p.user.umask.set = true;
  p.user.umask.v = 027;
  p.has_caps = true;
  p.caps.bounding = BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE);
  p.caps.effective = p.caps.permitted = BIT(CAP_NET_BIND_SERVICE);
  _cleanup_free_ char *out = unit_in_child(apply_and_report, &p);
  CHECK_STR(out, "Uid: 1000 1000 1000 1000\n"
                 "Gid: 1000 1000 1000 1000\n"
                 "Groups: 5 6\n"
                 "CapInh: 0000000000000000\n"
                 "CapPrm: 0000000000000400\n"
                 "CapEff: 0000000000000400\n"
                 "CapBnd: 0000000000000401\n"
                 "CapAmb: 0000000000000000\n"
                 "umask 0027\n");
}

TEST(identity_never_sets_inheritable_or_ambient) {
  if (!privileged())
    return;
  struct hr_process p = {0};
  p.user.uid = 1000;
  p.user.gid = 1000;
  p.has_caps = true;
  p.caps.bounding =
      BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_NET_RAW);
  p.caps.permitted = p.caps.effective =
      BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_NET_RAW);
  /* asked for, and not applied (CVE-2022-29162); ambient needs them */
  p.caps.inheritable = BIT(CAP_NET_BIND_SERVICE);
  p.caps.ambient = BIT(CAP_NET_BIND_SERVICE);
  _cleanup_free_ char *out = unit_in_child(apply_and_report, &p);
  CHECK_STR(out, "Uid: 1000 1000 1000 1000\n"
                 "Gid: 1000 1000 1000 1000\n"
                 "Groups:\n"
                 "CapInh: 0000000000000000\n"
                 "CapPrm: 0000000000002400\n"
                 "CapEff: 0000000000002400\n"
                 "CapBnd: 0000000000002401\n"
                 "CapAmb: 0000000000000000\n"
                 "umask 0022\n");
}

static void preset_inheritable_then_apply(int fd, void *arg) {
  /* The runtime itself had inheritable caps (and an ambient one). */
  cap_t c = cap_get_proc();
  cap_value_t v[] = {CAP_CHOWN, CAP_NET_RAW};
  umask(022);
  if (!c || cap_set_flag(c, CAP_INHERITABLE, 2, v, CAP_SET) < 0 ||
      cap_set_proc(c) < 0 || cap_set_ambient(CAP_NET_RAW, CAP_SET) < 0) {
    dprintf(fd, "setup failed: %s", strerror(errno));
    return;
  }
  cap_free(c);
  apply_and_report(fd, arg);
}

TEST(identity_inheritable_cleared_when_not_configured) {
  if (!privileged())
    return;
  struct hr_process p = {0};
  p.has_caps = true; /* uid 0 */
  p.caps.bounding = p.caps.permitted = p.caps.effective =
      BIT(CAP_CHOWN) | BIT(CAP_NET_RAW);
  _cleanup_free_ char *out = unit_in_child(preset_inheritable_then_apply, &p);
  CHECK_STR(out, "Uid: 0 0 0 0\n"
                 "Gid: 0 0 0 0\n"
                 "Groups:\n"
                 "CapInh: 0000000000000000\n"
                 "CapPrm: 0000000000002001\n"
                 "CapEff: 0000000000002001\n"
                 "CapBnd: 0000000000002001\n"
                 "CapAmb: 0000000000000000\n"
                 "umask 0022\n");
}

/* runc drops every capability when the config lists none; root in the
 * container must not keep the runtime's full set */
TEST(identity_without_caps_drops_all) {
  if (!privileged())
    return;
  struct hr_process p = {0}; /* uid 0, no capabilities */
  _cleanup_free_ char *out = unit_in_child(apply_and_report, &p);
  CHECK_CONTAINS(out, "Uid: 0 0 0 0\n");
  CHECK_CONTAINS(out, "CapPrm: 0000000000000000\n"
                      "CapEff: 0000000000000000\n"
                      "CapBnd: 0000000000000000\n");
}

TEST(identity_effective_not_in_permitted_is_an_error) {
  if (!privileged())
    return;
  struct hr_process p = {0};
  p.has_caps = true;
  p.caps.bounding = BIT(CAP_CHOWN) | BIT(CAP_NET_RAW);
  p.caps.permitted = BIT(CAP_CHOWN);
  p.caps.effective = BIT(CAP_CHOWN) | BIT(CAP_NET_RAW);
  _cleanup_free_ char *out = unit_in_child(apply_and_report, &p);
  CHECK_STR(out, "error: capabilities: apply (effective CAP_NET_RAW is not "
                 "in permitted): Operation not permitted");
}

/* A user namespace whose gid map was written with setgroups denied, as
 * rootless runtimes make them. */
static void in_userns_deny_setgroups(int fd, void *arg) {
  if (unshare(CLONE_NEWUSER) < 0) {
    dprintf(fd, "skip: unshare: %s", strerror(errno));
    return;
  }
  if (unit_write_file("/proc/self/setgroups", "deny") < 0 ||
      unit_write_file("/proc/self/uid_map", "0 0 1\n") < 0 ||
      unit_write_file("/proc/self/gid_map", "0 0 1\n") < 0) {
    dprintf(fd, "skip: maps: %s", strerror(errno));
    return;
  }
  apply_and_report(fd, arg);
}

TEST(identity_setgroups_denied) {
  if (!privileged())
    return;
  struct hr_process p = {0};
  _cleanup_free_ char *ok = unit_in_child(in_userns_deny_setgroups, &p);
  if (strncmp(ok, "skip:", 5) == 0) {
    fprintf(stderr, "  skipped: %s\n", ok);
    return;
  }
  CHECK_CONTAINS(ok, "Uid: 0 0 0 0\n");

  uint32_t gids[] = {0};
  p.user.additional_gids = gids;
  p.user.n_additional_gids = 1;
  _cleanup_free_ char *bad = unit_in_child(in_userns_deny_setgroups, &p);
  CHECK_STR(bad, "error: process.user.additionalGids: cannot set additional "
                 "groups: setgroups is denied in this user namespace");
}

TEST(caps_names_and_last_cap) {
  CHECK_STR(hr_cap_name(CAP_CHOWN), "CAP_CHOWN");
  CHECK_STR(hr_cap_name(CAP_NET_BIND_SERVICE), "CAP_NET_BIND_SERVICE");
  CHECK(hr_cap_name(-1) == NULL);
  CHECK(hr_cap_name(64) == NULL);
  _cleanup_free_ char *s = unit_read_file("/proc/sys/kernel/cap_last_cap");
  if (s)
    CHECK_INT(hr_caps_last_cap(), atoi(s));
  CHECK(hr_caps_last_cap() >= CAP_AUDIT_READ);
}

static void nnp_child(int fd, void *arg) {
  hr_error_t err = NULL;
  if (hr_no_new_privs(&err) < 0)
    dprintf(fd, "error: %s", hr_error_msg(err));
  else
    dprintf(fd, "%d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
}

TEST(no_new_privs) {
  _cleanup_free_ char *out = unit_in_child(nnp_child, NULL);
  CHECK_STR(out, "1");
}
