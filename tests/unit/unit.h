/* A tiny unit-test framework: TEST() registers a function at load time;
 * the runner prints one line per test and "N passed, N failed". */
#ifndef HRUN_UNIT_H
#define HRUN_UNIT_H

#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(void);
void unit_register(const char *name, unit_fn fn);
void unit_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Run fn in a forked child; return what it wrote to its pipe (malloc'd),
 * or "child crashed" if it did not exit 0. For tests that change process
 * state (namespaces, rlimits, fds, ids). */
char *unit_in_child(void (*fn)(int fd, void *arg), void *arg);

#define TEST(name)                                                             \
  static void test_##name(void);                                               \
  __attribute__((constructor)) static void register_##name(void) {             \
    unit_register(#name, test_##name);                                         \
  }                                                                            \
  static void test_##name(void)

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond))                                                               \
      unit_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                       \
  } while (0)

#define CHECK_INT(a, b)                                                        \
  do {                                                                         \
    long long _a = (long long)(a), _b = (long long)(b);                        \
    if (_a != _b)                                                              \
      unit_fail(__FILE__, __LINE__, "%s == %lld, expected %lld", #a, _a, _b);  \
  } while (0)

#define CHECK_STR(a, b)                                                        \
  do {                                                                         \
    const char *_a = (a), *_b = (b);                                           \
    if (!_a || !_b || strcmp(_a, _b) != 0)                                     \
      unit_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,       \
                _a ? _a : "(null)", _b ? _b : "(null)");                       \
  } while (0)

/* The error message must contain the substring. */
#define CHECK_CONTAINS(s, sub)                                                 \
  do {                                                                         \
    const char *_s = (s), *_sub = (sub);                                       \
    if (!_s || !strstr(_s, _sub))                                              \
      unit_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"",          \
                _s ? _s : "(null)", _sub);                                     \
  } while (0)

/* Helpers for tests that need files: a fresh temp dir per call. */
char *unit_tmpdir(void);
int unit_write_file(const char *path, const char *content);
char *unit_read_file(const char *path); /* malloc'd, NULL if missing */

#endif
