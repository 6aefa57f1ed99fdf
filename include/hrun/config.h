/* The OCI runtime config (config.json), parsed with jansson into typed
 * structs and validated as it is read. Errors name the JSON path. */
#ifndef HRUN_CONFIG_H
#define HRUN_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hrun/error.h"
#include "hrun/opt.h"
#include "hrun/resources.h"
#include "hrun/seccomp.h"

struct hr_user {
  uint32_t uid, gid;
  hr_opt_u64 umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
};

struct hr_rlimit {
  int resource; /* RLIMIT_* */
  uint64_t soft, hard;
};

/* Capability sets as bitmasks indexed by CAP_* number. */
struct hr_caps {
  uint64_t bounding, effective, permitted, inheritable, ambient;
};

struct hr_process {
  bool terminal;
  uint32_t console_height, console_width;
  struct hr_user user;
  char **args; /* NULL-terminated, non-empty */
  size_t n_args;
  char **env; /* NULL-terminated, may be empty */
  size_t n_env;
  char *cwd; /* absolute */
  bool has_caps;
  struct hr_caps caps;
  struct hr_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  hr_opt_i64 oom_score_adj;
  char *apparmor_profile, *selinux_label;
};

struct hr_mount {
  char *destination; /* absolute, no ".." components */
  char *type;        /* may be NULL (bind) */
  char *source;      /* may be NULL */
  char **options;    /* raw, NULL-terminated */
  size_t n_options;
  /* derived from options by hr_mount_options_parse */
  unsigned long flags;       /* MS_* to set */
  unsigned long clear_flags; /* MS_* explicitly cleared (rw, suid, ...) */
  unsigned long propagation; /* MS_SHARED|MS_PRIVATE|... (with MS_REC) */
  bool bind, recursive;
  char *data; /* filesystem-specific options, comma-joined */
};

enum hr_ns_type {
  HR_NS_PID,
  HR_NS_NETWORK,
  HR_NS_MOUNT,
  HR_NS_IPC,
  HR_NS_UTS,
  HR_NS_USER,
  HR_NS_CGROUP,
  HR_NS_TIME,
  HR_NS_COUNT
};

struct hr_namespace {
  bool present;
  char *path; /* join this namespace instead of creating one */
};

struct hr_id_mapping {
  uint32_t container_id, host_id, size;
};

struct hr_device {
  char *path; /* absolute, inside the container */
  char type;  /* 'c', 'b', 'u' or 'p' */
  int64_t major, minor;
  hr_opt_u64 file_mode, uid, gid;
};

struct hr_hook {
  char *path;
  char **args; /* NULL-terminated, may be NULL */
  char **env;
  hr_opt_i64 timeout; /* seconds, > 0 */
};

enum hr_hook_kind {
  HR_HOOK_PRESTART,
  HR_HOOK_CREATE_RUNTIME,
  HR_HOOK_CREATE_CONTAINER,
  HR_HOOK_START_CONTAINER,
  HR_HOOK_POSTSTART,
  HR_HOOK_POSTSTOP,
  HR_HOOK_KIND_COUNT
};

struct hr_sysctl {
  char *key, *value;
};

struct hr_annotation {
  char *key, *value;
};

struct hr_linux {
  struct hr_namespace ns[HR_NS_COUNT];
  struct hr_id_mapping *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct hr_device *devices;
  size_t n_devices;
  char *cgroups_path;
  bool has_resources;
  struct hr_resources resources;
  bool has_seccomp;
  struct hr_seccomp seccomp;
  unsigned long rootfs_propagation; /* 0 when unset */
  char **masked_paths, **readonly_paths;
  size_t n_masked_paths, n_readonly_paths;
  struct hr_sysctl *sysctl;
  size_t n_sysctl;
  char *mount_label;
  hr_opt_i64 personality_domain; /* PER_LINUX or PER_LINUX32 */
};

struct hr_config {
  char *oci_version;
  char *root_path; /* as written; may be relative to the bundle */
  bool root_readonly;
  bool has_process;
  struct hr_process process;
  char *hostname, *domainname;
  struct hr_mount *mounts;
  size_t n_mounts;
  struct hr_hook *hooks[HR_HOOK_KIND_COUNT];
  size_t n_hooks[HR_HOOK_KIND_COUNT];
  struct hr_annotation *annotations;
  size_t n_annotations;
  struct hr_linux linux;
  json_t *raw; /* the document as loaded, kept for hooks and state */
};

/* Load BUNDLE/config.json (size and depth capped). Errors start with
 * "config.json: ". */
int hr_config_load(const char *bundle, struct hr_config *out, hr_error_t *err);
/* Parse an already-decoded document; takes a new reference to root.
 * On failure *out is left zeroed (nothing to free). hr_config_free zeroes
 * the struct, so calling it twice is harmless. */
int hr_config_parse(json_t *root, struct hr_config *out, hr_error_t *err);
void hr_config_free(struct hr_config *c);

/* Parse a Process object (config.json's "process", or `exec --process`
 * with path ""). On failure *out is left zeroed. env is never NULL after
 * success (an empty vector when absent). */
int hr_process_parse(json_t *obj, const char *path, struct hr_process *out,
                     hr_error_t *err);
void hr_process_free(struct hr_process *p);

/* Turn a mount's raw options into flags/propagation/data. The derived
 * fields are recomputed (m->data is freed first), so it may be re-run. */
int hr_mount_options_parse(struct hr_mount *m, const char *path,
                           hr_error_t *err);

const char *hr_ns_name(enum hr_ns_type t); /* "pid", "network" */
int hr_ns_from_name(const char *name);     /* -1 if unknown */
int hr_ns_clone_flag(enum hr_ns_type t);   /* CLONE_NEW* */
/* Lexically clean an absolute path: collapse "//", drop "." components and
 * a trailing "/" (".." is left alone). NULL on OOM. */
char *hr_config_clean_path(const char *p);
const char *hr_annotation_get(const struct hr_config *c, const char *key);

#endif
