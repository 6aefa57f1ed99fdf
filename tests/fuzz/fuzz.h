/* Shared helpers of the fuzz targets (tests/fuzz/fuzz_*.c).
 *
 * Each target defines LLVMFuzzerTestOneInput. It is linked either with
 * libFuzzer (`make fuzz`, clang, ASan+UBSan) or with regress_main.c
 * (`make fuzz-regress`, the normal compiler), which replays the corpus once.
 * A violated invariant aborts, which both drivers report as a crash. */
#ifndef HRUN_FUZZ_H
#define HRUN_FUZZ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/error.h"
#include "hrun/json_field.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__,   \
              #cond);                                                          \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* The error contract: a failure (-1) leaves a non-empty message, a success
 * (0, or 1 for "present") leaves no error object. */
static inline void fuzz_check_result(int rc, hr_error_t err) {
  if (rc < 0) {
    FUZZ_CHECK(err != NULL);
    FUZZ_CHECK(err->msg != NULL && err->msg[0] != '\0');
  } else {
    FUZZ_CHECK(err == NULL);
  }
}

/* The input as a JSON document, through the same loader (size and depth
 * caps) as config.json. NULL when it does not parse. */
static inline json_t *fuzz_load_json(const uint8_t *data, size_t size,
                                     const char *what) {
  hr_error_t err = NULL;
  json_t *j = NULL;
  int rc = hr_json_load_buffer((const char *)data, size, what, &j, &err);
  fuzz_check_result(rc, err);
  FUZZ_CHECK((rc == 0) == (j != NULL));
  hr_error_free(&err);
  return j;
}

/* A NUL-terminated copy of the input (embedded NULs end the string, as
 * they would on a command line). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s)
    abort();
  memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

#endif
