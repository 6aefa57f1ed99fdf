/* hr_mount_options_parse on raw option lists: the input is split at '\n'
 * into a mount type (first line) and options (the other lines). Parsing
 * twice gives the same result, no flag is both set and cleared, and errors
 * name the option's JSON path. */
#include <stdbool.h>
#include <sys/mount.h>

#include "fuzz.h"
#include "hrun/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *buf = fuzz_strndup(data, size);
  size_t n = 0;
  for (char *p = buf; *p; p++)
    n += *p == '\n';
  char **opts = calloc(n + 2, sizeof(*opts));
  if (!opts)
    abort();
  char *save = NULL, *type = NULL;
  size_t k = 0;
  char *line = strtok_r(buf, "\n", &save);
  if (line) {
    type = line;
    while ((line = strtok_r(NULL, "\n", &save)))
      opts[k++] = line;
  }
  struct hr_mount m = {0};
  m.destination = "/mnt";
  m.type = type && strcmp(type, "-") ? type : NULL;
  m.options = opts;
  m.n_options = k;
  hr_error_t err = NULL;
  int rc = hr_mount_options_parse(&m, "mounts[0]", &err);
  fuzz_check_result(rc, err);
  if (rc == 0) {
    unsigned long flags = m.flags, clear = m.clear_flags, prop = m.propagation;
    char *d = m.data ? strdup(m.data) : NULL;
    FUZZ_CHECK((flags & clear) == 0); /* set and cleared at once */
    if (m.recursive)
      FUZZ_CHECK(m.bind && (m.flags & MS_REC));
    if (m.bind)
      FUZZ_CHECK(m.flags & MS_BIND);
    rc = hr_mount_options_parse(&m, "mounts[0]", &err);
    FUZZ_CHECK(rc == 0 && err == NULL);
    FUZZ_CHECK(flags == m.flags && clear == m.clear_flags &&
               prop == m.propagation);
    FUZZ_CHECK((d == NULL) == (m.data == NULL));
    FUZZ_CHECK(!d || strcmp(d, m.data) == 0);
    free(d);
  } else {
    FUZZ_CHECK(strncmp(err->msg, "mounts[0].options[", 18) == 0);
  }
  free(m.data);
  hr_error_free(&err);
  free(opts);
  free(buf);
  return 0;
}
