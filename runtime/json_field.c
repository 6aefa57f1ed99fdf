#include "hrun/json_field.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
  if (!json_is_string(v))
    return field_error(err, path, key, "must be a string");
  if (strlen(json_string_value(v)) != json_string_length(v))
    return field_error(err, path, key, "must not contain NUL bytes");
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
  if (!json_is_integer(v))
    return field_error(err, path, key, "must be an integer");
  json_int_t i = json_integer_value(v);
  if (i < min || i > max) {
    char reason[128];
    snprintf(reason, sizeof(reason),
             "value %" PRId64 " out of range [%" PRId64 ", %" PRId64 "]",
             (int64_t)i, min, max);
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
  if (!json_is_integer(v))
    return field_error(err, path, key, "must be an integer");
  /* jansson stores json_int_t (long long): a larger unsigned value (e.g.
   * 2^64-1 as "unlimited") already fails to parse, as "too big integer"
   * with its line and column. */
  json_int_t i = json_integer_value(v);
  if (i < 0 || (uint64_t)i > max) {
    char reason[128];
    snprintf(reason, sizeof(reason), "value %lld out of range [0, %" PRIu64 "]",
             (long long)i, max);
    return field_error(err, path, key, reason);
  }
  *out = (uint64_t)i;
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
    if (!json_is_string(s) ||
        strlen(json_string_value(s)) != json_string_length(s)) {
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

/* jansson has no depth limit of its own; check nesting before decoding so
 * a hostile document cannot exhaust the stack. Strings are skipped so
 * brackets inside them do not count. */
static int check_depth(const char *buf, size_t len, const char *what,
                       hr_error_t *err) {
  int depth = 0;
  bool in_str = false, esc = false;
  for (size_t i = 0; i < len; i++) {
    char c = buf[i];
    if (in_str) {
      if (esc)
        esc = false;
      else if (c == '\\')
        esc = true;
      else if (c == '"')
        in_str = false;
      continue;
    }
    if (c == '"')
      in_str = true;
    else if (c == '{' || c == '[') {
      if (++depth > HR_JSON_MAX_DEPTH)
        return hr_error_set(err, 0, "%s: nesting deeper than %d levels", what,
                            HR_JSON_MAX_DEPTH);
    } else if (c == '}' || c == ']')
      depth--;
  }
  return 0;
}

int hr_json_load_buffer(const char *buf, size_t len, const char *what,
                        json_t **out, hr_error_t *err) {
  if (len > HR_JSON_MAX_FILE_SIZE)
    return hr_error_set(err, 0, "%s: larger than %u bytes", what,
                        HR_JSON_MAX_FILE_SIZE);
  if (check_depth(buf, len, what, err) < 0)
    return -1;
  json_error_t jerr;
  json_t *j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!j)
    return hr_error_set(err, 0, "%s: invalid JSON at line %d column %d: %s",
                        what, jerr.line, jerr.column, jerr.text);
  *out = j;
  return 0;
}

int hr_json_load_fd(int fd, const char *what, json_t **out, hr_error_t *err) {
  size_t cap = 65536, len = 0;
  _cleanup_free_ char *buf = malloc(cap);
  if (!buf)
    return hr_error_set(err, ENOMEM, "%s", what);
  for (;;) {
    if (len == cap) {
      if (cap > HR_JSON_MAX_FILE_SIZE)
        return hr_error_set(err, 0, "%s: larger than %u bytes", what,
                            HR_JSON_MAX_FILE_SIZE);
      char *nb = realloc(buf, cap * 2);
      if (!nb)
        return hr_error_set(err, ENOMEM, "%s", what);
      buf = nb;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return hr_error_set(err, errno, "read %s", what);
    }
    if (n == 0)
      break;
    len += (size_t)n;
  }
  return hr_json_load_buffer(buf, len, what, out, err);
}

int hr_json_load_file(const char *path, const char *what, json_t **out,
                      hr_error_t *err) {
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return hr_error_set(err, errno, "open %s", path);
  struct stat st;
  if (fstat(fd, &st) < 0)
    return hr_error_set(err, errno, "stat %s", path);
  if (!S_ISREG(st.st_mode))
    return hr_error_set(err, 0, "%s: not a regular file", what);
  if (st.st_size > (off_t)HR_JSON_MAX_FILE_SIZE)
    return hr_error_set(err, 0, "%s: larger than %u bytes", what,
                        HR_JSON_MAX_FILE_SIZE);
  return hr_json_load_fd(fd, what, out, err);
}
