#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/container_setup.h"
#include "hrun/log.h"
#include "hrun/seccomp_cache.h"

/* Compile s (the default profile, parsed only on a miss, when s is NULL),
 * or take the filter compiled earlier from the same source text for the
 * same bounding set. */
static int compile_cached(const struct hr_seccomp *s, const char *source,
                          size_t source_len, uint64_t bounding,
                          const char *cache_dir,
                          struct hr_seccomp_program *prog, hr_error_t *err) {
  size_t klen = 0;
  _cleanup_free_ char *key =
      source ? hr_seccomp_cache_key(source, source_len, bounding, &klen) : NULL;
  if (key && hr_seccomp_cache_load(cache_dir, key, klen, prog) == 1)
    return 0;
  struct hr_seccomp def = {0};
  if (!s && hr_seccomp_default(&def, err) < 0)
    return -1;
  int r = hr_seccomp_compile(s ? s : &def, bounding, prog, err);
  hr_seccomp_free(&def);
  if (r == 0 && key)
    hr_seccomp_cache_store(cache_dir, key, klen, prog);
  return r;
}

int hr_seccomp_prepare(const struct hr_config *cfg,
                       struct hr_seccomp_program *prog, bool *have,
                       hr_error_t *err) {
  return hr_seccomp_prepare_cached(cfg, NULL, prog, have, err);
}

int hr_seccomp_prepare_cached(const struct hr_config *cfg,
                              const char *cache_dir,
                              struct hr_seccomp_program *prog, bool *have,
                              hr_error_t *err) {
  *have = false;
  const char *opt = hr_annotation_get(cfg, HR_ANNOTATION_SECCOMP);
  if (opt && strcmp(opt, "unconfined") != 0)
    return hr_error_set(err, 0,
                        "annotations: " HR_ANNOTATION_SECCOMP
                        ": unknown value \"%s\" (only \"unconfined\")",
                        opt);
  uint64_t bounding = cfg->process.has_caps ? cfg->process.caps.bounding : 0;
  if (cfg->linux.has_seccomp) {
    if (opt)
      return hr_error_set(err, 0,
                          "annotations: " HR_ANNOTATION_SECCOMP
                          "=unconfined conflicts with linux.seccomp");
    json_t *src =
        json_object_get(json_object_get(cfg->raw, "linux"), "seccomp");
    _cleanup_free_ char *text =
        src ? json_dumps(src, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (compile_cached(&cfg->linux.seccomp, text, text ? strlen(text) : 0,
                       bounding, cache_dir, prog, err) < 0)
      return hr_error_wrap(err, "config.json: linux.seccomp");
    *have = true;
    return 0;
  }
  if (opt) {
    hr_log_debug("seccomp: unconfined by annotation");
    return 0;
  }
  size_t dlen = 0;
  const char *dtext = hr_seccomp_default_json(&dlen);
  int r = compile_cached(NULL, dtext, dlen, bounding, cache_dir, prog, err);
  if (r < 0)
    return hr_error_wrap(err, "default seccomp profile");
  *have = true;
  return 0;
}
