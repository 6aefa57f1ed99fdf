#include "hrun/lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/procfs.h"

static bool apparmor_enabled(const char *sys) {
  char path[PATH_MAX], c = 0;
  snprintf(path, sizeof(path), "%s/module/apparmor/parameters/enabled", sys);
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  return fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y';
}

static bool selinux_enabled(const char *sys) {
  char path[PATH_MAX];
  snprintf(path, sizeof(path), "%s/fs/selinux/enforce", sys);
  return access(path, F_OK) == 0;
}

int hr_lsm_check_process(const struct hr_process *p, const char *sys,
                         hr_error_t *err) {
  if (p->apparmor_profile && *p->apparmor_profile && !apparmor_enabled(sys))
    return hr_error_set(err, 0,
                        "process.apparmorProfile: \"%s\" requested but "
                        "AppArmor is not enabled on this host",
                        p->apparmor_profile);
  if (p->selinux_label && *p->selinux_label && !selinux_enabled(sys))
    return hr_error_set(err, 0,
                        "process.selinuxLabel: requested but SELinux is not "
                        "enabled on this host");
  return 0;
}

int hr_lsm_check(const struct hr_config *c, const char *sys, hr_error_t *err) {
  if (c->linux.mount_label && *c->linux.mount_label)
    return hr_error_set(err, 0,
                        "linux.mountLabel: SELinux mount labels are not "
                        "supported by hrun");
  return c->has_process ? hr_lsm_check_process(&c->process, sys, err) : 0;
}

static int write_attr(const char *const *paths, const char *value,
                      const char *what, hr_error_t *err) {
  size_t len = strlen(value);
  for (; *paths; paths++) {
    hr_error_t e = NULL;
    _cleanup_close_ int fd = hr_procfs_open(*paths, O_WRONLY, &e);
    if (fd < 0 && hr_error_errno(e) == ENOENT) {
      hr_error_free(&e);
      continue;
    }
    if (fd < 0) {
      *err = e;
      return hr_error_wrap(err, "%s", what);
    }
    if (write(fd, value, len) != (ssize_t)len)
      return hr_error_set(err, errno, "%s: set \"%s\"", what, value);
    return 0;
  }
  return hr_error_set(err, ENOENT, "%s: no exec attribute in /proc/self/attr",
                      what);
}

int hr_lsm_apply_exec(const struct hr_process *p, hr_error_t *err) {
  if (p->apparmor_profile && *p->apparmor_profile) {
    static const char *const aa[] = {"self/attr/apparmor/exec",
                                     "self/attr/exec", NULL};
    char value[4096];
    snprintf(value, sizeof(value), "exec %s", p->apparmor_profile);
    if (write_attr(aa, value, "process.apparmorProfile", err) < 0)
      return -1;
  }
  if (p->selinux_label && *p->selinux_label) {
    static const char *const se[] = {"self/attr/exec", NULL};
    if (write_attr(se, p->selinux_label, "process.selinuxLabel", err) < 0)
      return -1;
  }
  return 0;
}
