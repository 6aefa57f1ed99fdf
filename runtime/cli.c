#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cli.h"
#include "hrun/log.h"
#include "hrun/validate.h"

int hr_cli_fail(hr_error_t *err) {
  hr_log_error("%s", hr_error_msg(*err));
  hr_error_free(err);
  return 1;
}

int hr_cli_usage_error(const char *cmd, const char *fmt, ...) {
  char *msg = NULL;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&msg, fmt, ap) < 0)
    msg = NULL;
  va_end(ap);
  hr_log_error("%s: %s", cmd, msg ? msg : "usage error");
  free(msg);
  return 1;
}

int hr_cli_parse_int(const char *flag, const char *s, int *out,
                     hr_error_t *err) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *end || end == s || v < 0 || v > 1 << 20)
    return hr_error_set(err, 0, "%s: invalid value \"%s\"", flag, s);
  *out = (int)v;
  return 0;
}

int hr_cli_getopt(const char *cmd, int argc, char **argv,
                  const struct option *opts) {
  (void)cmd;
  opterr = 0;
  /* short options are spelled out per command; "h" is help everywhere */
  char shorts[64] = "+h";
  size_t n = 2;
  for (const struct option *o = opts; o->name && n < sizeof(shorts) - 2; o++)
    if (o->val > 0 && o->val < 128 && o->val != 'h') {
      shorts[n++] = (char)o->val;
      if (o->has_arg == required_argument)
        shorts[n++] = ':';
    }
  shorts[n] = 0;
  int c = getopt_long_only(argc, argv, shorts, opts, NULL);
  if (c == '?' || c == ':')
    hr_cli_usage_error(cmd, "unknown flag or missing value: \"%s\"",
                       argv[optind - 1]);
  return c;
}

int hr_cli_id_only(const char *cmd, int argc, char **argv, const char **id) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  *id = NULL;
  optind = 0;
  int c = hr_cli_getopt(cmd, argc, argv, opts);
  if (c == 'h') {
    hr_cli_print_help(cmd);
    return 0;
  }
  if (c != -1)
    return 1;
  return hr_cli_take_id(cmd, argc, argv, id) ? 1 : 0;
}

int hr_cli_take_id(const char *cmd, int argc, char **argv, const char **id) {
  if (optind >= argc)
    return hr_cli_usage_error(cmd, "missing container id");
  if (argc - optind > 1)
    return hr_cli_usage_error(cmd, "unexpected argument \"%s\"",
                              argv[optind + 1]);
  hr_error_t err = NULL;
  if (hr_validate_id(argv[optind], &err) < 0)
    return hr_cli_fail(&err);
  *id = argv[optind];
  return 0;
}
