/* create, run and start. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/hooks.h"
#include "hrun/log.h"
#include "hrun/monitor.h"
#include "hrun/profile.h"
#include "hrun/validate.h"

enum {
  O_BUNDLE = 'b',
  O_DETACH = 'd',
  O_PIDFILE = 256,
  O_CONSOLE,
  O_NOPIVOT,
  O_NOKEYRING,
  O_PRESERVE,
  O_ID,
  O_KEEP,
  O_PROFILE,
  O_FORCE,
  O_SHIM,
  O_NOSHIM,
  O_INHERIT,
  O_REPORT,
};

static const struct option create_opts[] = {
    {"bundle", required_argument, NULL, O_BUNDLE},
    {"pid-file", required_argument, NULL, O_PIDFILE},
    {"console-socket", required_argument, NULL, O_CONSOLE},
    {"no-pivot", no_argument, NULL, O_NOPIVOT},
    {"no-new-keyring", no_argument, NULL, O_NOKEYRING},
    {"preserve-fds", required_argument, NULL, O_PRESERVE},
    {"profile", required_argument, NULL, O_PROFILE},
    {"force", no_argument, NULL, O_FORCE},
    {"shim", no_argument, NULL, O_SHIM},
    {"inherit-stdio", no_argument, NULL, O_INHERIT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct option run_opts[] = {
    {"bundle", required_argument, NULL, O_BUNDLE},
    {"pid-file", required_argument, NULL, O_PIDFILE},
    {"console-socket", required_argument, NULL, O_CONSOLE},
    {"no-pivot", no_argument, NULL, O_NOPIVOT},
    {"no-new-keyring", no_argument, NULL, O_NOKEYRING},
    {"preserve-fds", required_argument, NULL, O_PRESERVE},
    {"detach", no_argument, NULL, O_DETACH},
    {"id", required_argument, NULL, O_ID},
    {"keep", no_argument, NULL, O_KEEP},
    {"profile", required_argument, NULL, O_PROFILE},
    {"force", no_argument, NULL, O_FORCE},
    {"no-shim", no_argument, NULL, O_NOSHIM},
    {"inherit-stdio", no_argument, NULL, O_INHERIT},
    {"report", no_argument, NULL, O_REPORT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct parsed {
  struct hr_create_opts o;
  const char *bundle_arg, *id_arg;
  char *bundle_abs;
  char *id_buf;
  bool keep;
  bool shim, no_shim, inherit_stdio, report;
};

static bool is_bundle_dir(const char *path) {
  char cfg[PATH_MAX];
  struct stat st;
  if (snprintf(cfg, sizeof(cfg), "%s/config.json", path) >= (int)sizeof(cfg))
    return false;
  return stat(cfg, &st) == 0 && S_ISREG(st.st_mode);
}

/* `hrun run bundle/` names the container after the bundle directory, with
 * characters outside runc's id alphabet replaced. */
static char *id_from_bundle(const char *bundle_abs) {
  const char *base = strrchr(bundle_abs, '/');
  base = base && base[1] ? base + 1 : bundle_abs;
  char *id = strdup(base);
  if (!id)
    return NULL;
  for (char *p = id; *p; p++)
    if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                "0123456789_+.-",
                *p))
      *p = '-';
  return id;
}

