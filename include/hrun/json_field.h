/* Typed, validating accessors for JSON objects. Every error names the JSON
 * path of the offending field ("process.args[2]: must be a string").
 * A missing member and an explicit null are both "absent".
 * Getters return 1 when the field was present, 0 when absent (and required
 * was false), -1 with *err set otherwise. */
#ifndef HRUN_JSON_FIELD_H
#define HRUN_JSON_FIELD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrun/error.h"

/* "parent.key" (or "key" when parent is empty); NULL on OOM. */
char *hr_json_join(const char *parent, const char *key);
/* "parent[i]"; NULL on OOM. */
char *hr_json_index(const char *parent, size_t i);

int hr_json_get_object(json_t *obj, const char *path, const char *key,
                       bool required, json_t **out, hr_error_t *err);
int hr_json_get_array(json_t *obj, const char *path, const char *key,
                      bool required, json_t **out, hr_error_t *err);
int hr_json_get_string(json_t *obj, const char *path, const char *key,
                       bool required, char **out, hr_error_t *err);
int hr_json_get_bool(json_t *obj, const char *path, const char *key,
                     bool required, bool *out, hr_error_t *err);
/* Integers are range-checked; the error states the range. */
int hr_json_get_int64(json_t *obj, const char *path, const char *key,
                      bool required, int64_t min, int64_t max, int64_t *out,
                      hr_error_t *err);
int hr_json_get_uint64(json_t *obj, const char *path, const char *key,
                       bool required, uint64_t max, uint64_t *out,
                       hr_error_t *err);
/* A number above INT64_MAX (jansson's integers are signed) as the loaders
 * below carry it: true, with the value in *out when out != NULL. */
bool hr_json_big_uint(const json_t *v, uint64_t *out);
/* NULL when v is a string without NUL bytes, else why it is not one
 * ("must be a string", "must not contain NUL bytes"). */
const char *hr_json_text_error(const json_t *v);
/* Array of strings -> NULL-terminated vector (count in *n when n != NULL).
 * non_empty demands at least one element. */
int hr_json_get_strv(json_t *obj, const char *path, const char *key,
                     bool required, bool non_empty, char ***out, size_t *n,
                     hr_error_t *err);

/* Parse a JSON document from a file with a size and nesting-depth cap.
 * `what` names the file in errors ("config.json"). */
#define HR_JSON_MAX_FILE_SIZE (4u << 20)
#define HR_JSON_MAX_DEPTH 64
int hr_json_load_file(const char *path, const char *what, json_t **out,
                      hr_error_t *err);
int hr_json_load_fd(int fd, const char *what, json_t **out, hr_error_t *err);
int hr_json_load_buffer(const char *buf, size_t len, const char *what,
                        json_t **out, hr_error_t *err);

#endif
