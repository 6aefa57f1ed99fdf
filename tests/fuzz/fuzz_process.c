/* `exec --process process.json`: hr_process_parse with path "" (and as
 * config.json's "process"), hr_process_free. */
#include <stdbool.h>

#include "fuzz.h"
#include "hrun/config.h"

static void check_strv(char **v, size_t n, bool non_empty) {
  FUZZ_CHECK(v != NULL);
  FUZZ_CHECK(v[n] == NULL);
  for (size_t i = 0; i < n; i++)
    FUZZ_CHECK(v[i] != NULL);
  if (non_empty)
    FUZZ_CHECK(n > 0);
}

static void parse_as(json_t *obj, const char *path) {
  struct hr_process p;
  hr_error_t err = NULL;
  int rc = hr_process_parse(obj, path, &p, &err);
  fuzz_check_result(rc, err);
  if (rc == 0) {
    check_strv(p.args, p.n_args, true);
    check_strv(p.env, p.n_env, false); /* never NULL after success */
    FUZZ_CHECK(p.cwd != NULL && p.cwd[0] == '/');
    for (size_t i = 0; i < p.n_rlimits; i++)
      FUZZ_CHECK(p.rlimits[i].soft <= p.rlimits[i].hard);
    for (size_t i = 0; i < p.user.n_additional_gids; i++)
      (void)p.user.additional_gids[i];
  } else {
    static const struct hr_process zero;
    FUZZ_CHECK(memcmp(&p, &zero, sizeof(p)) == 0); /* left zeroed */
    /* errors name the field: with a path, the message starts with it */
    if (*path)
      FUZZ_CHECK(strncmp(err->msg, path, strlen(path)) == 0 ||
                 strstr(err->msg, "memory") != NULL);
  }
  hr_process_free(&p);
  hr_error_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_t *root = fuzz_load_json(data, size, "process.json");
  if (!root)
    return 0;
  parse_as(root, "");
  parse_as(root, "process");
  json_decref(root);
  return 0;
}
