/* Command-line commands. Each parses its own flags (runc's spelling, with
 * one or two dashes) and returns the process exit code. */
#ifndef HRUN_CLI_H
#define HRUN_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>

#include "hrun/container.h"

#define HRUN_VERSION "0.1.0"

struct hr_command {
  const char *name;
  int (*run)(struct hr_globals *g, int argc, char **argv);
  const char *usage;   /* "hrun kill [--all] ID [SIGNAL]" */
  const char *summary; /* one line */
};

extern const struct hr_command hr_commands[];

/* Print the error to stderr and the log, return exit code 1. */
int hr_cli_fail(hr_error_t *err);
/* Usage error: names the flag or argument. Exit code 1 like runc. */
int hr_cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Standard -h/--help handling; returns true when help was printed. */
void hr_cli_print_help(const char *cmd);
/* Parse a non-negative integer flag value. */
int hr_cli_parse_int(const char *flag, const char *s, int *out,
                     hr_error_t *err);
/* getopt_long_only with runc's conventions, resetting getopt first.
 * Returns like getopt; unknown flags print an error naming the flag. */
int hr_cli_getopt(const char *cmd, int argc, char **argv,
                  const struct option *opts);
/* Exactly one container id as the remaining argument, validated. */
int hr_cli_take_id(const char *cmd, int argc, char **argv, const char **id);
/* The arguments of a command whose only flag is --help, then one id:
 * 0 with *id set, or with *id NULL after printing the help; 1 on an error. */
int hr_cli_id_only(const char *cmd, int argc, char **argv, const char **id);
/* A memory size as runc's flags take it: bytes, "512m", "1.5g", "2GiB"
 * (binary multiples k..p, case-insensitive). 0 or -1 on a bad value. */
int hr_cli_parse_ram(const char *s, int64_t *out);

int hr_cmd_create(struct hr_globals *g, int argc, char **argv);
int hr_cmd_run(struct hr_globals *g, int argc, char **argv);
int hr_cmd_start(struct hr_globals *g, int argc, char **argv);
int hr_cmd_exec(struct hr_globals *g, int argc, char **argv);
int hr_cmd_state(struct hr_globals *g, int argc, char **argv);
int hr_cmd_list(struct hr_globals *g, int argc, char **argv);
int hr_cmd_kill(struct hr_globals *g, int argc, char **argv);
int hr_cmd_delete(struct hr_globals *g, int argc, char **argv);
int hr_cmd_spec(struct hr_globals *g, int argc, char **argv);
int hr_cmd_features(struct hr_globals *g, int argc, char **argv);
int hr_cmd_ps(struct hr_globals *g, int argc, char **argv);
int hr_cmd_pause(struct hr_globals *g, int argc, char **argv);
int hr_cmd_resume(struct hr_globals *g, int argc, char **argv);
int hr_cmd_events(struct hr_globals *g, int argc, char **argv);
int hr_cmd_stats(struct hr_globals *g, int argc, char **argv);
int hr_cmd_profile(struct hr_globals *g, int argc, char **argv);
int hr_cmd_audit(struct hr_globals *g, int argc, char **argv);
int hr_cmd_update(struct hr_globals *g, int argc, char **argv);

#endif
