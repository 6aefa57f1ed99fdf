/* The built-in default profile: profiles/seccomp-default.json, embedded by
 * seccomp_default.S so a missing file never means "no filter". */
#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/json_field.h"
#include "hrun/seccomp.h"

extern const char hr_seccomp_default_profile[];
extern const uint64_t hr_seccomp_default_profile_size;

const char *hr_seccomp_default_json(size_t *len) {
  *len = (size_t)hr_seccomp_default_profile_size;
  return hr_seccomp_default_profile;
}

/* "archMap" (non-OCI, Docker's shape): the entry for the native
 * architecture lists the compat architectures the filter must also cover
 * (x86_64: x86 and x32; aarch64: arm). Other natives get native only. */
static int apply_arch_map(json_t *doc, struct hr_seccomp *out,
                          hr_error_t *err) {
  json_t *map;
  int r = hr_json_get_array(doc, "", "archMap", false, &map, err);
  if (r <= 0)
    return r;
  uint32_t native = seccomp_arch_native();
  for (size_t i = 0; i < json_array_size(map); i++) {
    _cleanup_free_ char *path = hr_json_index("archMap", i);
    _cleanup_free_ char *arch = NULL;
    _cleanup_strv_ char **subs = NULL;
    size_t n = 0;
    uint32_t token;
    if (!path)
      return hr_error_set(err, ENOMEM, "archMap");
    json_t *e = json_array_get(map, i);
    if (!json_is_object(e))
      return hr_error_set(err, 0, "%s: must be an object", path);
    if (hr_json_get_string(e, path, "architecture", true, &arch, err) < 0 ||
        hr_json_get_strv(e, path, "subArchitectures", false, false, &subs, &n,
                         err) < 0)
      return -1;
    if (hr_seccomp_arch_from_name(arch, &token) < 0)
      return hr_error_set(err, 0, "%s.architecture: unknown architecture %s",
                          path, arch);
    if (token != native)
      continue;
    uint32_t *archs = calloc(n + 1, sizeof(*archs));
    if (!archs)
      return hr_error_set(err, ENOMEM, "archMap");
    archs[0] = token;
    for (size_t j = 0; j < n; j++)
      if (hr_seccomp_arch_from_name(subs[j], &archs[j + 1]) < 0) {
        free(archs);
        return hr_error_set(err, 0,
                            "%s.subArchitectures[%zu]: unknown architecture "
                            "%s",
                            path, j, subs[j]);
      }
    free(out->archs);
    out->archs = archs;
    out->n_archs = n + 1;
    return 0;
  }
  return 0;
}

int hr_seccomp_default(struct hr_seccomp *out, hr_error_t *err) {
  size_t len;
  const char *text = hr_seccomp_default_json(&len);
  _cleanup_json_ json_t *doc = NULL;
  memset(out, 0, sizeof(*out));
  if (hr_json_load_buffer(text, len, "seccomp-default.json", &doc, err) < 0)
    return -1;
  if (hr_seccomp_parse(doc, "seccomp", out, err) < 0)
    return hr_error_wrap(err, "built-in seccomp-default.json");
  if (apply_arch_map(doc, out, err) < 0) {
    hr_seccomp_free(out);
    return hr_error_wrap(err, "built-in seccomp-default.json");
  }
  return 0;
}
