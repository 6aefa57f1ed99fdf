/* Hardening profiles: a profile is a named overlay -- a partial config.json
 * shipped in profiles/ and embedded in the binary -- applied onto a config
 * document before it is parsed. The rules (docs/sandbox.md):
 *  - objects merge recursively, member by member;
 *  - a member the config lacks (or has as null) is copied from the profile;
 *  - a member both have is kept as the config has it, or replaced by the
 *    profile's with force;
 *  - a profile null removes the member with force and is ignored otherwise;
 *  - keyed arrays merge element by element like objects: mounts by
 *    destination, linux.namespaces and process.rlimits by type,
 *    linux.maskedPaths and linux.readonlyPaths by value (a union). A mount
 *    the config lacks goes before the first config mount below it, so
 *    parents are mounted before children; other new elements are appended;
 *  - every other array is a value: set if absent, replaced with force.
 * A profile may name a "base" profile (merged first, then the profile over
 * it with force) and a "runAsUser" list (looked up in the rootfs's
 * /etc/passwd; the first non-root entry becomes process.user). */
#ifndef HRUN_PROFILE_H
#define HRUN_PROFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrun/config.h"
#include "hrun/error.h"

/* The name that turns profiles off for `run --profile none`. */
#define HR_PROFILE_NONE "none"
/* The default of `spec` and of the direct form `hrun run BUNDLE/`. */
#define HR_PROFILE_DEFAULT "hardened"

struct hr_profile_entry {
  const char *name;
  const char *text; /* the embedded JSON file, not NUL-terminated */
  size_t len;
};

/* The built-in profiles, in a fixed order; *n gets the count. */
const struct hr_profile_entry *hr_profile_list(size_t *n);

/* The profile document as shipped (no base merged). */
int hr_profile_load_raw(const char *name, json_t **out, hr_error_t *err);
/* The profile with its base chain merged: "config" is the complete overlay,
 * "base" is gone, "runAsUser" is inherited unless the profile sets one. */
int hr_profile_load(const char *name, json_t **out, hr_error_t *err);

/* The overlay rules above, on raw documents: merge `overlay` (an object)
 * into `config` (an object). Pure; errors only for non-object arguments
 * and allocation failures. */
int hr_profile_overlay(json_t *config, json_t *overlay, bool force,
                       hr_error_t *err);

/* Apply the named profile onto a config document. rootfs (may be NULL) is
 * the container's root directory on the host, read for runAsUser. Notes
 * that the caller should show (a user not found, a config's root user
 * kept) are logged as warnings. */
int hr_profile_apply(json_t *config, const char *name, bool force,
                     const char *rootfs, hr_error_t *err);

/* Look NAME up in /etc/passwd of ROOTFS, resolved inside it (symlinks
 * cannot lead out). Returns 1 and sets *uid and *gid when found, 0 when not
 * (or when there is no /etc/passwd), -1 on other errors. */
int hr_profile_lookup_user(const char *rootfs, const char *name, uint32_t *uid,
                           uint32_t *gid, hr_error_t *err);

/* Load BUNDLE/config.json, apply the profile (NULL or "none": none, exactly
 * hr_config_load), and parse. The overlay is applied in memory only; the
 * bundle's config.json is not changed. Errors start with "config.json: "
 * or "profile NAME: ". */
int hr_profile_config_load(const char *bundle, const char *profile, bool force,
                           struct hr_config *out, hr_error_t *err);

/* What create records in the container state ("profile": {"name", "force"}
 * in hr_state.extra), so later commands (exec) see the config the container
 * was made with, not the bundle's file alone. NULL profile: nothing. */
json_t *hr_profile_state_record(const char *profile, bool force);
/* The bundle's config with the profile recorded in the state applied. */
struct hr_state;
int hr_profile_state_config_load(const struct hr_state *s,
                                 struct hr_config *out, hr_error_t *err);

#endif
