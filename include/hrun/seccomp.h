/* linux.seccomp: parsing, compilation with libseccomp, and loading. */
#ifndef HRUN_SECCOMP_H
#define HRUN_SECCOMP_H

#include <jansson.h>
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
};

struct hr_seccomp {
  uint32_t default_action;
  hr_opt_u64 default_errno_ret;
  uint32_t *archs; /* SCMP_ARCH_* */
  size_t n_archs;
  char **flags; /* SECCOMP_FILTER_FLAG_* names, validated */
  size_t n_flags;
  char *listener_path, *listener_metadata;
  struct hr_seccomp_rule *rules;
  size_t n_rules;
};

int hr_seccomp_parse(json_t *obj, const char *path, struct hr_seccomp *out,
                     hr_error_t *err);
void hr_seccomp_free(struct hr_seccomp *s);

#endif
