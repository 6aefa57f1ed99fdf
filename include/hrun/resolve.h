/* Path resolution confined to a root directory (RESOLVE_IN_ROOT semantics):
 * the root fd acts as "/" — absolute symlinks restart at it, ".." at it stays
 * at it — so no path, symlink or race can lead outside. Used to find mount
 * destinations and device nodes inside a container rootfs before pivot_root.
 *
 * hr_resolve_open uses openat2(RESOLVE_IN_ROOT) and falls back to an fd-based
 * component walk (hr_resolve_walk) when the kernel lacks openat2. Missing
 * components are created with mkdirat/openat relative to the already-resolved
 * parent fd, never by string path. */
#ifndef HRUN_RESOLVE_H
#define HRUN_RESOLVE_H

#include <stdbool.h>

#include "hrun/error.h"

enum {
  /* Create missing components as directories (mode 0755), the last one
   * included: `mkdir -p` inside the root. */
  HR_RESOLVE_MKDIR = 1 << 0,
  /* Create missing parents as directories and a missing last component as
   * an empty regular file (mode 0644): a bind-mount target for a file. */
  HR_RESOLVE_MKFILE = 1 << 1,
  /* Do not follow a symlink in the last component: return an O_PATH fd of
   * the link itself (oflags must then include O_PATH). */
  HR_RESOLVE_NOFOLLOW = 1 << 2,
};

/* Open PATH (absolute or relative, both taken from the root) inside ROOTFD
 * with OFLAGS (O_CLOEXEC is always added; O_PATH is the usual choice) and
 * return the fd, or -1 with *err set ("resolve "/a/b": ..."), errno kept in
 * the error. Magic links (/proc/self/...) inside the root are never
 * followed. */
int hr_resolve_open(int rootfd, const char *path, int oflags, int rflags,
                    hr_error_t *err);

/* The fallback: the same contract as hr_resolve_open, implemented as a walk
 * over O_PATH fds with lexical ".." handling (a stack of directory fds) and
 * at most 40 symlinks. Exposed so tests can exercise it directly. */
int hr_resolve_walk(int rootfd, const char *path, int oflags, int rflags,
                    hr_error_t *err);

/* Whether hr_resolve_open tries openat2 (default true; set false by tests to
 * run everything through the walk). Disabled automatically on ENOSYS. */
void hr_resolve_use_openat2(bool enabled);

#endif
