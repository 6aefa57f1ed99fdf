/* config.json: the loader (size/depth caps), hr_config_parse with all its
 * section parsers and cross-checks, and hr_config_free. On success the
 * documented guarantees of struct hr_config must hold. */
#include <stdbool.h>

#include "fuzz.h"
#include "hrun/config.h"

static bool has_dotdot(const char *p) {
  for (const char *s = p; (s = strstr(s, "..")) != NULL; s += 2)
    if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
      return true;
  return false;
}

static void check_strv(char **v, size_t n, bool non_empty) {
  FUZZ_CHECK(v != NULL);
  FUZZ_CHECK(v[n] == NULL);
  for (size_t i = 0; i < n; i++)
    FUZZ_CHECK(v[i] != NULL);
  if (non_empty)
    FUZZ_CHECK(n > 0);
}

static void check_process(const struct hr_process *p) {
  check_strv(p->args, p->n_args, true);
  check_strv(p->env, p->n_env, false);
  FUZZ_CHECK(p->cwd != NULL && p->cwd[0] == '/');
  for (size_t i = 0; i < p->n_rlimits; i++)
    FUZZ_CHECK(p->rlimits[i].soft <= p->rlimits[i].hard);
}

static void check_mount(struct hr_mount *m) {
  FUZZ_CHECK(m->destination != NULL);
  FUZZ_CHECK(m->destination[0] == '/');
  FUZZ_CHECK(!has_dotdot(m->destination));
  if (m->n_options)
    check_strv(m->options, m->n_options, false);
  /* re-deriving the flags gives the same result (documented idempotent) */
  unsigned long flags = m->flags, clear = m->clear_flags, prop = m->propagation;
  bool bind = m->bind, rec = m->recursive;
  char *data = m->data ? strdup(m->data) : NULL;
  hr_error_t err = NULL;
  int rc = hr_mount_options_parse(m, "mounts[0]", &err);
  fuzz_check_result(rc, err);
  FUZZ_CHECK(rc == 0);
  FUZZ_CHECK(flags == m->flags && clear == m->clear_flags &&
             prop == m->propagation && bind == m->bind && rec == m->recursive);
  FUZZ_CHECK((data == NULL) == (m->data == NULL));
  FUZZ_CHECK(!data || strcmp(data, m->data) == 0);
  free(data);
}

static void check_config(struct hr_config *c) {
  if (c->has_process)
    check_process(&c->process);
  for (size_t i = 0; i < c->n_mounts; i++)
    check_mount(&c->mounts[i]);
  const struct hr_linux *l = &c->linux;
  const struct hr_namespace *user = &l->ns[HR_NS_USER];
  if (user->present && !user->path)
    FUZZ_CHECK(l->n_uid_mappings > 0 && l->n_gid_mappings > 0);
  if (!user->present)
    FUZZ_CHECK(l->n_uid_mappings == 0 && l->n_gid_mappings == 0);
  for (size_t i = 0; i < l->n_devices; i++) {
    FUZZ_CHECK(l->devices[i].path && l->devices[i].path[0] == '/');
    FUZZ_CHECK(!has_dotdot(l->devices[i].path));
  }
  for (size_t i = 0; i < l->n_masked_paths; i++)
    FUZZ_CHECK(l->masked_paths[i] && l->masked_paths[i][0] == '/');
  for (size_t i = 0; i < l->n_readonly_paths; i++)
    FUZZ_CHECK(l->readonly_paths[i] && l->readonly_paths[i][0] == '/');
  FUZZ_CHECK(c->raw != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *root = fuzz_load_json(data, size, "config.json");
  if (!root)
    return 0;
  struct hr_config c;
  hr_error_t err = NULL;
  int rc = hr_config_parse(root, &c, &err);
  fuzz_check_result(rc, err);
  if (rc == 0) {
    check_config(&c);
  } else {
    /* "On failure *out is left zeroed" */
    static const struct hr_config zero;
    FUZZ_CHECK(memcmp(&c, &zero, sizeof(c)) == 0);
  }
  hr_config_free(&c);
  hr_config_free(&c); /* documented harmless */
  hr_error_free(&err);
  json_decref(root);
  return 0;
}
