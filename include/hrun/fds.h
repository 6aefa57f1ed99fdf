/* File descriptors and the working directory just before execve. */
#ifndef HRUN_FDS_H
#define HRUN_FDS_H

#include <stdbool.h>
#include <stddef.h>

#include "hrun/error.h"

/* Mark every fd >= first close-on-exec, except those listed in keep (whose
 * flags are left as they are). Uses close_range(CLOSE_RANGE_CLOEXEC) and
 * falls back to walking /proc/self/fd on kernels without it. Nothing is
 * closed, so the caller's own fds stay usable until execve.
 * For --preserve-fds=N: first = 3 + N, keep = NULL. */
int hr_fds_close_from(int first, const int *keep, size_t n_keep,
                      hr_error_t *err);

/* After chdir(process.cwd) inside the container: fail when the cwd is not
 * reachable from "/" -- the kernel then reports it as "(unreachable)...",
 * which is how a leaked host directory fd shows (CVE-2024-21626). Error:
 * process.cwd: "(unreachable)/..." is outside the container root */
int hr_cwd_check_inside_root(hr_error_t *err);

/* Exposed for tests: the /proc/self/fd walk used when close_range is
 * missing. */
int hr_fds_cloexec_from_procfs(int first, const int *keep, size_t n_keep,
                               hr_error_t *err);

#endif
