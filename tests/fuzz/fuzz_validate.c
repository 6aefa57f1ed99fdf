/* CLI strings: container ids (hr_validate_id) and signals
 * (hr_parse_signal). The first byte picks the function, the rest is the
 * argument. An accepted id must be safe as a path component. */
#include <ctype.h>
#include <signal.h>

#include "fuzz.h"
#include "hrun/validate.h"

static void check_id(const char *id) {
  hr_error_t err = NULL;
  int rc = hr_validate_id(id, &err);
  fuzz_check_result(rc, err);
  if (rc == 0) {
    size_t n = strlen(id);
    FUZZ_CHECK(n >= 1 && n <= 255); /* NAME_MAX: it is a directory name */
    FUZZ_CHECK(strcmp(id, ".") != 0 && strcmp(id, "..") != 0);
    for (const char *p = id; *p; p++)
      FUZZ_CHECK(isalnum((unsigned char)*p) || strchr("_+.-", *p));
  }
  hr_error_free(&err);
  /* a NULL error pointer is allowed (list uses it) */
  FUZZ_CHECK(hr_validate_id(id, NULL) == rc);
}

static void check_signal(const char *s) {
  hr_error_t err = NULL;
  int sig = -1;
  int rc = hr_parse_signal(s, &sig, &err);
  fuzz_check_result(rc, err);
  if (rc == 0)
    FUZZ_CHECK(sig >= 1 && sig <= SIGRTMAX);
  hr_error_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1)
    return 0;
  char *s = fuzz_strndup(data + 1, size - 1);
  if (data[0] & 1)
    check_signal(s);
  else
    check_id(s);
  free(s);
  return 0;
}
