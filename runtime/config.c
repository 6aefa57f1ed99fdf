/* config.json: loading, the top-level fields, annotations, and the helpers
 * the section parsers (config_*.c) share. */
#include "hrun/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "hrun/cleanup.h"
#include "hrun/json_field.h"

#define CONFIG_PREFIX "config.json"

char *hr_cfg_index(const char *parent, size_t i, hr_error_t *err) {
  char *s = hr_json_index(parent, i);
  if (!s)
    hr_error_set(err, ENOMEM, "%s[%zu]", parent, i);
  return s;
}

char *hr_cfg_join(const char *parent, const char *key, hr_error_t *err) {
  char *s = hr_json_join(parent, key);
  if (!s)
    hr_error_set(err, ENOMEM, "%s.%s", parent, key);
  return s;
}

int hr_cfg_error(hr_error_t *err, const char *path, const char *fmt, ...) {
  _cleanup_free_ char *reason = NULL;
  va_list ap;
  va_start(ap, fmt);
  int r = vasprintf(&reason, fmt, ap);
  va_end(ap);
  if (r < 0)
    return hr_error_set(err, ENOMEM, "%s", path);
  if (path && *path)
    return hr_error_set(err, 0, "%s: %s", path, reason);
  return hr_error_set(err, 0, "%s", reason);
}

bool hr_cfg_has_dotdot(const char *p) {
  for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2) {
    bool start = s == p || s[-1] == '/';
    bool end = s[2] == '\0' || s[2] == '/';
    if (start && end)
      return true;
  }
  return false;
}

int hr_cfg_check_abs(const char *path, const char *value, bool allow_dotdot,
                     hr_error_t *err) {
  if (value[0] != '/')
    return hr_cfg_error(err, path, "must be an absolute path");
  if (!allow_dotdot && hr_cfg_has_dotdot(value))
    return hr_cfg_error(err, path, "must not contain \"..\"");
  return 0;
}

char *hr_config_clean_path(const char *p) {
  size_t len = strlen(p);
  char *out = malloc(len + 2);
  if (!out)
    return NULL;
  size_t o = 0;
  const char *s = p;
  while (*s) {
    while (*s == '/')
      s++;
    const char *e = strchrnul(s, '/');
    size_t n = (size_t)(e - s);
    if (n == 0 || (n == 1 && s[0] == '.')) {
      s = e;
      continue;
    }
    out[o++] = '/';
    memcpy(out + o, s, n);
    o += n;
    s = e;
  }
  if (o == 0)
    out[o++] = '/';
  out[o] = '\0';
  return out;
}

int hr_cfg_elem_object(json_t *arr, size_t i, const char *path, json_t **out,
                       hr_error_t *err) {
  json_t *v = json_array_get(arr, i);
  if (!json_is_object(v))
    return hr_error_set(err, 0, "%s[%zu]: must be an object", path, i);
  *out = v;
  return 0;
}

int hr_cfg_string_map(json_t *obj, const char *path,
                      int (*add)(void *ctx, char *key, char *value,
                                 hr_error_t *err),
                      void *ctx, hr_error_t *err) {
  const char *key;
  size_t key_len;
  json_t *v;
  json_object_keylen_foreach(obj, key, key_len, v) {
    if (key_len == 0)
      return hr_cfg_error(err, path, "keys must not be empty");
    if (strlen(key) != key_len)
      return hr_cfg_error(err, path, "keys must not contain NUL bytes");
    const char *bad = hr_json_text_error(v);
    if (bad)
      return hr_error_set(err, 0, "%s.%s: %s", path, key, bad);
    _cleanup_free_ char *k = strdup(key);
    _cleanup_free_ char *val = strdup(json_string_value(v));
    if (!k || !val)
      return hr_error_set(err, ENOMEM, "%s", path);
    if (add(ctx, hr_steal_ptr(k), hr_steal_ptr(val), err) < 0)
      return -1;
  }
  return 0;
}

static int add_annotation(void *ctx, char *key, char *value, hr_error_t *err) {
  struct hr_config *c = ctx;
  struct hr_annotation *n =
      realloc(c->annotations, (c->n_annotations + 1) * sizeof(*n));
  if (!n) {
    free(key);
    free(value);
    return hr_error_set(err, ENOMEM, "annotations");
  }
  c->annotations = n;
  n[c->n_annotations].key = key;
  n[c->n_annotations].value = value;
  c->n_annotations++;
  return 0;
}

