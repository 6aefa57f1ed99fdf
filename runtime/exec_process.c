/* The process `hrun exec` runs: --process FILE, or the container's
 * config.json process with the command and flags applied on top (runc's
 * semantics). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "hrun/cleanup.h"
#include "hrun/exec.h"
#include "hrun/json_field.h"
#include "hrun/process_setup.h"

static char **strv_dup(char *const *v, size_t n) {
  char **out = calloc(n + 1, sizeof(char *));
  if (!out)
    return NULL;
  for (size_t i = 0; i < n; i++)
    if (!(out[i] = strdup(v[i]))) {
      for (size_t k = 0; k < i; k++)
        free(out[k]);
      free(out);
      return NULL;
    }
  return out;
}

int hr_env_set(char ***env, size_t *n, const char *kv, hr_error_t *err) {
  const char *eq = strchr(kv, '=');
  if (!eq || eq == kv)
    return hr_error_set(err, 0,
                        "--env: must be \"KEY=VALUE\" with a non-empty key, "
                        "got \"%s\"",
                        kv);
  size_t klen = (size_t)(eq - kv) + 1; /* with the '=' */
  _cleanup_free_ char *dup = strdup(kv);
  if (!dup)
    return hr_error_set(err, ENOMEM, "--env");
  bool replaced = false;
  size_t w = 0;
  for (size_t i = 0; i < *n; i++) {
    char *e = (*env)[i];
    if (strncmp(e, kv, klen) != 0) {
      (*env)[w++] = e;
      continue;
    }
    free(e);
    if (!replaced) { /* the first occurrence keeps its place */
      (*env)[w++] = hr_steal_ptr(dup);
      replaced = true;
    }
  }
  if (!replaced) {
    char **grown = realloc(*env, (w + 2) * sizeof(char *));
    if (!grown) {
      (*env)[w] = NULL;
      *n = w;
      return hr_error_set(err, ENOMEM, "--env");
    }
    *env = grown;
    (*env)[w++] = hr_steal_ptr(dup);
  }
  (*env)[w] = NULL;
  *n = w;
  return 0;
}

static int parse_id(const char *what, const char *s, size_t len, uint32_t *out,
                    hr_error_t *err) {
  char buf[16];
  if (len == 0 || len >= sizeof(buf))
    return hr_error_set(err, 0, "--user: invalid %s \"%.*s\"", what, (int)len,
                        s);
  memcpy(buf, s, len);
  buf[len] = 0;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(buf, &end, 10);
  /* (uid_t)-1 means "no change" to setresuid, so it is not an id */
  if (errno || *end || !isdigit((unsigned char)buf[0]) || v >= UINT32_MAX)
    return hr_error_set(err, 0, "--user: parsing \"%s\" as int for %s failed",
                        buf, what);
  *out = (uint32_t)v;
  return 0;
}

int hr_exec_parse_user(const char *s, uint32_t *uid, uint32_t *gid,
                       hr_error_t *err) {
  const char *colon = strchr(s, ':');
  uint32_t u, g = *gid;
  if (parse_id("uid", s, colon ? (size_t)(colon - s) : strlen(s), &u, err) < 0)
    return -1;
  if (colon && parse_id("gid", colon + 1, strlen(colon + 1), &g, err) < 0)
    return -1;
  *uid = u;
  *gid = g;
  return 0;
}

