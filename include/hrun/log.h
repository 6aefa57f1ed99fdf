/* Logging in runc's formats. Errors always reach stderr as one line; with
 * --log they are also written to the log file, as text or as JSON lines
 * {"level":"error","msg":...,"time":...} that containerd and podman read. */
#ifndef HRUN_LOG_H
#define HRUN_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "hrun/error.h"

enum hr_log_format { HR_LOG_TEXT, HR_LOG_JSON };

/* Opens (creating) the log file even when nothing is logged: callers
 * such as containerd expect it to exist. path may be NULL. */
int hr_log_init(const char *path, enum hr_log_format format, bool debug,
                hr_error_t *err);
int hr_log_parse_format(const char *s, enum hr_log_format *out,
                        hr_error_t *err);

void hr_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hr_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hr_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Now in UTC as RFC 3339 with nanoseconds, the timestamps runc writes in
 * log lines, state and events. */
void hr_rfc3339_now(char *buf, size_t n);

/* The log fd, so the container init can report through the same file. */
int hr_log_fd(void);

#endif
