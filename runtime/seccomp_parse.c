/* linux.seccomp (OCI LinuxSeccomp) -> struct hr_seccomp. Every error names
 * the JSON path. Unknown members are ignored as the OCI spec asks, except
 * inside the includes/excludes extension, where ignoring a condition would
 * widen the rule. */
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/json_field.h"
#include "hrun/seccomp.h"

/* Errno values above MAX_ERRNO would be silently clamped by the kernel;
 * trace data is the 16-bit SECCOMP_RET_DATA. */
#define ERRNO_MAX 4095
#define TRACE_DATA_MAX 65535

static const struct {
  const char *name;
  unsigned flag;
} filter_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
     SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

static const struct {
  const char *name;
  int op;
} ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

static int parse_action(json_t *obj, const char *path, const char *key,
                        uint32_t *out, hr_error_t *err) {
  _cleanup_free_ char *name = NULL;
  if (hr_json_get_string(obj, path, key, true, &name, err) < 0)
    return -1;
  if (hr_seccomp_action_from_name(name, out) < 0)
    return hr_error_set(err, 0, "%s.%s: unknown action \"%s\"", path, key,
                        name);
  if (*out == SCMP_ACT_NOTIFY)
    return hr_error_set(err, 0,
                        "%s.%s: SCMP_ACT_NOTIFY is not supported (no seccomp "
                        "listener support)",
                        path, key);
  return 0;
}

/* errnoRet / defaultErrnoRet: the errno for SCMP_ACT_ERRNO, the tracer's
 * data for SCMP_ACT_TRACE; like runc, ignored for other actions. */
static int parse_errno_ret(json_t *obj, const char *path, const char *key,
                           uint32_t action, hr_opt_u64 *out, hr_error_t *err) {
  uint64_t max = action == SCMP_ACT_ERRNO(0) ? ERRNO_MAX : TRACE_DATA_MAX;
  int r = hr_json_get_uint64(obj, path, key, false, max, &out->v, err);
  if (r < 0)
    return -1;
  out->set = r == 1;
  return 0;
}

static int parse_arg(json_t *a, const char *path, struct hr_seccomp_arg *out,
                     hr_error_t *err) {
  if (!json_is_object(a))
    return hr_error_set(err, 0, "%s: must be an object", path);
  uint64_t index;
  if (hr_json_get_uint64(a, path, "index", true, 5, &index, err) < 0)
    return -1;
  out->index = (unsigned)index;
  if (hr_json_get_uint64(a, path, "value", true, UINT64_MAX, &out->value, err) <
      0)
    return -1;
  if (hr_json_get_uint64(a, path, "valueTwo", false, UINT64_MAX,
                         &out->value_two, err) < 0)
    return -1;
  _cleanup_free_ char *op = NULL;
  if (hr_json_get_string(a, path, "op", true, &op, err) < 0)
    return -1;
  for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
    if (strcmp(op, ops[i].name) == 0) {
      out->op = ops[i].op;
      return 0;
    }
  return hr_error_set(err, 0, "%s.op: unknown operator \"%s\"", path, op);
}