int hr_exec_parse_cap(const char *flag, const char *name, int *cap,
                      hr_error_t *err) {
  /* the form config.json uses: "CAP_" and upper case (libcap alone would
   * also take "chown" and bare numbers) */
  bool ok = strncmp(name, "CAP_", 4) == 0 && name[4] != '\0';
  for (const char *p = name; ok && *p; p++)
    ok = isupper((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_';
  cap_value_t v;
  if (!ok || cap_from_name(name, &v) < 0 || v < 0 || v > 63 ||
      v > hr_caps_last_cap())
    return hr_error_set(err, 0, "%s: unknown capability \"%s\"", flag, name);
  *cap = (int)v;
  return 0;
}

static int load_process_file(const char *file, struct hr_process *out,
                             hr_error_t *err) {
  _cleanup_json_ json_t *root = NULL;
  if (hr_json_load_file(file, file, &root, err) < 0) {
    size_t flen = strlen(file);
    const char *m = hr_error_msg(*err);
    if (strncmp(m, file, flen) != 0 || strncmp(m + flen, ": ", 2) != 0)
      hr_error_wrap(err, "--process %s", file);
    return -1;
  }
  if (hr_process_parse(root, "", out, err) < 0)
    return hr_error_wrap(err, "%s", file);
  return 0;
}

/* What --process leaves out comes from the container, as in runc. */
static int inherit_from_container(const struct hr_process *base,
                                  struct hr_process *p, hr_error_t *err) {
  if (!p->has_caps) {
    /* none in the container either: no capabilities at all, never the
     * full set hrun itself runs with */
    p->has_caps = true;
    if (base->has_caps)
      p->caps = base->caps;
  }
  if (p->n_rlimits == 0 && base->n_rlimits > 0) {
    p->rlimits = calloc(base->n_rlimits, sizeof(*p->rlimits));
    if (!p->rlimits)
      return hr_error_set(err, ENOMEM, "process.rlimits");
    memcpy(p->rlimits, base->rlimits, base->n_rlimits * sizeof(*p->rlimits));
    p->n_rlimits = base->n_rlimits;
  }
  if (!p->oom_score_adj.set)
    p->oom_score_adj = base->oom_score_adj;
  return 0;
}

static int add_gids(const struct hr_exec_opts *o, struct hr_user *u,
                    hr_error_t *err) {
  if (o->n_additional_gids == 0)
    return 0;
  size_t n = u->n_additional_gids + o->n_additional_gids;
  uint32_t *g = realloc(u->additional_gids, n * sizeof(*g));
  if (!g)
    return hr_error_set(err, ENOMEM, "--additional-gids");
  u->additional_gids = g;
  for (size_t i = 0; i < o->n_additional_gids; i++) {
    const char *s = o->additional_gids[i];
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || !isdigit((unsigned char)s[0]) || v >= UINT32_MAX)
      return hr_error_set(err, 0,
                          "--additional-gids: must be a positive number, got "
                          "\"%s\"",
                          s);
    g[u->n_additional_gids++] = (uint32_t)v;
  }
  return 0;
}

static int apply_flags(const struct hr_exec_opts *o, struct hr_process *p,
                       hr_error_t *err) {
  if (o->n_args == 0)
    return hr_error_set(err, 0,
                        "exec: args must not be empty: give a command or "
                        "--process FILE");
  char **args = strv_dup(o->args, o->n_args);
  if (!args)
    return hr_error_set(err, ENOMEM, "args");
  _cleanup_strv_ char **old = p->args; /* freed on return */
  (void)old; /* only used by its cleanup; clang warns otherwise */
  p->args = args;
  p->n_args = o->n_args;
  if (o->cwd) {
    if (o->cwd[0] != '/')
      return hr_error_set(err, 0, "--cwd: \"%s\" must be an absolute path",
                          o->cwd);
    char *cwd = strdup(o->cwd);
    if (!cwd)
      return hr_error_set(err, ENOMEM, "--cwd");
    free(p->cwd);
    p->cwd = cwd;
  }
  for (size_t i = 0; i < o->n_env; i++)
    if (hr_env_set(&p->env, &p->n_env, o->env[i], err) < 0)
      return -1;
  if (o->user &&
      hr_exec_parse_user(o->user, &p->user.uid, &p->user.gid, err) < 0)
    return -1;
  if (add_gids(o, &p->user, err) < 0)
    return -1;
  for (size_t i = 0; i < o->n_caps; i++) {
    int cap;
    if (hr_exec_parse_cap("--cap", o->caps[i], &cap, err) < 0)
      return -1;
    uint64_t bit = UINT64_C(1) << cap;
    p->caps.bounding |= bit;
    p->caps.effective |= bit;
    p->caps.permitted |= bit;
    /* ambient needs inheritable, which --cap does not grant: only when
     * the process already has inheritable caps (runc) */
    if (p->caps.inheritable)
      p->caps.ambient |= bit;
  }
  if (o->tty >= 0)
    p->terminal = o->tty > 0;
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->apparmor) {
    free(p->apparmor_profile);
    if (!(p->apparmor_profile = strdup(o->apparmor)))
      return hr_error_set(err, ENOMEM, "--apparmor");
  }
  if (o->process_label) {
    free(p->selinux_label);
    if (!(p->selinux_label = strdup(o->process_label)))
      return hr_error_set(err, ENOMEM, "--process-label");
  }
  return 0;
}

int hr_exec_build_process(const struct hr_exec_opts *o,
                          const struct hr_config *cfg, struct hr_process *out,
                          hr_error_t *err) {
  memset(out, 0, sizeof(*out));
  struct hr_process p = {0};
  int r;
  if (o->process_file) {
    /* runc ignores the other process flags with --process */
    r = load_process_file(o->process_file, &p, err);
    if (r == 0)
      r = inherit_from_container(&cfg->process, &p, err);
  } else {
    json_t *obj = cfg->raw ? json_object_get(cfg->raw, "process") : NULL;
    if (!cfg->has_process || !obj)
      return hr_error_set(err, 0, "config.json: process: is required");
    /* a private copy of the container's process to modify */
    r = hr_process_parse(obj, "process", &p, err);
    if (r < 0)
      hr_error_wrap(err, "config.json");
    if (r == 0)
      r = inherit_from_container(&cfg->process, &p, err);
    if (r == 0)
      r = apply_flags(o, &p, err);
  }
  if (r < 0) {
    hr_process_free(&p);
    return -1;
  }
  *out = p;
  return 0;
}
