/* The event log STATE/ID/events.jsonl: one JSON object per line, appended
 * with one write(2) each, rotated once to events.jsonl.1 when full, so at
 * most 2 * HR_EVENT_LOG_MAX bytes are kept. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/log.h"
#include "hrun/monitor.h"
#include "hrun/state.h"

static int open_log(int dirfd) {
  return openat(dirfd, HR_EVENT_LOG,
                O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
}

int hr_event_log_append(int state_dirfd, const char *type, const char *id,
                        const char *data_json, hr_error_t *err) {
  char now[64];
  hr_rfc3339_now(now, sizeof(now));
  _cleanup_free_ char *line = NULL;
  int len = asprintf(
      &line, "{\"time\":\"%s\",\"type\":\"%s\",\"id\":\"%s\"%s%s}\n", now, type,
      id, data_json ? ",\"data\":" : "", data_json ? data_json : "");
  if (len < 0) {
    line = NULL;
    return hr_error_set(err, ENOMEM, "event log");
  }
  _cleanup_close_ int fd = open_log(state_dirfd);
  if (fd < 0)
    return hr_error_set(err, errno, "open %s", HR_EVENT_LOG);
  struct stat st;
  if (fstat(fd, &st) == 0 &&
      (uint64_t)st.st_size + (uint64_t)len > HR_EVENT_LOG_MAX &&
      st.st_size > 0) {
    if (renameat(state_dirfd, HR_EVENT_LOG, state_dirfd, HR_EVENT_LOG_OLD) < 0)
      return hr_error_set(err, errno, "rotate %s", HR_EVENT_LOG);
    close(fd);
    fd = open_log(state_dirfd);
    if (fd < 0)
      return hr_error_set(err, errno, "open %s", HR_EVENT_LOG);
  }
  ssize_t w;
  do
    w = write(fd, line, (size_t)len);
  while (w < 0 && errno == EINTR);
  if (w != len)
    return hr_error_set(err, w < 0 ? errno : EIO, "write %s", HR_EVENT_LOG);
  return 0;
}

char *hr_monitor_oom_data(const struct hr_monitor_event *ev) {
  char *s = NULL;
  if (asprintf(&s,
               "{\"oomKills\":%" PRIu64 ",\"new\":%" PRIu64 ",\"time\":\"%s\"}",
               ev->oom_kills, ev->new_kills, ev->time) < 0)
    return NULL;
  return s;
}
