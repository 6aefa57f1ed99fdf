/* process.user and process.capabilities, applied in the container's init
 * in the order runc uses (bounding set first, while we still hold
 * CAP_SETPCAP; ambient last, after the uid change that clears it). */
#include "hrun/process_setup.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"

/* /proc/self/setgroups is "deny" in a user namespace whose gid map was
 * written without CAP_SETGID in the parent (rootless). A missing file
 * (no /proc, old kernel) means setgroups is allowed. */
static bool setgroups_denied(void) {
  _cleanup_close_ int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char buf[16] = {0};
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  return n >= 4 && strncmp(buf, "deny", 4) == 0;
}

static int apply_groups(const struct hr_user *u, hr_error_t *err) {
  if (setgroups_denied()) {
    if (u->n_additional_gids > 0)
      return hr_error_set(err, 0,
                          "process.user.additionalGids: cannot set "
                          "additional groups: setgroups is denied in this "
                          "user namespace");
    return 0;
  }
  _cleanup_free_ gid_t *gids = NULL;
  if (u->n_additional_gids > 0) {
    gids = calloc(u->n_additional_gids, sizeof(*gids));
    if (!gids)
      return hr_error_set(err, errno, "setgroups");
    for (size_t i = 0; i < u->n_additional_gids; i++)
      gids[i] = (gid_t)u->additional_gids[i];
  }
  /* Also with no additional gids: drops the groups inherited from the
   * runtime's caller. */
  if (setgroups(u->n_additional_gids, gids) < 0)
    return hr_error_set(err, errno, "setgroups");
  return 0;
}

static int switch_user(const struct hr_user *u, hr_error_t *err) {
  if (setresgid(u->gid, u->gid, u->gid) < 0)
    return hr_error_set(err, errno, "setresgid %u", (unsigned)u->gid);
  if (setresuid(u->uid, u->uid, u->uid) < 0)
    return hr_error_set(err, errno, "setresuid %u", (unsigned)u->uid);
  return 0;
}

int hr_identity_apply(const struct hr_process *p, hr_error_t *err) {
  const struct hr_user *u = &p->user;
  /* No capabilities in the config means none at all, as with runc: root
   * in the container must not keep the runtime's full set. */
  static const struct hr_caps none;
  const struct hr_caps *caps = p->has_caps ? &p->caps : &none;

  if (hr_caps_drop_bounding(caps->bounding, err) < 0)
    return -1;
  if (apply_groups(u, err) < 0)
    return -1;
  /* Keep permitted across the uid change so capset can pick from it. */
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return hr_error_set(err, errno, "prctl PR_SET_KEEPCAPS");
  if (switch_user(u, err) < 0 || hr_caps_set(caps, err) < 0) {
    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    return -1;
  }
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return hr_error_set(err, errno, "prctl PR_SET_KEEPCAPS");

  if (u->umask.set)
    umask((mode_t)(u->umask.v & 07777));
  return 0;
}
