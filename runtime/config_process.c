/* The Process object: config.json's "process" and `exec --process FILE`. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "config_internal.h"
#include "hrun/cleanup.h"
#include "hrun/config.h"
#include "hrun/json_field.h"

static const struct {
  const char *name;
  int resource;
} rlimit_names[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

/* The highest capability the running kernel knows, from
 * /proc/sys/kernel/cap_last_cap; falls back to libcap's probe. */
static int kernel_last_cap(void) {
  static int cached = -1;
  if (cached >= 0)
    return cached;
  int last = -1;
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (f) {
    if (fscanf(f, "%d", &last) != 1)
      last = -1;
    fclose(f);
  }
  if (last < 0)
    last = (int)cap_max_bits() - 1;
  if (last < 0 || last > 63)
    last = 63;
  cached = last;
  return cached;
}

static int parse_cap_set(json_t *caps, const char *path, const char *key,
                         uint64_t *mask, hr_error_t *err) {
  _cleanup_strv_ char **names = NULL;
  size_t n = 0;
  if (hr_json_get_strv(caps, path, key, false, false, &names, &n, err) < 0)
    return -1;
  int last = kernel_last_cap();
  for (size_t i = 0; i < n; i++) {
    const char *name = names[i];
    /* runc looks names up as "CAP_" + upper case; libcap alone would also
     * accept "chown", lower case and bare numbers, so check the form. */
    bool ok = strncmp(name, "CAP_", 4) == 0 && name[4] != '\0';
    for (const char *p = name; ok && *p; p++)
      ok =
          isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
    cap_value_t v;
    if (!ok || cap_from_name(name, &v) < 0 || v < 0 || v > 63)
      return hr_error_set(err, 0, "%s.%s[%zu]: unknown capability \"%s\"", path,
                          key, i, name);
    /* A name libcap knows but the running kernel does not (newer than the
     * kernel): runc warns and ignores it, so the same config works on
     * older kernels. We have no warning channel here, so the bit is simply
     * left out; it could not be granted anyway. */
    if (v > last)
      continue;
    *mask |= UINT64_C(1) << v;
  }
  return 0;
}

static int parse_caps(json_t *proc, const char *path, struct hr_process *p,
                      hr_error_t *err) {
  json_t *caps;
  int r = hr_json_get_object(proc, path, "capabilities", false, &caps, err);
  if (r <= 0)
    return r;
  _cleanup_free_ char *cpath = hr_cfg_join(path, "capabilities", err);
  if (!cpath)
    return -1;
  p->has_caps = true;
  if (parse_cap_set(caps, cpath, "bounding", &p->caps.bounding, err) < 0 ||
      parse_cap_set(caps, cpath, "effective", &p->caps.effective, err) < 0 ||
      parse_cap_set(caps, cpath, "inheritable", &p->caps.inheritable, err) <
          0 ||
      parse_cap_set(caps, cpath, "permitted", &p->caps.permitted, err) < 0 ||
      parse_cap_set(caps, cpath, "ambient", &p->caps.ambient, err) < 0)
    return -1;
  return 0;
}

