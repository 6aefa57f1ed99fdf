#include "hrun/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hrun/cleanup.h"

static int log_fd = -1;
static enum hr_log_format log_format = HR_LOG_TEXT;
static bool log_debug;

int hr_log_parse_format(const char *s, enum hr_log_format *out,
                        hr_error_t *err) {
  if (!strcmp(s, "text"))
    *out = HR_LOG_TEXT;
  else if (!strcmp(s, "json"))
    *out = HR_LOG_JSON;
  else
    return hr_error_set(
        err, 0, "--log-format: unknown format \"%s\" (text or json)", s);
  return 0;
}

int hr_log_init(const char *path, enum hr_log_format format, bool debug,
                hr_error_t *err) {
  log_format = format;
  log_debug = debug;
  if (!path || !*path)
    return 0;
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    return hr_error_set(err, errno, "--log: open %s", path);
  if (log_fd >= 0)
    close(log_fd);
  log_fd = fd;
  return 0;
}

int hr_log_fd(void) { return log_fd; }

void hr_rfc3339_now(char *buf, size_t n) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  /* not strftime: it calls tzset, which reads /etc/localtime for nothing */
  snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
           ts.tv_nsec);
}

static void write_all(int fd, const char *s, size_t len) {
  while (len > 0) {
    ssize_t w = write(fd, s, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return;
    s += w;
    len -= (size_t)w;
  }
}

static void log_to_file(const char *level, const char *msg) {
  if (log_fd < 0)
    return;
  char ts[64];
  hr_rfc3339_now(ts, sizeof(ts));
  if (log_format == HR_LOG_JSON) {
    _cleanup_json_ json_t *o =
        json_pack("{s:s,s:s,s:s}", "level", level, "msg", msg, "time", ts);
    _cleanup_free_ char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (!line)
      return;
    size_t len = strlen(line);
    line[len] = '\n'; /* reuse the NUL slot for the newline */
    write_all(log_fd, line, len + 1);
  } else {
    _cleanup_free_ char *line = NULL;
    int len =
        asprintf(&line, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level, msg);
    if (len > 0)
      write_all(log_fd, line, (size_t)len);
  }
}

__attribute__((format(printf, 3, 0))) static void
vlog(const char *level, bool to_stderr, const char *fmt, va_list ap) {
  _cleanup_free_ char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0)
    return;
  /* one line per message: fold embedded newlines */
  for (char *p = msg; *p; p++)
    if (*p == '\n')
      *p = ' ';
  log_to_file(level, msg);
  if (to_stderr) {
    _cleanup_free_ char *line = NULL;
    int len = asprintf(&line, "hrun: %s\n", msg);
    if (len > 0)
      write_all(STDERR_FILENO, line, (size_t)len);
  }
}

void hr_log_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("error", true, fmt, ap);
  va_end(ap);
}

void hr_log_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("warning", log_fd < 0, fmt, ap);
  va_end(ap);
}

void hr_log_debug(const char *fmt, ...) {
  if (!log_debug)
    return;
  va_list ap;
  va_start(ap, fmt);
  vlog("debug", log_fd < 0, fmt, ap);
  va_end(ap);
}
