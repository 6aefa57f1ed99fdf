#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "hrun/cleanup.h"
#include "hrun/lsm.h"
#include "unit.h"

static char *fake_sys(bool apparmor, bool selinux) {
  char *dir = unit_tmpdir();
  char path[4096];
  snprintf(path, sizeof(path), "%s/module", dir);
  mkdir(path, 0755);
  snprintf(path, sizeof(path), "%s/module/apparmor", dir);
  mkdir(path, 0755);
  snprintf(path, sizeof(path), "%s/module/apparmor/parameters", dir);
  mkdir(path, 0755);
  snprintf(path, sizeof(path), "%s/module/apparmor/parameters/enabled", dir);
  unit_write_file(path, apparmor ? "Y\n" : "N\n");
  if (selinux) {
    snprintf(path, sizeof(path), "%s/fs", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/fs/selinux", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/fs/selinux/enforce", dir);
    unit_write_file(path, "1\n");
  }
  return dir;
}

TEST(lsm_requested_but_disabled_is_an_error) {
  _cleanup_free_ char *sys = fake_sys(false, false);
  struct hr_process p = {0};
  p.apparmor_profile = "docker-default";
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_lsm_check_process(&p, sys, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "process.apparmorProfile");
  CHECK_CONTAINS(hr_error_msg(err), "not enabled");
  hr_error_free(&err);
  p.apparmor_profile = NULL;
  p.selinux_label = "system_u:system_r:container_t:s0";
  CHECK_INT(hr_lsm_check_process(&p, sys, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "process.selinuxLabel");
}

TEST(lsm_enabled_or_not_requested_passes) {
  _cleanup_free_ char *sys = fake_sys(true, true);
  struct hr_process p = {0};
  hr_error_t err = NULL;
  CHECK_INT(hr_lsm_check_process(&p, sys, &err), 0);
  p.apparmor_profile = "docker-default";
  p.selinux_label = "system_u:system_r:container_t:s0";
  CHECK_INT(hr_lsm_check_process(&p, sys, &err), 0);
  CHECK(err == NULL);
}