static int parse_root(json_t *root, struct hr_config *c, hr_error_t *err) {
  json_t *r;
  if (hr_json_get_object(root, "", "root", true, &r, err) < 0)
    return -1;
  if (hr_json_get_string(r, "root", "path", true, &c->root_path, err) < 0)
    return -1;
  if (c->root_path[0] == '\0')
    return hr_cfg_error(err, "root.path", "must not be empty");
  if (hr_json_get_bool(r, "root", "readonly", false, &c->root_readonly, err) <
      0)
    return -1;
  return 0;
}

static int parse_document(json_t *root, struct hr_config *c, hr_error_t *err) {
  if (!json_is_object(root))
    return hr_error_set(err, 0, "must be a JSON object");
  if (hr_json_get_string(root, "", "ociVersion", true, &c->oci_version, err) <
      0)
    return -1;
  if (c->oci_version[0] == '\0')
    return hr_cfg_error(err, "ociVersion", "must not be empty");
  if (parse_root(root, c, err) < 0)
    return -1;
  if (hr_json_get_string(root, "", "hostname", false, &c->hostname, err) < 0 ||
      hr_json_get_string(root, "", "domainname", false, &c->domainname, err) <
          0)
    return -1;

  json_t *proc;
  int r = hr_json_get_object(root, "", "process", false, &proc, err);
  if (r < 0)
    return -1;
  if (r == 1) {
    if (hr_process_parse(proc, "process", &c->process, err) < 0)
      return -1;
    c->has_process = true;
  }

  if (hr_config_parse_mounts(root, c, err) < 0 ||
      hr_config_parse_hooks(root, c, err) < 0 ||
      hr_config_parse_linux(root, c, err) < 0)
    return -1;

  json_t *ann;
  r = hr_json_get_object(root, "", "annotations", false, &ann, err);
  if (r < 0)
    return -1;
  if (r == 1 &&
      hr_cfg_string_map(ann, "annotations", add_annotation, c, err) < 0)
    return -1;

  return hr_config_check_linux(root, c, err);
}

int hr_config_parse(json_t *root, struct hr_config *out, hr_error_t *err) {
  memset(out, 0, sizeof(*out));
  if (!root)
    return hr_error_set(err, 0, "must be a JSON object");
  if (parse_document(root, out, err) < 0) {
    hr_config_free(out);
    return -1;
  }
  out->raw = json_incref(root);
  return 0;
}

int hr_config_load(const char *bundle, struct hr_config *out, hr_error_t *err) {
  memset(out, 0, sizeof(*out));
  _cleanup_free_ char *path = NULL;
  if (asprintf(&path, "%s/config.json", bundle) < 0)
    return hr_error_set(err, ENOMEM, CONFIG_PREFIX);
  _cleanup_json_ json_t *root = NULL;
  if (hr_json_load_file(path, CONFIG_PREFIX, &root, err) < 0) {
    /* The loader names the file itself for decode errors ("config.json:
     * invalid JSON ..."); add the prefix only where it did not. */
    if (strncmp(hr_error_msg(*err), CONFIG_PREFIX ": ",
                strlen(CONFIG_PREFIX) + 2) != 0)
      hr_error_wrap(err, CONFIG_PREFIX);
    return -1;
  }
  if (hr_config_parse(root, out, err) < 0)
    return hr_error_wrap(err, CONFIG_PREFIX);
  return 0;
}

void hr_config_free(struct hr_config *c) {
  if (!c)
    return;
  free(c->oci_version);
  free(c->root_path);
  free(c->hostname);
  free(c->domainname);
  hr_process_free(&c->process);
  hr_config_free_mounts(c);
  hr_config_free_hooks(c);
  hr_config_free_linux(c);
  for (size_t i = 0; i < c->n_annotations; i++) {
    free(c->annotations[i].key);
    free(c->annotations[i].value);
  }
  free(c->annotations);
  if (c->raw)
    json_decref(c->raw);
  memset(c, 0, sizeof(*c));
}

const char *hr_annotation_get(const struct hr_config *c, const char *key) {
  if (!c || !key)
    return NULL;
  for (size_t i = 0; i < c->n_annotations; i++)
    if (strcmp(c->annotations[i].key, key) == 0)
      return c->annotations[i].value;
  return NULL;
}
