#include "hrun/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Allocation failure while reporting an error must not lose the error:
 * fall back to a static message that is never freed. */
static char oom_msg[] = "out of memory while formatting an error";

static void error_replace(hr_error_t *err, int errnum, char *msg) {
  if (!err) {
    if (msg != oom_msg)
      free(msg);
    return;
  }
  hr_error_free(err);
  struct hr_error *e = calloc(1, sizeof(*e));
  if (!e) {
    if (msg != oom_msg)
      free(msg);
    return;
  }
  e->errnum = errnum;
  e->msg = msg ? msg : oom_msg;
  *err = e;
}

int hr_error_setv(hr_error_t *err, int errnum, const char *fmt, va_list ap) {
  char *base = NULL, *msg = NULL;
  if (vasprintf(&base, fmt, ap) < 0)
    base = NULL;
  if (base && errnum) {
    if (asprintf(&msg, "%s: %s", base, strerror(errnum)) < 0)
      msg = NULL;
    free(base);
  } else {
    msg = base;
  }
  error_replace(err, errnum, msg);
  return -1;
}

int hr_error_set(hr_error_t *err, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hr_error_setv(err, errnum, fmt, ap);
  va_end(ap);
  return -1;
}

int hr_error_set_errno(hr_error_t *err, int errnum, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hr_error_setv(err, 0, fmt, ap);
  va_end(ap);
  if (err && *err)
    (*err)->errnum = errnum;
  return -1;
}

int hr_error_wrap(hr_error_t *err, const char *fmt, ...) {
  if (!err || !*err)
    return -1;
  char *ctx = NULL, *msg = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&ctx, fmt, ap) < 0)
    ctx = NULL;
  va_end(ap);
  if (!ctx)
    return -1;
  if (asprintf(&msg, "%s: %s", ctx, hr_error_msg(*err)) >= 0) {
    if ((*err)->msg != oom_msg)
      free((*err)->msg);
    (*err)->msg = msg;
  }
  free(ctx);
  return -1;
}

void hr_error_free(hr_error_t *err) {
  if (!err || !*err)
    return;
  if ((*err)->msg != oom_msg)
    free((*err)->msg);
  free(*err);
  *err = NULL;
}
