/* Integers above INT64_MAX: the runtime spec's uint64 fields take them
 * (podman --ulimit host writes RLIM_INFINITY as 18446744073709551615),
 * though jansson's integers are signed. */
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>

#include "hrun/cleanup.h"
#include "hrun/config.h"
#include "hrun/json_field.h"
#include "unit.h"

static json_t *load(const char *text, hr_error_t *err) {
  json_t *j = NULL;
  if (hr_json_load_buffer(text, strlen(text), "doc", &j, err) < 0)
    return NULL;
  return j;
}

#define CONFIG_WITH(process_extra, linux_extra)                                \
  "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"                  \
  "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"" process_extra "},"            \
  "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]" linux_extra "}}"

TEST(json_big_rlimit_infinity_is_accepted) {
  static const char text[] = CONFIG_WITH(
      ",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":18446744073709551615,"
      "\"soft\":18446744073709551615},{\"type\":\"RLIMIT_NOFILE\","
      "\"hard\":9223372036854775808,\"soft\":1024}]",
      "");
  _cleanup_error_ hr_error_t err = NULL;
  _cleanup_json_ json_t *root = load(text, &err);
  CHECK(root != NULL);
  if (!root)
    return;
  struct hr_config c;
  CHECK_INT(hr_config_parse(root, &c, &err), 0);
  if (err) {
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
    return;
  }
  CHECK_INT(c.process.n_rlimits, 2);
  CHECK(c.process.rlimits[0].hard == RLIM_INFINITY);
  CHECK(c.process.rlimits[0].soft == UINT64_MAX);
  CHECK(c.process.rlimits[1].hard == UINT64_C(9223372036854775808));
  CHECK_INT(c.process.rlimits[1].soft, 1024);
  hr_config_free(&c);
}

TEST(json_big_getters) {
  _cleanup_error_ hr_error_t err = NULL;
  _cleanup_json_ json_t *j =
      load("{\"u\":18446744073709551615,\"s\":\"18446744073709551615\","
           "\"a\":[9223372036854775808]}",
           &err);
  CHECK(j != NULL);
  if (!j)
    return;
  uint64_t u = 0;
  CHECK_INT(hr_json_get_uint64(j, "x", "u", true, UINT64_MAX, &u, &err), 1);
  CHECK(u == UINT64_MAX);
  CHECK(hr_json_big_uint(json_array_get(json_object_get(j, "a"), 0), &u));
  CHECK(u == UINT64_C(9223372036854775808));

  CHECK_INT(hr_json_get_uint64(j, "x", "u", true, UINT32_MAX, &u, &err), -1);
  CHECK_STR(hr_error_msg(err),
            "x.u: value 18446744073709551615 out of range [0, 4294967295]");
  hr_error_free(&err);

  int64_t i;
  CHECK_INT(hr_json_get_int64(j, "x", "u", true, -1, INT64_MAX, &i, &err), -1);
  CHECK_STR(hr_error_msg(err), "x.u: value 18446744073709551615 out of range "
                               "[-1, 9223372036854775807]");
  hr_error_free(&err);

  char *str = NULL;
  CHECK_INT(hr_json_get_string(j, "x", "u", true, &str, &err), -1);
  CHECK_STR(hr_error_msg(err), "x.u: must be a string");
  hr_error_free(&err);

  /* digits in a string stay a string */
  CHECK_INT(hr_json_get_uint64(j, "x", "s", true, UINT64_MAX, &u, &err), -1);
  CHECK_STR(hr_error_msg(err), "x.s: must be an integer");
  hr_error_free(&err);
  CHECK_INT(hr_json_get_string(j, "x", "s", true, &str, &err), 1);
  CHECK_STR(str, "18446744073709551615");
  free(str);
}

TEST(json_big_in_config_fields) {
  static const struct {
    const char *text, *want;
  } cases[] = {
      {CONFIG_WITH("", ",\"resources\":{\"memory\":{\"limit\":"
                       "9223372036854775808}}"),
       "linux.resources.memory.limit: value 9223372036854775808 out of range"},
      {CONFIG_WITH(",\"user\":{\"uid\":18446744073709551615}", ""),
       "process.user.uid: value 18446744073709551615 out of range [0, "
       "4294967294]"},
      {"{\"ociVersion\":18446744073709551615}", "ociVersion: must be a string"},
      {CONFIG_WITH(",\"env\":[18446744073709551615]", ""),
       "process.env[0]: must be a string"},
  };
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    _cleanup_error_ hr_error_t err = NULL;
    _cleanup_json_ json_t *root = load(cases[k].text, &err);
    CHECK(root != NULL);
    if (!root)
      continue;
    struct hr_config c;
    CHECK_INT(hr_config_parse(root, &c, &err), -1);
    CHECK_CONTAINS(hr_error_msg(err), cases[k].want);
  }
}

TEST(json_big_beyond_uint64_is_refused) {
  _cleanup_error_ hr_error_t err = NULL;
  CHECK(load("{\"a\": 18446744073709551616}", &err) == NULL);
  CHECK_STR(hr_error_msg(err),
            "doc: invalid JSON at line 1 column 26: too big integer near "
            "'18446744073709551616'");
  hr_error_free(&err);
  CHECK(load("{\"a\": -9223372036854775809}", &err) == NULL);
  CHECK_CONTAINS(hr_error_msg(err), "too big negative integer");
}

/* The rewrite makes the text jansson sees longer; errors after it on the
 * same line must still point into the document as written. */
TEST(json_big_error_column_is_the_documents) {
  _cleanup_error_ hr_error_t e1 = NULL, e2 = NULL;
  /* the same length, once as a big number and once as a plain string */
  CHECK(load("{\"a\":18446744073709551615,\"b\":x}", &e1) == NULL);
  CHECK(load("{\"a\":\"123456789012345678\",\"b\":x}", &e2) == NULL);
  CHECK_STR(hr_error_msg(e1), hr_error_msg(e2));
  CHECK_CONTAINS(hr_error_msg(e1), "line 1 column 31: invalid token near 'x'");
}

/* The rewrite relies on NUL never coming from the document itself. */
TEST(json_nul_escape_is_refused) {
  _cleanup_error_ hr_error_t err = NULL;
  CHECK(load("{\"a\":\n \"x\\u0000\"}", &err) == NULL);
  CHECK_STR(hr_error_msg(err),
            "doc: invalid JSON at line 2 column 4: \\u0000 is not allowed");
  hr_error_free(&err);
  /* an escaped backslash before "u0000" is text */
  _cleanup_json_ json_t *j = load("{\"a\":\"\\\\u0000\"}", &err);
  CHECK(j != NULL);
  CHECK_STR(json_string_value(json_object_get(j, "a")), "\\u0000");
}