static int parse(const char *cmd, struct hr_globals *g, int argc, char **argv,
                 const struct option *opts, struct parsed *p) {
  memset(p, 0, sizeof(*p));
  p->o.g = g;
  _cleanup_error_ hr_error_t err = NULL;
  int c;
  optind = 0;
  while ((c = hr_cli_getopt(cmd, argc, argv, opts)) != -1) {
    switch (c) {
    case O_BUNDLE:
      p->bundle_arg = optarg;
      break;
    case O_PIDFILE:
      p->o.pid_file = optarg;
      break;
    case O_CONSOLE:
      p->o.console_socket = optarg;
      break;
    case O_NOPIVOT:
      p->o.no_pivot = true;
      break;
    case O_NOKEYRING:
      p->o.no_new_keyring = true;
      break;
    case O_PRESERVE:
      if (hr_cli_parse_int("--preserve-fds", optarg, &p->o.preserve_fds, &err) <
          0)
        return hr_cli_fail(&err);
      break;
    case O_DETACH:
      p->o.mode = HR_MODE_RUN_DETACH;
      break;
    case O_ID:
      p->id_arg = optarg;
      break;
    case O_KEEP:
      p->keep = true;
      break;
    case O_SHIM:
      p->shim = true;
      break;
    case O_NOSHIM:
      p->no_shim = true;
      break;
    case O_INHERIT:
      p->inherit_stdio = true;
      break;
    case O_REPORT:
      p->report = true;
      break;
    case O_PROFILE:
      p->o.profile = optarg;
      break;
    case O_FORCE:
      p->o.profile_force = true;
      break;
    case 'h':
      hr_cli_print_help(cmd);
      return 2;
    default:
      return 1;
    }
  }
  int rest = argc - optind;
  const char *id = p->id_arg;
  if (rest > 1)
    return hr_cli_usage_error(cmd, "unexpected argument \"%s\"",
                              argv[optind + 1]);
  if (rest == 1) {
    const char *arg = argv[optind];
    /* the direct form: `hrun run bundle/`, hardened unless told otherwise */
    if (!strcmp(cmd, "run") && !p->bundle_arg &&
        (strchr(arg, '/') || is_bundle_dir(arg)) && is_bundle_dir(arg)) {
      p->bundle_arg = arg;
      if (!p->o.profile)
        p->o.profile = HR_PROFILE_DEFAULT;
    } else if (p->id_arg)
      return hr_cli_usage_error(cmd, "--id given together with id \"%s\"", arg);
    else
      id = arg;
  }
  p->bundle_abs = realpath(p->bundle_arg ? p->bundle_arg : ".", NULL);
  if (!p->bundle_abs) {
    hr_error_set(&err, errno, "--bundle: %s",
                 p->bundle_arg ? p->bundle_arg : ".");
    return hr_cli_fail(&err);
  }
  if (!id) {
    if (strcmp(cmd, "run") != 0 || !p->bundle_arg)
      return hr_cli_usage_error(cmd, "missing container id");
    p->id_buf = id_from_bundle(p->bundle_abs);
    id = p->id_buf;
  }
  if (hr_validate_id(id, &err) < 0)
    return hr_cli_fail(&err);
  if (p->o.profile_force && !p->o.profile)
    return hr_cli_usage_error(cmd, "--force needs --profile");
  if (p->o.profile && !strcmp(p->o.profile, HR_PROFILE_NONE)) {
    if (p->o.profile_force)
      return hr_cli_usage_error(cmd, "--force with --profile none");
    p->o.profile = NULL;
  }
  p->o.id = id;
  p->o.bundle = p->bundle_abs;
  return 0;
}

static void parsed_free(struct parsed *p) {
  free(p->bundle_abs);
  free(p->id_buf);
}

/* run -d, create --shim: hrun-shim becomes the init's parent. */
static int with_shim(struct parsed *p, bool start) {
  _cleanup_error_ hr_error_t err = NULL;
  _cleanup_free_ char *shim = NULL;
  int code = 1;
  if (hr_shim_locate(&shim, &err) < 0)
    return hr_cli_fail(&err);
  struct hr_shim_launch l = {.o = &p->o,
                             .shim_path = shim,
                             .start = start,
                             .inherit_stdio = p->inherit_stdio};
  if (hr_shim_launch(&l, &code, &err) < 0) {
    hr_log_error("%s", hr_error_msg(err));
    return code ? code : 1;
  }
  return 0;
}

int hr_cmd_create(struct hr_globals *g, int argc, char **argv) {
  struct parsed p;
  int r = parse("create", g, argc, argv, create_opts, &p);
  if (r) {
    parsed_free(&p);
    return r == 2 ? 0 : r;
  }
  p.o.mode = HR_MODE_CREATE;
  if (p.shim) {
    r = with_shim(&p, false);
    parsed_free(&p);
    return r;
  }
  struct hr_container c;
  _cleanup_error_ hr_error_t err = NULL;
  int code = 1;
  if (hr_container_create(&p.o, &c, &code, &err) < 0) {
    hr_log_error("%s", hr_error_msg(err));
    parsed_free(&p);
    return code ? code : 1;
  }
  hr_container_release(&c);
  parsed_free(&p);
  return 0;
}

