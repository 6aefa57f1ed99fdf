/* exec: runc's flags; option parsing stops at the container id, so
 * `hrun exec ID sh -c 'x'` passes -c to sh. */
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/exec.h"
#include "hrun/log.h"
#include "hrun/validate.h"

enum {
  O_PROCESS = 'p',
  O_TTY = 't',
  O_DETACH = 'd',
  O_ENV = 'e',
  O_USER = 'u',
  O_GIDS = 'g',
  O_CAP = 'c',
  O_CONSOLE = 256,
  O_PIDFILE,
  O_PRESERVE,
  O_CWD,
  O_NNP,
  O_LABEL,
  O_APPARMOR,
  O_IGNORE_PAUSED,
  O_NO_SUBREAPER,
};

static const struct option exec_opts[] = {
    {"process", required_argument, NULL, O_PROCESS},
    {"console-socket", required_argument, NULL, O_CONSOLE},
    {"tty", no_argument, NULL, O_TTY},
    {"detach", no_argument, NULL, O_DETACH},
    {"pid-file", required_argument, NULL, O_PIDFILE},
    {"preserve-fds", required_argument, NULL, O_PRESERVE},
    {"cwd", required_argument, NULL, O_CWD},
    {"env", required_argument, NULL, O_ENV},
    {"user", required_argument, NULL, O_USER},
    {"additional-gids", required_argument, NULL, O_GIDS},
    {"cap", required_argument, NULL, O_CAP},
    {"no-new-privs", no_argument, NULL, O_NNP},
    {"process-label", required_argument, NULL, O_LABEL},
    {"apparmor", required_argument, NULL, O_APPARMOR},
    {"ignore-paused", no_argument, NULL, O_IGNORE_PAUSED},
    {"no-subreaper", no_argument, NULL, O_NO_SUBREAPER},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct lists {
  char **env, **gids, **caps;
};

static void lists_free(struct lists *l) {
  free(l->env);
  free(l->gids);
  free(l->caps);
}

/* 1: error (printed), 2: help printed, 0: parsed */
static int parse(struct hr_globals *g, int argc, char **argv,
                 struct hr_exec_opts *o, struct lists *l) {
  memset(o, 0, sizeof(*o));
  o->g = g;
  o->tty = -1;
  /* each list holds at most one entry per argument */
  l->env = calloc((size_t)argc + 1, sizeof(char *));
  l->gids = calloc((size_t)argc + 1, sizeof(char *));
  l->caps = calloc((size_t)argc + 1, sizeof(char *));
  if (!l->env || !l->gids || !l->caps)
    return hr_cli_usage_error("exec", "out of memory");
  o->env = l->env;
  o->additional_gids = l->gids;
  o->caps = l->caps;
  _cleanup_error_ hr_error_t err = NULL;
  int c;
  optind = 0;
  while ((c = hr_cli_getopt("exec", argc, argv, exec_opts)) != -1) {
    switch (c) {
    case O_PROCESS:
      o->process_file = optarg;
      break;
    case O_CONSOLE:
      o->console_socket = optarg;
      break;
    case O_TTY:
      o->tty = 1;
      break;
    case O_DETACH:
      o->detach = true;
      break;
    case O_PIDFILE:
      o->pid_file = optarg;
      break;
    case O_PRESERVE:
      if (hr_cli_parse_int("--preserve-fds", optarg, &o->preserve_fds, &err) <
          0)
        return hr_cli_fail(&err);
      break;
    case O_CWD:
      o->cwd = optarg;
      break;
    case O_ENV:
      l->env[o->n_env++] = optarg;
      break;
    case O_USER:
      o->user = optarg;
      break;
    case O_GIDS:
      l->gids[o->n_additional_gids++] = optarg;
      break;
    case O_CAP:
      l->caps[o->n_caps++] = optarg;
      break;
    case O_NNP:
      o->no_new_privs = true;
      break;
    case O_LABEL:
      o->process_label = optarg;
      break;
    case O_APPARMOR:
      o->apparmor = optarg;
      break;
    case O_IGNORE_PAUSED:
      o->ignore_paused = true;
      break;
    case O_NO_SUBREAPER:
      break; /* accepted for compatibility; hrun sets no subreaper */
    case 'h':
      hr_cli_print_help("exec");
      return 2;
    default:
      return 1;
    }
  }
  if (optind >= argc)
    return hr_cli_usage_error("exec", "missing container id");
  o->id = argv[optind];
  if (hr_validate_id(o->id, &err) < 0)
    return hr_cli_fail(&err);
  o->args = argv + optind + 1;
  o->n_args = (size_t)(argc - optind - 1);
  if (!o->process_file && o->n_args == 0)
    return hr_cli_usage_error("exec",
                              "missing command (or --process FILE) after the "
                              "container id");
  return 0;
}

int hr_cmd_exec(struct hr_globals *g, int argc, char **argv) {
  struct hr_exec_opts o;
  struct lists l = {0};
  int r = parse(g, argc, argv, &o, &l);
  if (r) {
    lists_free(&l);
    return r == 2 ? 0 : r;
  }
  if (o.process_file && o.n_args > 0)
    hr_log_warn("exec: --process given: ignoring the command \"%s\"",
                o.args[0]);
  _cleanup_error_ hr_error_t err = NULL;
  int code = 1;
  if (hr_container_exec(&o, &code, &err) < 0) {
    hr_log_error("%s", hr_error_msg(err));
    lists_free(&l);
    return code ? code : 1;
  }
  lists_free(&l);
  return code;
}
