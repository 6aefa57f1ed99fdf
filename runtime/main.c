/* hrun: global flags (runc's), then one command. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/log.h"
#include "hrun/self_exe.h"
#include "hrun/state.h"

const struct hr_command hr_commands[] = {
    {"create", hr_cmd_create,
     "hrun create [--bundle DIR] [--pid-file F] [--console-socket S] "
     "[--no-pivot] [--no-new-keyring] [--preserve-fds N] "
     "[--profile NAME [--force]] ID",
     "create a container; its program waits for start"},
    {"start", hr_cmd_start, "hrun start ID",
     "run the program of a created container"},
    {"run", hr_cmd_run,
     "hrun run [--bundle DIR] [-d] [--pid-file F] [--console-socket S] "
     "[--no-pivot] [--no-new-keyring] [--preserve-fds N] "
     "[--profile NAME [--force]] ID\n"
     "       hrun run [--id ID] [-d] [--profile NAME|none] [--force] "
     "BUNDLE_DIR\n"
     "       (the BUNDLE_DIR form applies the hardened profile by default)",
     "create and start a container"},
    {"exec", hr_cmd_exec,
     "hrun exec [-p FILE] [-t] [-d] [--console-socket S] [--pid-file F] "
     "[--preserve-fds N] [--cwd DIR] [-e K=V]... [-u UID[:GID]] [-g GID]... "
     "[-c CAP]... [--no-new-privs] [--ignore-paused] ID [COMMAND [ARGS...]]",
     "run a process inside a running container"},
    {"state", hr_cmd_state, "hrun state ID", "print a container's state"},
    {"list", hr_cmd_list, "hrun list [--format table|json] [-q]",
     "list containers"},
    {"kill", hr_cmd_kill, "hrun kill [--all] ID [SIGNAL]",
     "send a signal (default SIGTERM) to a container"},
    {"delete", hr_cmd_delete, "hrun delete [--force] ID",
     "delete a container and everything it holds"},
    {"ps", hr_cmd_ps, "hrun ps [--format table|json] ID",
     "list the processes of a container"},
    {"pause", hr_cmd_pause, "hrun pause ID", "freeze a container"},
    {"resume", hr_cmd_resume, "hrun resume ID", "thaw a paused container"},
    {"events", hr_cmd_events, "hrun events [--stats] [--interval DURATION] ID",
     "stream stats, OOM and exit events of a container (JSON lines)"},
    {"stats", hr_cmd_stats,
     "hrun stats [--no-stream] [--format table|json] [ID...]",
     "live CPU, memory, pids and block I/O of running containers"},
    {"update", hr_cmd_update,
     "hrun update [--resources FILE|-] [--memory N] [--memory-swap N] "
     "[--memory-reservation N] [--cpu-shares N] [--cpu-quota N] "
     "[--cpu-period N] [--cpu-burst N] [--cpu-idle 0|1] [--cpuset-cpus L] "
     "[--cpuset-mems L] [--pids-limit N] [--blkio-weight N] ID\n"
     "       (memory sizes take k, m, g suffixes; -1 is unlimited)",
     "change the resource limits of a container"},
    {"spec", hr_cmd_spec,
     "hrun spec [--bundle DIR] [--rootless] [--profile NAME]",
     "write a config.json (hardened profile by default)"},
    {"features", hr_cmd_features, "hrun features",
     "print what this runtime supports (JSON)"},
    {"profile", hr_cmd_profile, "hrun profile list | show [--raw] NAME",
     "list the hardening profiles or print one (JSON)"},
    {"audit", hr_cmd_audit,
     "hrun audit [--format text|json] [--min-score N] "
     "[--profile NAME [--force]] [BUNDLE]\n"
     "       exit 2 when the score is below --min-score",
     "check a bundle's config against the hardened baseline"},
    {NULL, NULL, NULL, NULL},
};

static void print_usage(FILE *f) {
  fputs("usage: hrun [global flags] COMMAND [flags] [args]\n\n"
        "A minimal OCI container runtime, sandboxed by default.\n\n"
        "Commands:\n",
        f);
  for (const struct hr_command *c = hr_commands; c->name; c++)
    fprintf(f, "  %-9s %s\n", c->name, c->summary);
  fputs("\nGlobal flags:\n"
        "  --root DIR          state directory (default " HR_DEFAULT_ROOT ")\n"
        "  --log FILE          log file (created even when empty)\n"
        "  --log-format FMT    text or json\n"
        "  --debug             debug logging\n"
        "  --systemd-cgroup    use the systemd cgroup driver\n"
        "  -v, --version       print the version\n"
        "  -h, --help          this help; COMMAND --help for a command\n",
        f);
}

void hr_cli_print_help(const char *cmd) {
  for (const struct hr_command *c = hr_commands; c->name; c++)
    if (!strcmp(c->name, cmd)) {
      printf("usage: %s\n\n%s\n", c->usage, c->summary);
      return;
    }
}

int main(int argc, char **argv) {
  struct hr_globals g = {.root = HR_DEFAULT_ROOT};
  const char *log_format = "text";
  g.cgroup_root = getenv("HRUN_CGROUP_ROOT");
  if (!g.cgroup_root)
    g.cgroup_root = "/sys/fs/cgroup";
  enum {
    O_ROOT = 256,
    O_LOG,
    O_LOGFMT,
    O_DEBUG,
    O_SYSTEMD,
    O_ROOTLESS,
    O_CRIU
  };
  static const struct option opts[] = {
      {"root", required_argument, NULL, O_ROOT},
      {"log", required_argument, NULL, O_LOG},
      {"log-format", required_argument, NULL, O_LOGFMT},
      {"debug", no_argument, NULL, O_DEBUG},
      {"systemd-cgroup", no_argument, NULL, O_SYSTEMD},
      {"rootless", required_argument, NULL, O_ROOTLESS},
      {"criu", required_argument, NULL, O_CRIU},
      {"version", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  opterr = 0;
  int c;
  while ((c = getopt_long_only(argc, argv, "+vh", opts, NULL)) != -1) {
    switch (c) {
    case O_ROOT:
      g.root = optarg;
      break;
    case O_LOG:
      g.log = optarg;
      break;
    case O_LOGFMT:
      log_format = optarg;
      break;
    case O_DEBUG:
      g.debug = true;
      break;
    case O_SYSTEMD:
      g.systemd_cgroup = true;
      break;
    case O_ROOTLESS:
    case O_CRIU:
      break; /* accepted for compatibility */
    case 'v':
      printf("hrun version " HRUN_VERSION "\nspec: 1.0.2\n");
      return 0;
    case 'h':
      print_usage(stdout);
      return 0;
    default:
      fprintf(stderr, "hrun: unknown or incomplete global flag \"%s\"\n",
              argv[optind - 1]);
      return 1;
    }
  }
  _cleanup_error_ hr_error_t err = NULL;
  enum hr_log_format fmt;
  if (hr_log_parse_format(log_format, &fmt, &err) < 0 ||
      hr_log_init(g.log, fmt, g.debug, &err) < 0)
    return hr_cli_fail(&err);
  if (optind >= argc) {
    print_usage(stderr);
    return 1;
  }
  const char *name = argv[optind];
  for (const struct hr_command *cmd = hr_commands; cmd->name; cmd++) {
    if (strcmp(cmd->name, name) != 0)
      continue;
    if (hr_self_exe_protect(cmd->name, argv, &err) < 0)
      return hr_cli_fail(&err);
    return cmd->run(&g, argc - optind, argv + optind);
  }
  hr_log_error("unknown command \"%s\" (see hrun --help)", name);
  return 1;
}