int hr_cmd_run(struct hr_globals *g, int argc, char **argv) {
  struct parsed p;
  int r = parse("run", g, argc, argv, run_opts, &p);
  if (r) {
    parsed_free(&p);
    return r == 2 ? 0 : r;
  }
  if (p.o.mode != HR_MODE_RUN_DETACH)
    p.o.mode = HR_MODE_RUN;
  else if (!p.no_shim) {
    r = with_shim(&p, true);
    parsed_free(&p);
    return r;
  }
  sigset_t set;
  if (p.o.mode == HR_MODE_RUN)
    hr_forward_signals_block(&set);
  struct hr_container c;
  _cleanup_error_ hr_error_t err = NULL;
  int code = 1;
  if (hr_container_create(&p.o, &c, &code, &err) < 0) {
    hr_log_error("%s", hr_error_msg(err));
    parsed_free(&p);
    return code ? code : 1;
  }
  int exit_code = 0;
  if (hr_container_start_run(&p.o, &c, &err) < 0) {
    hr_log_error("%s", hr_error_msg(err));
    hr_error_free(&err);
    exit_code = 1;
    p.keep = false;
  } else if (p.o.mode == HR_MODE_RUN_DETACH) {
    hr_container_release(&c);
    parsed_free(&p);
    return 0;
  } else {
    struct hr_exit_record rec;
    if (hr_monitor_container(&c, &rec, &err) < 0) {
      hr_log_error("%s", hr_error_msg(err));
      hr_error_free(&err);
      exit_code = 1;
    } else {
      exit_code = rec.status_known ? rec.exit_code : 1;
      _cleanup_free_ char *sum =
          p.report ? hr_exit_record_report(p.o.id, &rec) : NULL;
      if (sum)
        fputs(sum, stderr);
      hr_exit_record_free(&rec);
    }
  }
  if (!p.keep && hr_container_destroy(g, &c.state, &err) < 0) {
    hr_log_error("%s", hr_error_msg(err));
    if (exit_code == 0)
      exit_code = 1;
  }
  hr_container_release(&c);
  parsed_free(&p);
  return exit_code;
}

static int run_poststart(const struct hr_state *s, hr_error_t *err) {
  struct hr_config cfg = {0};
  if (hr_config_load(s->bundle, &cfg, err) < 0)
    return -1;
  _cleanup_json_ json_t *j = hr_state_to_json(s, HR_STATUS_RUNNING);
  _cleanup_free_ char *js = j ? json_dumps(j, JSON_COMPACT) : NULL;
  int r =
      js ? hr_hooks_run(cfg.hooks[HR_HOOK_POSTSTART],
                        cfg.n_hooks[HR_HOOK_POSTSTART], "poststart", js, err)
         : hr_error_set(err, ENOMEM, "state");
  hr_config_free(&cfg);
  return r;
}

int hr_cmd_start(struct hr_globals *g, int argc, char **argv) {
  const char *id;
  if (hr_cli_id_only("start", argc, argv, &id))
    return 1;
  if (!id)
    return 0;
  _cleanup_error_ hr_error_t err = NULL;
  struct hr_state s;
  if (hr_state_load(g->root, id, &s, &err) < 0)
    return hr_cli_fail(&err);
  enum hr_status st = hr_state_status(g->root, &s);
  int ret = 1;
  _cleanup_close_ int dirfd = -1, fd = -1;
  if (st != HR_STATUS_CREATED) {
    hr_log_error(st == HR_STATUS_STOPPED
                     ? "cannot start a container that has stopped"
                     : "cannot start an already running container");
    goto out;
  }
  if (hr_state_dir_open(g->root, id, &dirfd, &err) < 0) {
    hr_cli_fail(&err);
    goto out;
  }
  /* non-blocking: ENXIO means the init holding the fifo is gone */
  fd = openat(dirfd, HR_EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 || write(fd, "0", 1) != 1) {
    hr_log_error("container not running");
    goto out;
  }
  unlinkat(dirfd, HR_EXEC_FIFO, 0);
  ret = 0;
  if (s.has_poststart && run_poststart(&s, &err) < 0) {
    hr_cli_fail(&err);
    ret = 1;
  }
out:
  hr_state_free(&s);
  return ret;
}
