#include "hrun/validate.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The id names a directory (the state dir, the cgroup "hrun/ID"): longer
 * than NAME_MAX it could only fail later, with a 1000-character message. */
#define ID_MAX_LEN 255

int hr_validate_id(const char *id, hr_error_t *err) {
  if (!id || !*id)
    return hr_error_set(err, 0, "container id cannot be empty");
  size_t len = strlen(id);
  if (len > ID_MAX_LEN)
    return hr_error_set(err, 0, "invalid container id: longer than %d bytes",
                        ID_MAX_LEN);
  if (!strcmp(id, ".") || !strcmp(id, ".."))
    return hr_error_set(err, 0, "invalid container id format: %s", id);
  for (const char *p = id; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if (!isalnum(c) && c != '_' && c != '+' && c != '.' && c != '-')
      return hr_error_set(err, 0, "invalid container id format: %s", id);
  }
  return 0;
}

static const struct {
  const char *name;
  int sig;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},
    {"ILL", SIGILL},   {"TRAP", SIGTRAP},     {"ABRT", SIGABRT},
    {"IOT", SIGIOT},   {"BUS", SIGBUS},       {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},
    {"TERM", SIGTERM}, {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"STOP", SIGSTOP},     {"TSTP", SIGTSTP},
    {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF}, {"WINCH", SIGWINCH},   {"IO", SIGIO},
    {"POLL", SIGPOLL}, {"PWR", SIGPWR},       {"SYS", SIGSYS},
};

static int parse_num(const char *s, long *out) {
  if (!*s || !isdigit((unsigned char)*s))
    return -1;
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end)
    return -1;
  *out = v;
  return 0;
}

int hr_parse_signal(const char *s, int *sig, hr_error_t *err) {
  long n;
  if (!s || !*s)
    return hr_error_set(err, 0, "invalid signal: empty");
  if (parse_num(s, &n) == 0) {
    if (n < 1 || n > SIGRTMAX)
      return hr_error_set(err, 0, "invalid signal: %s", s);
    *sig = (int)n;
    return 0;
  }
  const char *name = s;
  if (!strncasecmp(name, "SIG", 3))
    name += 3;
  for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
    if (!strcasecmp(name, signals[i].name)) {
      *sig = signals[i].sig;
      return 0;
    }
  }
  /* RTMIN, RTMIN+N, RTMAX, RTMAX-N */
  if (!strncasecmp(name, "RTMIN", 5) || !strncasecmp(name, "RTMAX", 5)) {
    bool min = !strncasecmp(name, "RTMIN", 5);
    const char *rest = name + 5;
    long off = 0;
    if (*rest) {
      if ((min && *rest != '+') || (!min && *rest != '-') ||
          parse_num(rest + 1, &off) < 0)
        return hr_error_set(err, 0, "invalid signal: %s", s);
    }
    long v = min ? SIGRTMIN + off : SIGRTMAX - off;
    if (v < SIGRTMIN || v > SIGRTMAX)
      return hr_error_set(err, 0, "invalid signal: %s", s);
    *sig = (int)v;
    return 0;
  }
  return hr_error_set(err, 0, "invalid signal: %s", s);
}