/* "includes"/"excludes": {"caps": ["CAP_SYS_ADMIN", ...]}. */
static int parse_cap_condition(json_t *rule, const char *path, const char *key,
                               uint64_t *out, hr_error_t *err) {
  json_t *cond;
  *out = 0;
  int r = hr_json_get_object(rule, path, key, false, &cond, err);
  if (r <= 0)
    return r;
  _cleanup_free_ char *cpath = hr_json_join(path, key);
  if (!cpath)
    return hr_error_set(err, ENOMEM, "%s", path);
  const char *member;
  json_t *v;
  json_object_foreach(cond, member, v) {
    if (strcmp(member, "caps") != 0)
      return hr_error_set(err, 0, "%s.%s: not supported", cpath, member);
  }
  _cleanup_strv_ char **names = NULL;
  size_t n = 0;
  if (hr_json_get_strv(cond, cpath, "caps", false, false, &names, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++) {
    int cap = hr_seccomp_cap_from_name(names[i]);
    if (cap < 0)
      return hr_error_set(err, 0, "%s.caps[%zu]: unknown capability \"%s\"",
                          cpath, i, names[i]);
    *out |= UINT64_C(1) << cap;
  }
  return 0;
}

static int parse_rule(json_t *obj, const char *path,
                      struct hr_seccomp_rule *out, hr_error_t *err) {
  if (!json_is_object(obj))
    return hr_error_set(err, 0, "%s: must be an object", path);
  if (hr_json_get_strv(obj, path, "names", true, true, &out->names,
                       &out->n_names, err) < 0)
    return -1;
  for (size_t i = 0; i < out->n_names; i++)
    if (!out->names[i][0])
      return hr_error_set(err, 0, "%s.names[%zu]: must not be empty", path, i);
  if (parse_action(obj, path, "action", &out->action, err) < 0)
    return -1;
  if (parse_errno_ret(obj, path, "errnoRet", out->action, &out->errno_ret,
                      err) < 0)
    return -1;
  json_t *args;
  if (hr_json_get_array(obj, path, "args", false, &args, err) < 0)
    return -1;
  if (args && json_array_size(args) > 0) {
    out->args = calloc(json_array_size(args), sizeof(*out->args));
    if (!out->args)
      return hr_error_set(err, ENOMEM, "%s.args", path);
    for (size_t i = 0; i < json_array_size(args); i++) {
      _cleanup_free_ char *apath = NULL;
      if (asprintf(&apath, "%s.args[%zu]", path, i) < 0)
        return hr_error_set(err, ENOMEM, "%s.args", path);
      if (parse_arg(json_array_get(args, i), apath, &out->args[i], err) < 0)
        return -1;
      out->n_args++;
    }
  }
  if (parse_cap_condition(obj, path, "includes", &out->includes_caps, err) < 0)
    return -1;
  if (parse_cap_condition(obj, path, "excludes", &out->excludes_caps, err) < 0)
    return -1;
  if (out->includes_caps & out->excludes_caps)
    return hr_error_set(
        err, 0, "%s: a capability is both in includes and excludes", path);
  return 0;
}

static int parse_archs(json_t *obj, const char *path, struct hr_seccomp *out,
                       hr_error_t *err) {
  _cleanup_strv_ char **names = NULL;
  size_t n = 0;
  if (hr_json_get_strv(obj, path, "architectures", false, false, &names, &n,
                       err) < 0)
    return -1;
  if (n == 0)
    return 0;
  out->archs = calloc(n, sizeof(*out->archs));
  if (!out->archs)
    return hr_error_set(err, ENOMEM, "%s.architectures", path);
  for (size_t i = 0; i < n; i++) {
    if (hr_seccomp_arch_from_name(names[i], &out->archs[i]) < 0)
      return hr_error_set(err, 0,
                          "%s.architectures[%zu]: unknown architecture \"%s\"",
                          path, i, names[i]);
    out->n_archs++;
  }
  return 0;
}

static int parse_flags(json_t *obj, const char *path, struct hr_seccomp *out,
                       hr_error_t *err) {
  if (hr_json_get_strv(obj, path, "flags", false, false, &out->flags,
                       &out->n_flags, err) < 0)
    return -1;
  for (size_t i = 0; i < out->n_flags; i++) {
    size_t j;
    for (j = 0; j < sizeof(filter_flags) / sizeof(filter_flags[0]); j++)
      if (strcmp(out->flags[i], filter_flags[j].name) == 0)
        break;
    if (j == sizeof(filter_flags) / sizeof(filter_flags[0]))
      return hr_error_set(err, 0, "%s.flags[%zu]: unknown flag \"%s\"", path, i,
                          out->flags[i]);
    out->filter_flags |= filter_flags[j].flag;
  }
  return 0;
}

static int parse(json_t *obj, const char *path, struct hr_seccomp *out,
                 hr_error_t *err) {
  if (!json_is_object(obj))
    return hr_error_set(err, 0, "%s: must be an object", path);
  if (parse_action(obj, path, "defaultAction", &out->default_action, err) < 0)
    return -1;
  if (parse_errno_ret(obj, path, "defaultErrnoRet", out->default_action,
                      &out->default_errno_ret, err) < 0)
    return -1;
  if (parse_archs(obj, path, out, err) < 0 ||
      parse_flags(obj, path, out, err) < 0)
    return -1;
  if (hr_json_get_string(obj, path, "listenerPath", false, &out->listener_path,
                         err) < 0)
    return -1;
  if (hr_json_get_string(obj, path, "listenerMetadata", false,
                         &out->listener_metadata, err) < 0)
    return -1;
  json_t *rules;
  if (hr_json_get_array(obj, path, "syscalls", false, &rules, err) < 0)
    return -1;
  size_t n = rules ? json_array_size(rules) : 0;
  if (n == 0)
    return 0;
  out->rules = calloc(n, sizeof(*out->rules));
  if (!out->rules)
    return hr_error_set(err, ENOMEM, "%s.syscalls", path);
  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *rpath = NULL;
    if (asprintf(&rpath, "%s.syscalls[%zu]", path, i) < 0)
      return hr_error_set(err, ENOMEM, "%s.syscalls", path);
    out->n_rules++;
    if (parse_rule(json_array_get(rules, i), rpath, &out->rules[i], err) < 0)
      return -1;
  }
  return 0;
}

int hr_seccomp_parse(json_t *obj, const char *path, struct hr_seccomp *out,
                     hr_error_t *err) {
  memset(out, 0, sizeof(*out));
  if (parse(obj, path, out, err) < 0) {
    hr_seccomp_free(out);
    return -1;
  }
  return 0;
}

void hr_seccomp_free(struct hr_seccomp *s) {
  if (!s)
    return;
  free(s->archs);
  hr_strvfreep(&s->flags);
  free(s->listener_path);
  free(s->listener_metadata);
  for (size_t i = 0; i < s->n_rules; i++) {
    hr_strvfreep(&s->rules[i].names);
    free(s->rules[i].args);
  }
  free(s->rules);
  memset(s, 0, sizeof(*s));
}
