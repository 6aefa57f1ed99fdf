/* The overlay rules of profiles (see hrun/profile.h and docs/sandbox.md):
 * recursive object merge, set-if-absent or replace with force, null as
 * "remove with force", and keyed arrays merged element by element. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/config.h"
#include "hrun/json_field.h"
#include "hrun/profile.h"

/* Arrays whose elements have an identity, so a profile can add to them
 * without replacing the config's elements. */
struct keyed_array {
  const char *path;
  const char *key; /* member naming the element; NULL: the string itself */
  bool is_path;    /* compare as cleaned absolute paths */
};

static const struct keyed_array keyed_arrays[] = {
    {"mounts", "destination", true},     {"linux.namespaces", "type", false},
    {"process.rlimits", "type", false},  {"linux.maskedPaths", NULL, true},
    {"linux.readonlyPaths", NULL, true},
};

static const struct keyed_array *keyed_for(const char *path) {
  for (size_t i = 0; i < sizeof(keyed_arrays) / sizeof(keyed_arrays[0]); i++)
    if (!strcmp(keyed_arrays[i].path, path))
      return &keyed_arrays[i];
  return NULL;
}

/* A null in a profile means "absent", so it must never land in a config
 * as a value: copies drop null object members. */
static void strip_nulls(json_t *v) {
  if (json_is_object(v)) {
    const char *k;
    json_t *m;
    void *tmp;
    json_object_foreach_safe(v, tmp, k, m) {
      if (json_is_null(m))
        json_object_del(v, k);
      else
        strip_nulls(m);
    }
  } else if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v); i++)
      strip_nulls(json_array_get(v, i));
  }
}

static json_t *copy_value(json_t *v) {
  json_t *c = json_deep_copy(v);
  if (c)
    strip_nulls(c);
  return c;
}

static const char *elem_key(json_t *e, const struct keyed_array *ka) {
  json_t *k = ka->key ? json_object_get(e, ka->key) : e;
  return json_string_value(k);
}

static bool keys_equal(const char *a, const char *b,
                       const struct keyed_array *ka) {
  if (!ka->is_path)
    return !strcmp(a, b);
  _cleanup_free_ char *ca = hr_config_clean_path(a);
  _cleanup_free_ char *cb = hr_config_clean_path(b);
  return ca && cb && !strcmp(ca, cb);
}

/* Whether mount point `child` lies strictly below `parent`. */
static bool path_below(const char *child, const char *parent) {
  _cleanup_free_ char *c = hr_config_clean_path(child);
  _cleanup_free_ char *p = hr_config_clean_path(parent);
  if (!c || !p)
    return false;
  if (!strcmp(p, "/"))
    return strcmp(c, "/") != 0;
  size_t n = strlen(p);
  return !strncmp(c, p, n) && c[n] == '/';
}

static int merge_object(json_t *dst, json_t *src, const char *path, bool force,
                        hr_error_t *err);

static int merge_keyed(json_t *dst, json_t *src, const char *path,
                       const struct keyed_array *ka, bool force,
                       hr_error_t *err) {
  for (size_t i = 0; i < json_array_size(src); i++) {
    json_t *se = json_array_get(src, i);
    const char *key = elem_key(se, ka);
    if (!key)
      return hr_error_set(err, 0, "%s[%zu]: %s%s", path, i,
                          ka->key ? "needs a string member "
                                  : "must be a string",
                          ka->key ? ka->key : "");
    bool found = false;
    for (size_t j = 0; j < json_array_size(dst) && !found; j++) {
      json_t *de = json_array_get(dst, j);
      const char *dk = elem_key(de, ka);
      if (!dk || !keys_equal(dk, key, ka))
        continue;
      found = true;
      if (json_is_object(de) && json_is_object(se)) {
        _cleanup_free_ char *sub = hr_json_index(path, j);
        if (!sub)
          return hr_error_set(err, ENOMEM, "%s", path);
        if (merge_object(de, se, sub, force, err) < 0)
          return -1;
      }
    }
    if (found)
      continue;
    /* a new mount goes before the config's mounts below it: /dev must be
     * mounted before a config's /dev/shm, not on top of it */
    size_t at = json_array_size(dst);
    for (size_t j = 0; ka->is_path && ka->key && j < json_array_size(dst);
         j++) {
      const char *dk = elem_key(json_array_get(dst, j), ka);
      if (dk && path_below(dk, key)) {
        at = j;
        break;
      }
    }
    json_t *c = copy_value(se);
    if (!c || json_array_insert_new(dst, at, c) < 0)
      return hr_error_set(err, ENOMEM, "%s", path);
  }
  return 0;
}

static int merge_object(json_t *dst, json_t *src, const char *path, bool force,
                        hr_error_t *err) {
  const char *k;
  json_t *sv;
  json_object_foreach(src, k, sv) {
    _cleanup_free_ char *sub = hr_json_join(path, k);
    if (!sub)
      return hr_error_set(err, ENOMEM, "%s", path);
    json_t *dv = json_object_get(dst, k);
    if (json_is_null(sv)) {
      if (force && dv)
        json_object_del(dst, k);
      continue;
    }
    if (!dv || json_is_null(dv)) {
      json_t *c = copy_value(sv);
      if (!c || json_object_set_new(dst, k, c) < 0)
        return hr_error_set(err, ENOMEM, "%s", sub);
      continue;
    }
    if (json_is_object(dv) && json_is_object(sv)) {
      if (merge_object(dv, sv, sub, force, err) < 0)
        return -1;
      continue;
    }
    const struct keyed_array *ka = keyed_for(sub);
    if (ka && json_is_array(dv) && json_is_array(sv)) {
      if (merge_keyed(dv, sv, sub, ka, force, err) < 0)
        return -1;
      continue;
    }
    if (!force)
      continue;
    json_t *c = copy_value(sv);
    if (!c || json_object_set_new(dst, k, c) < 0)
      return hr_error_set(err, ENOMEM, "%s", sub);
  }
  return 0;
}

int hr_profile_overlay(json_t *config, json_t *overlay, bool force,
                       hr_error_t *err) {
  if (!json_is_object(config))
    return hr_error_set(err, 0, "the config must be a JSON object");
  if (!json_is_object(overlay))
    return hr_error_set(err, 0, "the overlay must be a JSON object");
  return merge_object(config, overlay, "", force, err);
}
