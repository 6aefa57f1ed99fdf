/* Process attributes applied by the container's init just before execve:
 * capabilities, user and groups, rlimits, no_new_privs, oom_score_adj.
 *
 * Suggested order in the init (after pivot_root, console and mounts):
 *   hr_rlimits_apply      (raising a hard limit needs CAP_SYS_RESOURCE,
 *                          so before the capabilities are dropped)
 *   hr_identity_apply     (bounding set, groups, uid/gid, caps, umask)
 *   chdir(cwd) + hr_cwd_check_inside_root (fds.h)
 *   hr_no_new_privs       (if process.noNewPrivileges)
 *   seccomp, hr_fds_close_from, execve
 * hr_oom_score_adj_write is usually done by the parent on the init's pid. */
#ifndef HRUN_PROCESS_SETUP_H
#define HRUN_PROCESS_SETUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hrun/config.h"
#include "hrun/error.h"

/* Switch the calling process (root in its user namespace, full caps) to
 * p->user and p->caps, in this order:
 *  (a) drop every capability not in caps.bounding from the bounding set,
 *  (b) setgroups(additionalGids) -- skipped when /proc/self/setgroups says
 *      "deny" and no additional gids are asked for; an error if some are,
 *  (c) PR_SET_KEEPCAPS, setresgid(gid), setresuid(uid),
 *  (d) capset(effective, permitted) as configured, inheritable empty
 *      whatever the config lists (CVE-2022-29162),
 *  (e) clear the ambient set: ambient caps come only from inheritable ones,
 *  (f) clear PR_SET_KEEPCAPS; umask(user.umask) if set.
 * Afterwards /proc/self/status CapBnd/CapPrm/CapEff equal the configured
 * sets (restricted to caps the kernel knows) and CapInh/CapAmb are 0.
 * When !p->has_caps every set is empty, as with runc: no capabilities
 * listed means none, also for root. */
int hr_identity_apply(const struct hr_process *p, hr_error_t *err);

/* Warn (once per set, naming PATH, e.g. "process.capabilities") about the
 * inheritable and ambient caps a config lists: hr_caps_set never applies
 * them. For the runtime's side, before the container starts. */
void hr_caps_warn_unapplied(const struct hr_caps *caps, const char *path);

/* setrlimit each entry; the error names it:
 * "setrlimit RLIMIT_NOFILE: Operation not permitted". */
int hr_rlimits_apply(const struct hr_rlimit *r, size_t n, hr_error_t *err);
/* "RLIMIT_NOFILE"; NULL when unknown. */
const char *hr_rlimit_name(int resource);

/* The steps hr_identity_apply is made of, for callers that need only one
 * (e.g. exec into a running container).
 * Drop every cap not in keep from the bounding set (needs CAP_SETPCAP). */
int hr_caps_drop_bounding(uint64_t keep, hr_error_t *err);
/* capset(effective, permitted) with an empty inheritable set, then clear
 * the ambient set (see above). */
int hr_caps_set(const struct hr_caps *caps, hr_error_t *err);

/* The kernel's highest capability number (/proc/sys/kernel/cap_last_cap,
 * read once and cached; call it once before entering a container whose
 * /proc may be missing). Falls back to libcap's probe. */
int hr_caps_last_cap(void);
/* "CAP_CHOWN" for 0, ...; a static string. NULL when cap is outside
 * 0..63. Numbers libcap does not know come back as the number. */
const char *hr_cap_name(int cap);

/* prctl(PR_SET_NO_NEW_PRIVS, 1). */
int hr_no_new_privs(hr_error_t *err);

/* Write value to /proc/PID/oom_score_adj (pid 0: the caller). Lowering it
 * below the current value needs CAP_SYS_RESOURCE. */
int hr_oom_score_adj_write(pid_t pid, int value, hr_error_t *err);

#endif