static int parse_rlimits(json_t *proc, const char *path, struct hr_process *p,
                         hr_error_t *err) {
  json_t *arr;
  int r = hr_json_get_array(proc, path, "rlimits", false, &arr, err);
  if (r <= 0)
    return r;
  _cleanup_free_ char *apath = hr_cfg_join(path, "rlimits", err);
  if (!apath)
    return -1;
  size_t n = json_array_size(arr);
  if (n == 0)
    return 0;
  p->rlimits = calloc(n, sizeof(*p->rlimits));
  if (!p->rlimits)
    return hr_error_set(err, ENOMEM, "%s", apath);
  for (size_t i = 0; i < n; i++) {
    json_t *o;
    if (hr_cfg_elem_object(arr, i, apath, &o, err) < 0)
      return -1;
    _cleanup_free_ char *epath = hr_cfg_index(apath, i, err);
    if (!epath)
      return -1;
    _cleanup_free_ char *type = NULL;
    struct hr_rlimit *rl = &p->rlimits[i];
    if (hr_json_get_string(o, epath, "type", true, &type, err) < 0)
      return -1;
    rl->resource = -1;
    for (size_t k = 0; k < sizeof(rlimit_names) / sizeof(rlimit_names[0]); k++)
      if (strcmp(type, rlimit_names[k].name) == 0)
        rl->resource = rlimit_names[k].resource;
    if (rl->resource < 0)
      return hr_error_set(err, 0, "%s.type: unknown rlimit \"%s\"", epath,
                          type);
    for (size_t k = 0; k < i; k++)
      if (p->rlimits[k].resource == rl->resource)
        return hr_error_set(err, 0, "%s.type: duplicate rlimit \"%s\"", epath,
                            type);
    if (hr_json_get_uint64(o, epath, "hard", true, UINT64_MAX, &rl->hard, err) <
            0 ||
        hr_json_get_uint64(o, epath, "soft", true, UINT64_MAX, &rl->soft, err) <
            0)
      return -1;
    if (rl->soft > rl->hard)
      return hr_error_set(err, 0,
                          "%s: soft limit %" PRIu64
                          " is greater than hard limit %" PRIu64,
                          epath, rl->soft, rl->hard);
    p->n_rlimits++;
  }
  return 0;
}

static int parse_user(json_t *proc, const char *path, struct hr_process *p,
                      hr_error_t *err) {
  json_t *u;
  int r = hr_json_get_object(proc, path, "user", false, &u, err);
  if (r <= 0)
    return r;
  _cleanup_free_ char *upath = hr_cfg_join(path, "user", err);
  if (!upath)
    return -1;
  /* (uid_t)-1 means "no change" to setresuid(), so it is not an id. */
  uint64_t v = 0;
  if (hr_json_get_uint64(u, upath, "uid", false, UINT32_MAX - 1, &v, err) < 0)
    return -1;
  p->user.uid = (uint32_t)v;
  v = 0;
  if (hr_json_get_uint64(u, upath, "gid", false, UINT32_MAX - 1, &v, err) < 0)
    return -1;
  p->user.gid = (uint32_t)v;
  r = hr_json_get_uint64(u, upath, "umask", false, UINT32_MAX, &p->user.umask.v,
                         err);
  if (r < 0)
    return -1;
  p->user.umask.set = r == 1;

  json_t *gids;
  r = hr_json_get_array(u, upath, "additionalGids", false, &gids, err);
  if (r <= 0)
    return r;
  size_t n = json_array_size(gids);
  if (n == 0)
    return 0;
  p->user.additional_gids = calloc(n, sizeof(uint32_t));
  if (!p->user.additional_gids)
    return hr_error_set(err, ENOMEM, "%s.additionalGids", upath);
  for (size_t i = 0; i < n; i++) {
    json_t *g = json_array_get(gids, i);
    if (!json_is_integer(g) || json_integer_value(g) < 0 ||
        json_integer_value(g) > (json_int_t)UINT32_MAX - 1)
      return hr_error_set(err, 0,
                          "%s.additionalGids[%zu]: must be an integer in "
                          "[0, %" PRIu32 "]",
                          upath, i, UINT32_MAX - 1);
    p->user.additional_gids[i] = (uint32_t)json_integer_value(g);
    p->user.n_additional_gids++;
  }
  return 0;
}

/* Fields of the spec's Process we know but do not implement: refuse them
 * rather than run the process without the requested setting. */
static const char *const unsupported_process[] = {"ioPriority", "scheduler",
                                                  "execCPUAffinity"};

