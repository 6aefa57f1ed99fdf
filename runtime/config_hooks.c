/* config.json "hooks". */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "hrun/cleanup.h"
#include "hrun/config.h"
#include "hrun/json_field.h"

static const char *const hook_names[HR_HOOK_KIND_COUNT] = {
    [HR_HOOK_PRESTART] = "prestart",
    [HR_HOOK_CREATE_RUNTIME] = "createRuntime",
    [HR_HOOK_CREATE_CONTAINER] = "createContainer",
    [HR_HOOK_START_CONTAINER] = "startContainer",
    [HR_HOOK_POSTSTART] = "poststart",
    [HR_HOOK_POSTSTOP] = "poststop",
};

static int parse_hook(json_t *o, const char *path, struct hr_hook *h,
                      hr_error_t *err) {
  if (hr_json_get_string(o, path, "path", true, &h->path, err) < 0)
    return -1;
  _cleanup_free_ char *ppath = hr_cfg_join(path, "path", err);
  if (!ppath || hr_cfg_check_abs(ppath, h->path, true, err) < 0)
    return -1;
  if (hr_json_get_strv(o, path, "args", false, false, &h->args, NULL, err) <
          0 ||
      hr_json_get_strv(o, path, "env", false, false, &h->env, NULL, err) < 0)
    return -1;
  int r = hr_json_get_int64(o, path, "timeout", false, 1, INT32_MAX,
                            &h->timeout.v, err);
  if (r < 0)
    return -1;
  h->timeout.set = r == 1;
  return 0;
}

int hr_config_parse_hooks(json_t *root, struct hr_config *c, hr_error_t *err) {
  json_t *hooks;
  int r = hr_json_get_object(root, "", "hooks", false, &hooks, err);
  if (r <= 0)
    return r;
  for (int kind = 0; kind < HR_HOOK_KIND_COUNT; kind++) {
    json_t *arr;
    _cleanup_free_ char *kpath = hr_cfg_join("hooks", hook_names[kind], err);
    if (!kpath)
      return -1;
    r = hr_json_get_array(hooks, "hooks", hook_names[kind], false, &arr, err);
    if (r < 0)
      return -1;
    size_t n = r == 1 ? json_array_size(arr) : 0;
    if (n == 0)
      continue;
    c->hooks[kind] = calloc(n, sizeof(struct hr_hook));
    if (!c->hooks[kind])
      return hr_error_set(err, ENOMEM, "%s", kpath);
    for (size_t i = 0; i < n; i++) {
      json_t *o;
      if (hr_cfg_elem_object(arr, i, kpath, &o, err) < 0)
        return -1;
      _cleanup_free_ char *path = hr_cfg_index(kpath, i, err);
      if (!path)
        return -1;
      c->n_hooks[kind]++;
      if (parse_hook(o, path, &c->hooks[kind][i], err) < 0)
        return -1;
    }
  }
  return 0;
}

void hr_config_free_hooks(struct hr_config *c) {
  for (int kind = 0; kind < HR_HOOK_KIND_COUNT; kind++) {
    for (size_t i = 0; i < c->n_hooks[kind]; i++) {
      free(c->hooks[kind][i].path);
      hr_strv_free(c->hooks[kind][i].args);
      hr_strv_free(c->hooks[kind][i].env);
    }
    free(c->hooks[kind]);
    c->hooks[kind] = NULL;
    c->n_hooks[kind] = 0;
  }
}
