/* Opening files in /proc for the writes the kernel acts on: sysctls, LSM
 * exec attributes, oom_score_adj. */
#ifndef HRUN_PROCFS_H
#define HRUN_PROCFS_H

#include "hrun/error.h"

/* Open /proc/REL (REL relative, e.g. "self/attr/exec") with FLAGS. /proc
 * must be procfs; the path must stay beneath it, cross no mount point and
 * follow no magic link; the file opened must be on procfs. So a mount
 * placed over the path, by the config or raced in through a shared volume
 * (CVE-2025-52881), cannot redirect the write elsewhere: the open fails
 * and says so. Returns the fd, or -1 with *err set ("open /proc/REL: ...",
 * errno kept). */
int hr_procfs_open(const char *rel, int flags, hr_error_t *err);

#endif
