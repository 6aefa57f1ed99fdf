/* update: change the resource limits of a live container (runc's flags).
 *
 * Either --resources FILE|- gives a LinuxResources JSON object, or the
 * flags are turned into one. Both go through hr_resources_parse (path
 * "resources"), so every value is validated before anything is written,
 * and then hr_cgroup_update. Errors name the JSON path
 * ("resources.memory.limit: ...") or, for flags, the flag ("--memory:
 * ..."). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/json_field.h"
#include "hrun/log.h"
#include "hrun/resources.h"

enum kind {
  K_MEM,     /* bytes with an optional k/m/g/t/p suffix, or -1 */
  K_U64,     /* unsigned integer */
  K_I64,     /* signed integer */
  K_STR,     /* string */
  K_NONZERO, /* integer, 0 = not given (runc's IntFlag) */
  K_IGNORED  /* accepted for compatibility, warned about */
};

struct flag {
  const char *name;    /* without dashes */
  const char *section; /* LinuxResources member */
  const char *key;
  enum kind kind;
};

/* Index = getopt value - FLAG_BASE. */
#define FLAG_BASE 256
static const struct flag flags[] = {
    {"memory", "memory", "limit", K_MEM},
    {"memory-swap", "memory", "swap", K_MEM},
    {"memory-reservation", "memory", "reservation", K_MEM},
    {"cpu-shares", "cpu", "shares", K_U64},
    {"cpu-share", "cpu", "shares", K_U64}, /* runc's spelling */
    {"cpu-quota", "cpu", "quota", K_I64},
    {"cpu-period", "cpu", "period", K_U64},
    {"cpu-burst", "cpu", "burst", K_U64},
    {"cpu-idle", "cpu", "idle", K_I64},
    {"cpu-rt-period", "cpu", "realtimePeriod", K_U64},
    {"cpu-rt-runtime", "cpu", "realtimeRuntime", K_I64},
    {"cpuset-cpus", "cpu", "cpus", K_STR},
    {"cpuset-mems", "cpu", "mems", K_STR},
    {"pids-limit", "pids", "limit", K_NONZERO},
    {"blkio-weight", "blockIO", "weight", K_NONZERO},
    {"kernel-memory", NULL, NULL, K_IGNORED},
    {"kernel-memory-tcp", NULL, NULL, K_IGNORED},
};
#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))

static int parse_int(const char *s, bool is_signed, json_int_t *out) {
  char *end;
  errno = 0;
  if (!is_signed && strchr(s, '-'))
    return -1;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end)
    return -1;
  *out = v;
  return 0;
}

/* The flag value -> JSON, into obj[section][key]. Value errors name the
 * flag. A value that means "not given" (runc's zero IntFlag) is skipped. */
static int add_flag(json_t *obj, const struct flag *f, const char *val,
                    hr_error_t *err) {
  json_int_t n = 0;
  json_t *v = NULL;
  switch (f->kind) {
  case K_IGNORED:
    hr_log_warn("--%s is ignored (kernel memory limits do not exist on "
                "cgroup v2)",
                f->name);
    return 0;
  case K_STR:
    if (!*val)
      return 0; /* runc: "" is unset */
    v = json_string(val);
    break;
  case K_MEM: {
    if (!*val)
      return 0;
    int64_t b = -1;
    if (strcmp(val, "-1") != 0 && hr_cli_parse_ram(val, &b) < 0)
      return hr_error_set(err, 0,
                          "--%s: invalid value \"%s\" (bytes with an optional "
                          "k, m or g suffix, or -1)",
                          f->name, val);
    v = json_integer(b);
    break;
  }
  case K_U64:
  case K_I64:
  case K_NONZERO:
    if (f->kind != K_NONZERO && !*val)
      return 0;
    if (parse_int(val, f->kind != K_U64, &n) < 0)
      return hr_error_set(err, 0, "--%s: invalid value \"%s\" (%s integer)",
                          f->name, val,
                          f->kind == K_U64 ? "a non-negative" : "an");
    if (f->kind == K_NONZERO && n == 0)
      return 0;
    v = json_integer(n);
    break;
  }
  if (!v)
    return hr_error_set(err, ENOMEM, "--%s", f->name);
  json_t *sec = json_object_get(obj, f->section);
  if (!sec) {
    sec = json_object();
    if (!sec || json_object_set_new(obj, f->section, sec) < 0) {
      json_decref(v);
      return hr_error_set(err, ENOMEM, "--%s", f->name);
    }
  }
  if (json_object_set_new(sec, f->key, v) < 0)
    return hr_error_set(err, ENOMEM, "--%s", f->name);
  return 0;
}

/* "resources.memory.limit: reason" -> "--memory: reason" when flags were
 * used, so the message names what the user typed. */
static void name_flag(hr_error_t *err, const char *const *given) {
  const char *msg = hr_error_msg(*err);
  for (size_t i = 0; i < N_FLAGS; i++) {
    if (!given[i] || !flags[i].section)
      continue;
    char path[96];
    int l = snprintf(path, sizeof(path), "resources.%s.%s", flags[i].section,
                     flags[i].key);
    if (l < 0 || strncmp(msg, path, (size_t)l) != 0 || msg[l] != ':')
      continue;
    hr_error_t e = NULL;
    hr_error_set_errno(&e, hr_error_errno(*err), "--%s%s", flags[i].name,
                       msg + l);
    hr_error_free(err);
    *err = e;
    return;
  }
}

