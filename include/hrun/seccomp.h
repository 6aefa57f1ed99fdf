/* linux.seccomp: parsing, compilation with libseccomp, and loading.
 *
 * Flow: hr_seccomp_parse (or hr_seccomp_default) -> hr_seccomp_compile in
 * the parent, before clone -> hr_seccomp_install in the container init, as
 * the last step before execve, so the child makes a single syscall. */
#ifndef HRUN_SECCOMP_H
#define HRUN_SECCOMP_H

#include <jansson.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrun/error.h"
#include "hrun/opt.h"

struct hr_seccomp_arg {
  unsigned index;
  uint64_t value, value_two;
  int op; /* enum scmp_compare */
};

struct hr_seccomp_rule {
  char **names; /* NULL-terminated */
  size_t n_names;
  uint32_t action; /* SCMP_ACT_* without the errno/trace data */
  hr_opt_u64 errno_ret;
  struct hr_seccomp_arg *args;
  size_t n_args;
  /* Non-OCI extension (as in Docker's profiles), used by the default
   * profile: "includes": {"caps": [...]} applies the rule only when every
   * listed capability is in the bounding set, "excludes": {"caps": [...]}
   * only when none is. Bitmasks indexed by CAP_* number; 0 = no condition. */
  uint64_t includes_caps, excludes_caps;
};

struct hr_seccomp {
  uint32_t default_action; /* SCMP_ACT_* without data */
  hr_opt_u64 default_errno_ret;
  uint32_t *archs; /* SCMP_ARCH_* */
  size_t n_archs;
  char **flags; /* SECCOMP_FILTER_FLAG_* names, validated */
  size_t n_flags;
  unsigned filter_flags; /* the same flags as SECCOMP_FILTER_FLAG_* bits */
  char *listener_path, *listener_metadata;
  struct hr_seccomp_rule *rules;
  size_t n_rules;
};

/* Parse an OCI LinuxSeccomp object; `path` prefixes every error
 * ("linux.seccomp"). SCMP_ACT_NOTIFY is rejected (no listener support).
 * Syscall names are not checked here: unknown names are skipped at compile
 * time, like runc and crun, so one profile works across kernels. */
int hr_seccomp_parse(json_t *obj, const char *path, struct hr_seccomp *out,
                     hr_error_t *err);
void hr_seccomp_free(struct hr_seccomp *s);

/* The built-in default profile (profiles/seccomp-default.json, embedded in
 * the binary so a missing file never means no filter). Its non-OCI
 * "archMap" picks the compat architectures for the native one. */
int hr_seccomp_default(struct hr_seccomp *out, hr_error_t *err);
/* The embedded JSON text (not NUL-terminated in the count). */
const char *hr_seccomp_default_json(size_t *len);

/* A compiled classic-BPF program ready for seccomp(2). */
struct hr_seccomp_program {
  struct sock_filter *insns;
  unsigned short len;
  unsigned flags; /* SECCOMP_FILTER_FLAG_* passed to seccomp(2) */
};

/* Compile with libseccomp into BPF. bounding_caps is the container's
 * bounding set (bit n = CAP n) for rules with includes/excludes. For a
 * non-permissive default action, syscall numbers above the highest one
 * the profile names (per architecture) return ENOSYS instead of the default
 * action, as runc does, so libc falls back from syscalls newer than the
 * profile. */
int hr_seccomp_compile(const struct hr_seccomp *s, uint64_t bounding_caps,
                       struct hr_seccomp_program *out, hr_error_t *err);
/* Install with seccomp(SECCOMP_SET_MODE_FILTER, flags). Needs no_new_privs
 * or CAP_SYS_ADMIN. Async-signal-safe apart from building the error. */
int hr_seccomp_install(const struct hr_seccomp_program *p, hr_error_t *err);
void hr_seccomp_program_free(struct hr_seccomp_program *p);

/* Name tables shared by parse and tests; return -1 / NULL if unknown. */
int hr_seccomp_action_from_name(const char *name, uint32_t *action);
int hr_seccomp_arch_from_name(const char *name, uint32_t *arch);
int hr_seccomp_cap_from_name(const char *name);

#endif
