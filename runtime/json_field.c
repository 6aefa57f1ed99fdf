#include "hrun/json_field.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"

char *hr_json_join(const char *parent, const char *key) {
  char *s = NULL;
  if (!parent || !*parent)
    return strdup(key);
  if (asprintf(&s, "%s.%s", parent, key) < 0)
    return NULL;
  return s;
}

char *hr_json_index(const char *parent, size_t i) {
  char *s = NULL;
  if (asprintf(&s, "%s[%zu]", parent ? parent : "", i) < 0)
    return NULL;
  return s;
}

/* Formats "path.key: reason" without allocating the joined path twice. */
static int field_error(hr_error_t *err, const char *path, const char *key,
                       const char *reason) {
  if (path && *path)
    return hr_error_set(err, 0, "%s.%s: %s", path, key, reason);
  return hr_error_set(err, 0, "%s: %s", key, reason);
}

static int lookup(json_t *obj, const char *path, const char *key, bool required,
                  json_t **out, hr_error_t *err) {
  json_t *v = obj ? json_object_get(obj, key) : NULL;
  if (!v || json_is_null(v)) {
    *out = NULL;
    if (required)
      return field_error(err, path, key, "is required");
    return 0;
  }
  *out = v;
  return 1;
}

int hr_json_get_object(json_t *obj, const char *path, const char *key,
                       bool required, json_t **out, hr_error_t *err) {
  int r = lookup(obj, path, key, required, out, err);
  if (r == 1 && !json_is_object(*out))
    return field_error(err, path, key, "must be an object");
  return r;
}

int hr_json_get_array(json_t *obj, const char *path, const char *key,
                      bool required, json_t **out, hr_error_t *err) {
  int r = lookup(obj, path, key, required, out, err);
  if (r == 1 && !json_is_array(*out))
    return field_error(err, path, key, "must be an array");
  return r;
}

int hr_json_get_string(json_t *obj, const char *path, const char *key,
                       bool required, char **out, hr_error_t *err) {
  json_t *v;
  *out = NULL;
  int r = lookup(obj, path, key, required, &v, err);
  if (r != 1)
    return r;
  const char *bad = hr_json_text_error(v);
  if (bad)
    return field_error(err, path, key, bad);
  *out = strdup(json_string_value(v));
  if (!*out)
    return hr_error_set(err, ENOMEM, "%s.%s", path, key);
  return 1;
}

int hr_json_get_bool(json_t *obj, const char *path, const char *key,
                     bool required, bool *out, hr_error_t *err) {
  json_t *v;
  int r = lookup(obj, path, key, required, &v, err);
  if (r != 1)
    return r;
  if (!json_is_boolean(v))
    return field_error(err, path, key, "must be a boolean");
  *out = json_is_true(v);
  return 1;
}

int hr_json_get_int64(json_t *obj, const char *path, const char *key,
                      bool required, int64_t min, int64_t max, int64_t *out,
                      hr_error_t *err) {
  json_t *v;
  int r = lookup(obj, path, key, required, &v, err);
  if (r != 1)
    return r;
  uint64_t big;
  bool is_big = hr_json_big_uint(v, &big);
  if (!is_big && !json_is_integer(v))
    return field_error(err, path, key, "must be an integer");
  json_int_t i = is_big ? 0 : json_integer_value(v);
  if (is_big || i < min || i > max) {
    char num[24], reason[128];
    if (is_big)
      snprintf(num, sizeof(num), "%" PRIu64, big);
    else
      snprintf(num, sizeof(num), "%lld", (long long)i);
    snprintf(reason, sizeof(reason),
             "value %s out of range [%" PRId64 ", %" PRId64 "]", num, min, max);
    return field_error(err, path, key, reason);
  }
  *out = i;
  return 1;
}

int hr_json_get_uint64(json_t *obj, const char *path, const char *key,
                       bool required, uint64_t max, uint64_t *out,
                       hr_error_t *err) {
  json_t *v;
  int r = lookup(obj, path, key, required, &v, err);
  if (r != 1)
    return r;
  uint64_t u;
  bool big = hr_json_big_uint(v, &u);
  if (!big && !json_is_integer(v))
    return field_error(err, path, key, "must be an integer");
  char reason[128];
  if (!big && json_integer_value(v) < 0) {
    snprintf(reason, sizeof(reason), "value %lld out of range [0, %" PRIu64 "]",
             (long long)json_integer_value(v), max);
    return field_error(err, path, key, reason);
  }
  if (!big)
    u = (uint64_t)json_integer_value(v);
  if (u > max) {
    snprintf(reason, sizeof(reason),
             "value %" PRIu64 " out of range [0, %" PRIu64 "]", u, max);
    return field_error(err, path, key, reason);
  }
  *out = u;
  return 1;
}

int hr_json_get_strv(json_t *obj, const char *path, const char *key,
                     bool required, bool non_empty, char ***out, size_t *n,
                     hr_error_t *err) {
  json_t *arr;
  *out = NULL;
  if (n)
    *n = 0;
  int r = lookup(obj, path, key, required, &arr, err);
  if (r == 0 && non_empty && required)
    return r;
  if (r != 1)
    return r;
  const char *reason = non_empty ? "must be a non-empty array of strings"
                                 : "must be an array of strings";
  if (!json_is_array(arr) || (non_empty && json_array_size(arr) == 0))
    return field_error(err, path, key, reason);
  size_t count = json_array_size(arr);
  _cleanup_strv_ char **v = calloc(count + 1, sizeof(char *));
  if (!v)
    return hr_error_set(err, ENOMEM, "%s", key);
  for (size_t i = 0; i < count; i++) {
    json_t *s = json_array_get(arr, i);
    if (hr_json_text_error(s)) {
      char idx[64];
      snprintf(idx, sizeof(idx), "%s[%zu]", key, i);
      return field_error(err, path, idx, "must be a string");
    }
    v[i] = strdup(json_string_value(s));
    if (!v[i])
      return hr_error_set(err, ENOMEM, "%s", key);
  }
  *out = hr_steal_ptr(v);
  if (n)
    *n = count;
  return 1;
}

const char *hr_json_text_error(const json_t *v) {
  if (!json_is_string(v) || hr_json_big_uint(v, NULL))
    return "must be a string";
  if (strlen(json_string_value(v)) != json_string_length(v))
    return "must not contain NUL bytes";
  return NULL;
}