static int load_resources(const char *file, json_t **out, hr_error_t *err) {
  if (strcmp(file, "-") == 0)
    return hr_json_load_fd(STDIN_FILENO, "--resources (stdin)", out, err);
  _cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return hr_error_set(err, errno, "--resources: open %s", file);
  return hr_json_load_fd(fd, "--resources", out, err);
}

/* runc merges the request into the config it keeps; a swap limit given
 * without a memory limit is relative to the current one. Take it from
 * memory.max (left absent when that is "max", so the parser says a limit
 * is needed). */
static int merge_current_limit(const struct hr_cgroup *cg, json_t *obj,
                               hr_error_t *err) {
  json_t *m = json_object_get(obj, "memory");
  json_t *swap = m ? json_object_get(m, "swap") : NULL;
  json_t *lim = m ? json_object_get(m, "limit") : NULL;
  if (!json_is_integer(swap) || json_integer_value(swap) <= 0 ||
      (lim && !json_is_null(lim) &&
       !(json_is_integer(lim) && json_integer_value(lim) == 0)))
    return 0;
  _cleanup_free_ char *cur = NULL;
  hr_error_t e = NULL;
  if (hr_cgroup_read(cg->dirfd, "memory.max", &cur, &e) < 0) {
    /* no memory controller here yet: nothing to merge */
    if (hr_error_errno(e) == ENOENT) {
      hr_error_free(&e);
      return 0;
    }
    hr_error_free(err);
    *err = e;
    return -1;
  }
  char *end;
  errno = 0;
  long long v = strtoll(cur, &end, 10);
  if (errno || end == cur || v <= 0)
    return 0;
  if (json_object_set_new(m, "limit", json_integer(v)) < 0)
    return hr_error_set(err, ENOMEM, "resources.memory.limit");
  return 0;
}

static int open_live(struct hr_globals *g, const char *id, struct hr_state *s,
                     struct hr_cgroup *cg, hr_error_t *err) {
  if (hr_state_load(g->root, id, s, err) < 0)
    return -1;
  if (hr_state_status(g->root, s) == HR_STATUS_STOPPED)
    return hr_error_set(err, 0, "container not running");
  if (!s->cgroup_path)
    return hr_error_set(err, 0,
                        "container %s has no cgroup (no cgroup v2 on this "
                        "host); cannot update its resources",
                        id);
  return hr_cgroup_open(s->cgroup_mount, HR_CGROUP_UNIFIED, s->cgroup_path, cg,
                        err);
}

static int update(struct hr_globals *g, const char *id, const char *file,
                  const char *const *given, hr_error_t *err) {
  _cleanup_json_ json_t *obj = NULL;
  if (file) {
    if (load_resources(file, &obj, err) < 0)
      return -1;
    if (!json_is_object(obj))
      return hr_error_set(err, 0, "resources: must be an object");
  } else {
    obj = json_object();
    if (!obj)
      return hr_error_set(err, ENOMEM, "update");
    for (size_t i = 0; i < N_FLAGS; i++)
      if (given[i] && add_flag(obj, &flags[i], given[i], err) < 0)
        return -1;
  }
  struct hr_state s = {0};
  struct hr_cgroup cg = {.dirfd = -1};
  struct hr_resources r = {0};
  int rc = open_live(g, id, &s, &cg, err);
  if (rc == 0)
    rc = merge_current_limit(&cg, obj, err);
  if (rc == 0)
    rc = hr_resources_parse(obj, "resources", &r, err);
  if (rc == 0 && r.n_devices > 0) {
    /* As runc: device rules are fixed at create (they also hold the
     * linux.devices allowances the request does not repeat). */
    hr_log_warn("resources.devices: ignored by update; the device rules "
                "set at create stay in force");
    r.n_devices = 0;
  }
  if (rc == 0)
    rc = hr_cgroup_update(&cg, &r, err);
  hr_resources_free(&r);
  hr_cgroup_close(&cg);
  hr_state_free(&s);
  if (rc < 0 && !file)
    name_flag(err, given);
  return rc;
}

int hr_cmd_update(struct hr_globals *g, int argc, char **argv) {
  struct option opts[N_FLAGS + 3];
  opts[0] = (struct option){"resources", required_argument, NULL, 'r'};
  opts[1] = (struct option){"help", no_argument, NULL, 'h'};
  for (size_t i = 0; i < N_FLAGS; i++)
    opts[i + 2] = (struct option){flags[i].name, required_argument, NULL,
                                  FLAG_BASE + (int)i};
  opts[N_FLAGS + 2] = (struct option){NULL, 0, NULL, 0};
  const char *given[N_FLAGS] = {0};
  const char *file = NULL, *first_flag = NULL;
  int c;
  optind = 0;
  while ((c = hr_cli_getopt("update", argc, argv, opts)) != -1) {
    if (c == 'r') {
      file = optarg;
    } else if (c == 'h') {
      hr_cli_print_help("update");
      return 0;
    } else if (c >= FLAG_BASE && c < FLAG_BASE + (int)N_FLAGS) {
      given[c - FLAG_BASE] = optarg;
      if (!first_flag)
        first_flag = flags[c - FLAG_BASE].name;
    } else {
      return 1;
    }
  }
  /* runc ignores the flags when --resources is given; a limit asked for
   * and not applied is an error here instead. */
  if (file && first_flag)
    return hr_cli_usage_error(
        "update", "--%s cannot be combined with --resources", first_flag);
  if (file && !*file)
    return hr_cli_usage_error("update", "--resources: missing file name");
  const char *id;
  if (hr_cli_take_id("update", argc, argv, &id))
    return 1;
  _cleanup_error_ hr_error_t err = NULL;
  if (update(g, id, file, given, &err) < 0)
    return hr_cli_fail(&err);
  return 0;
}