static int parse_process(json_t *obj, const char *path, struct hr_process *p,
                         hr_error_t *err) {
  if (!json_is_object(obj))
    return hr_cfg_error(err, path, "must be an object");
  for (size_t i = 0;
       i < sizeof(unsupported_process) / sizeof(unsupported_process[0]); i++)
    if (json_object_get(obj, unsupported_process[i]) &&
        !json_is_null(json_object_get(obj, unsupported_process[i]))) {
      _cleanup_free_ char *f = hr_cfg_join(path, unsupported_process[i], err);
      return f ? hr_cfg_error(err, f, "not supported") : -1;
    }

  if (hr_json_get_bool(obj, path, "terminal", false, &p->terminal, err) < 0)
    return -1;
  json_t *cs;
  int r = hr_json_get_object(obj, path, "consoleSize", false, &cs, err);
  if (r < 0)
    return -1;
  if (r == 1) {
    _cleanup_free_ char *cpath = hr_cfg_join(path, "consoleSize", err);
    uint64_t h = 0, w = 0;
    if (!cpath ||
        hr_json_get_uint64(cs, cpath, "height", true, UINT32_MAX, &h, err) <
            0 ||
        hr_json_get_uint64(cs, cpath, "width", true, UINT32_MAX, &w, err) < 0)
      return -1;
    p->console_height = (uint32_t)h;
    p->console_width = (uint32_t)w;
  }
  if (parse_user(obj, path, p, err) < 0)
    return -1;

  if (hr_json_get_strv(obj, path, "args", true, true, &p->args, &p->n_args,
                       err) < 0)
    return -1;
  if (hr_json_get_strv(obj, path, "env", false, false, &p->env, &p->n_env,
                       err) < 0)
    return -1;
  for (size_t i = 0; i < p->n_env; i++) {
    const char *eq = strchr(p->env[i], '=');
    if (!eq || eq == p->env[i]) {
      _cleanup_free_ char *epath = hr_cfg_join(path, "env", err);
      if (!epath)
        return -1;
      return hr_error_set(err, 0,
                          "%s[%zu]: must be \"KEY=VALUE\" with a non-empty "
                          "key, got \"%s\"",
                          epath, i, p->env[i]);
    }
  }
  if (!p->env) {
    /* Keep env a valid (empty) vector so callers can pass it to execve. */
    p->env = calloc(1, sizeof(char *));
    if (!p->env)
      return hr_error_set(err, ENOMEM, "env");
  }

  if (hr_json_get_string(obj, path, "cwd", true, &p->cwd, err) < 0)
    return -1;
  if (p->cwd[0] != '/') {
    _cleanup_free_ char *cpath = hr_cfg_join(path, "cwd", err);
    return cpath ? hr_cfg_error(err, cpath, "must be an absolute path") : -1;
  }

  if (parse_caps(obj, path, p, err) < 0 || parse_rlimits(obj, path, p, err) < 0)
    return -1;
  if (hr_json_get_bool(obj, path, "noNewPrivileges", false,
                       &p->no_new_privileges, err) < 0)
    return -1;
  r = hr_json_get_int64(obj, path, "oomScoreAdj", false, -1000, 1000,
                        &p->oom_score_adj.v, err);
  if (r < 0)
    return -1;
  p->oom_score_adj.set = r == 1;
  if (hr_json_get_string(obj, path, "apparmorProfile", false,
                         &p->apparmor_profile, err) < 0 ||
      hr_json_get_string(obj, path, "selinuxLabel", false, &p->selinux_label,
                         err) < 0)
    return -1;
  return 0;
}

int hr_process_parse(json_t *obj, const char *path, struct hr_process *out,
                     hr_error_t *err) {
  memset(out, 0, sizeof(*out));
  if (!path)
    path = "";
  if (parse_process(obj, path, out, err) < 0) {
    hr_process_free(out);
    return -1;
  }
  return 0;
}

void hr_process_free(struct hr_process *p) {
  if (!p)
    return;
  free(p->user.additional_gids);
  hr_strv_free(p->args);
  hr_strv_free(p->env);
  free(p->cwd);
  free(p->rlimits);
  free(p->apparmor_profile);
  free(p->selinux_label);
  memset(p, 0, sizeof(*p));
}
