/* Error objects: an errno plus a message, with context prepended as the
 * error propagates up ("create: rootfs: mount /proc: Permission denied"). */
#ifndef HRUN_ERROR_H
#define HRUN_ERROR_H

#include <stdarg.h>

typedef struct hr_error *hr_error_t;

struct hr_error {
  int errnum; /* 0 when the failure is not an OS error */
  char *msg;
};

/* Set *err to a new error and return -1, so callers can
 * `return hr_error_set(err, errno, "open %s", path);`.
 * When errnum != 0, ": strerror(errnum)" is appended. */
int hr_error_set(hr_error_t *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int hr_error_setv(hr_error_t *err, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Like hr_error_set, but the errno is only recorded, not appended as text:
 * for errors whose message already says it ("... does not exist"). */
int hr_error_set_errno(hr_error_t *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend "context: " to an existing error. Returns -1. */
int hr_error_wrap(hr_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void hr_error_free(hr_error_t *err);

static inline const char *hr_error_msg(hr_error_t err) {
  return err && err->msg ? err->msg : "unknown error";
}
static inline int hr_error_errno(hr_error_t err) {
  return err ? err->errnum : 0;
}

#endif
