/* Helpers shared by the config_*.c parsers. Not a public header: the
 * parsing entry points are declared in hrun/config.h. */
#ifndef HRUN_CONFIG_INTERNAL_H
#define HRUN_CONFIG_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrun/config.h"
#include "hrun/error.h"

/* "parent[i]" / "parent.key"; set an ENOMEM error and return NULL on
 * allocation failure. */
char *hr_cfg_index(const char *parent, size_t i, hr_error_t *err);
char *hr_cfg_join(const char *parent, const char *key, hr_error_t *err);

/* Error "path: reason" (path may be empty). Returns -1. */
int hr_cfg_error(hr_error_t *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True when the string has a ".." path component. */
bool hr_cfg_has_dotdot(const char *p);

/* Check that `value` (found at JSON path `path`) is absolute and has no
 * ".." component. */
int hr_cfg_check_abs(const char *path, const char *value, bool allow_dotdot,
                     hr_error_t *err);

/* Read an array element as an object; "path[i]: must be an object". */
int hr_cfg_elem_object(json_t *arr, size_t i, const char *path, json_t **out,
                       hr_error_t *err);

/* Read a JSON object of string -> string into parallel key/value storage.
 * `add` is called for each pair with newly allocated strings that it must
 * take ownership of. Keys must be non-empty and NUL-free. */
int hr_cfg_string_map(json_t *obj, const char *path,
                      int (*add)(void *ctx, char *key, char *value,
                                 hr_error_t *err),
                      void *ctx, hr_error_t *err);

/* Sections, each in its own file. They fill `c` and leave everything they
 * allocated reachable from it, so hr_config_free cleans up on failure. */
int hr_config_parse_mounts(json_t *root, struct hr_config *c, hr_error_t *err);
int hr_config_parse_hooks(json_t *root, struct hr_config *c, hr_error_t *err);
int hr_config_parse_linux(json_t *root, struct hr_config *c, hr_error_t *err);
/* Checks across sections (hostname needs a UTS namespace, ...). */
int hr_config_check_linux(json_t *root, struct hr_config *c, hr_error_t *err);
void hr_config_free_mounts(struct hr_config *c);
void hr_config_free_hooks(struct hr_config *c);
void hr_config_free_linux(struct hr_config *c);

#endif
