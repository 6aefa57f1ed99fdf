/* config.json "mounts". */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"
#include "hrun/cleanup.h"
#include "hrun/config.h"
#include "hrun/json_field.h"

static int parse_mount(json_t *o, const char *path, struct hr_mount *m,
                       hr_error_t *err) {
  _cleanup_free_ char *dest = NULL;
  if (hr_json_get_string(o, path, "destination", true, &dest, err) < 0)
    return -1;
  _cleanup_free_ char *dpath = hr_cfg_join(path, "destination", err);
  if (!dpath || hr_cfg_check_abs(dpath, dest, false, err) < 0)
    return -1;
  m->destination = hr_config_clean_path(dest);
  if (!m->destination)
    return hr_error_set(err, ENOMEM, "%s", dpath);

  if (hr_json_get_string(o, path, "type", false, &m->type, err) < 0)
    return -1;
  /* The kernel decides which types exist, but a type is a single name: an
   * empty one or a path is a mistake worth reporting here. */
  if (m->type && (m->type[0] == '\0' || strchr(m->type, '/')))
    return hr_error_set(err, 0, "%s.type: invalid mount type \"%s\"", path,
                        m->type);
  if (hr_json_get_string(o, path, "source", false, &m->source, err) < 0)
    return -1;
  if (hr_json_get_strv(o, path, "options", false, false, &m->options,
                       &m->n_options, err) < 0)
    return -1;
  if (hr_mount_options_parse(m, path, err) < 0)
    return -1;
  if (m->bind && (!m->source || m->source[0] == '\0'))
    return hr_error_set(err, 0, "%s.source: is required for a bind mount",
                        path);
  return 0;
}

int hr_config_parse_mounts(json_t *root, struct hr_config *c, hr_error_t *err) {
  json_t *arr;
  int r = hr_json_get_array(root, "", "mounts", false, &arr, err);
  if (r <= 0)
    return r;
  size_t n = json_array_size(arr);
  if (n == 0)
    return 0;
  c->mounts = calloc(n, sizeof(*c->mounts));
  if (!c->mounts)
    return hr_error_set(err, ENOMEM, "mounts");
  for (size_t i = 0; i < n; i++) {
    json_t *o;
    if (hr_cfg_elem_object(arr, i, "mounts", &o, err) < 0)
      return -1;
    _cleanup_free_ char *path = hr_cfg_index("mounts", i, err);
    if (!path)
      return -1;
    /* Count first: a half-parsed entry still owns memory to free. */
    c->n_mounts++;
    if (parse_mount(o, path, &c->mounts[i], err) < 0)
      return -1;
  }
  return 0;
}

void hr_config_free_mounts(struct hr_config *c) {
  for (size_t i = 0; i < c->n_mounts; i++) {
    struct hr_mount *m = &c->mounts[i];
    free(m->destination);
    free(m->type);
    free(m->source);
    if (m->options) {
      for (size_t k = 0; k < m->n_options; k++)
        free(m->options[k]);
      free(m->options);
    }
    free(m->data);
  }
  free(c->mounts);
  c->mounts = NULL;
  c->n_mounts = 0;
}
