/* The built-in profiles: lookup, base-chain resolution, and applying one
 * onto a config document (the overlay itself is in profile_overlay.c). */
#include "hrun/profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/json_field.h"
#include "hrun/log.h"
#include "hrun/state.h"

extern const char hr_profile_hardened_json[], hr_profile_dev_json[],
    hr_profile_prod_json[];
extern const uint64_t hr_profile_hardened_json_size, hr_profile_dev_json_size,
    hr_profile_prod_json_size;

/* A base chain longer than this is a loop. */
#define MAX_BASE_DEPTH 4

const struct hr_profile_entry *hr_profile_list(size_t *n) {
  static struct hr_profile_entry list[3];
  list[0] = (struct hr_profile_entry){"hardened", hr_profile_hardened_json,
                                      (size_t)hr_profile_hardened_json_size};
  list[1] = (struct hr_profile_entry){"dev", hr_profile_dev_json,
                                      (size_t)hr_profile_dev_json_size};
  list[2] = (struct hr_profile_entry){"prod", hr_profile_prod_json,
                                      (size_t)hr_profile_prod_json_size};
  *n = sizeof(list) / sizeof(list[0]);
  return list;
}

static int check_document(json_t *doc, const char *name, hr_error_t *err) {
  json_t *v;
  if (!json_is_object(doc))
    return hr_error_set(err, 0, "must be a JSON object");
  if (hr_json_get_object(doc, "", "config", true, &v, err) < 0)
    return -1;
  _cleanup_free_ char *base = NULL;
  if (hr_json_get_string(doc, "", "base", false, &base, err) < 0)
    return -1;
  if (base && !strcmp(base, name))
    return hr_error_set(err, 0, "base: names the profile itself");
  _cleanup_strv_ char **users = NULL;
  if (hr_json_get_strv(doc, "", "runAsUser", false, false, &users, NULL, err) <
      0)
    return -1;
  return 0;
}

int hr_profile_load_raw(const char *name, json_t **out, hr_error_t *err) {
  size_t n;
  const struct hr_profile_entry *list = hr_profile_list(&n);
  for (size_t i = 0; i < n; i++) {
    if (strcmp(list[i].name, name) != 0)
      continue;
    _cleanup_free_ char *what = NULL;
    if (asprintf(&what, "profile %s", name) < 0)
      return hr_error_set(err, ENOMEM, "profile %s", name);
    _cleanup_json_ json_t *doc = NULL;
    if (hr_json_load_buffer(list[i].text, list[i].len, what, &doc, err) < 0)
      return -1;
    if (check_document(doc, name, err) < 0)
      return hr_error_wrap(err, "%s", what);
    *out = hr_steal_ptr(doc);
    return 0;
  }
  return hr_error_set(
      err, 0, "unknown profile \"%s\" (hardened, dev, prod or none)", name);
}

static int load_resolved(const char *name, int depth, json_t **out,
                         hr_error_t *err) {
  if (depth > MAX_BASE_DEPTH)
    return hr_error_set(err, 0, "profile %s: base chain too long", name);
  _cleanup_json_ json_t *doc = NULL;
  if (hr_profile_load_raw(name, &doc, err) < 0)
    return -1;
  const char *base = json_string_value(json_object_get(doc, "base"));
  if (!base) {
    *out = hr_steal_ptr(doc);
    return 0;
  }
  _cleanup_json_ json_t *b = NULL;
  if (load_resolved(base, depth + 1, &b, err) < 0)
    return -1;
  /* the profile's own values win over its base's */
  json_t *cfg = json_object_get(b, "config");
  if (hr_profile_overlay(cfg, json_object_get(doc, "config"), true, err) < 0)
    return hr_error_wrap(err, "profile %s", name);
  if (json_object_set(doc, "config", cfg) < 0)
    return hr_error_set(err, ENOMEM, "profile %s", name);
  json_t *users = json_object_get(b, "runAsUser");
  if (users && !json_object_get(doc, "runAsUser") &&
      json_object_set(doc, "runAsUser", users) < 0)
    return hr_error_set(err, ENOMEM, "profile %s", name);
  json_object_del(doc, "base");
  *out = hr_steal_ptr(doc);
  return 0;
}

int hr_profile_load(const char *name, json_t **out, hr_error_t *err) {
  return load_resolved(name, 0, out, err);
}

/* runAsUser: a config without a user, or (with force) one running as
 * root, gets the first listed user that is not root in the rootfs. A
 * non-root uid is kept either way: the profile only asks for "not root". */
static int apply_user(json_t *config, json_t *names, const char *profile,
                      bool force, const char *rootfs, hr_error_t *err) {
  json_t *proc = json_object_get(config, "process");
  if (!json_is_object(proc) || json_array_size(names) == 0)
    return 0;
  json_t *user = json_object_get(proc, "user");
  json_t *uidv = json_object_get(user, "uid");
  if (json_is_integer(uidv) && json_integer_value(uidv) != 0)
    return 0;
  if (json_is_integer(uidv) && !force) {
    hr_log_warn("profile %s: the config sets process.user.uid 0; kept "
                "(--force runs it as a non-root user)",
                profile);
    return 0;
  }
  for (size_t i = 0; rootfs && i < json_array_size(names); i++) {
    const char *n = json_string_value(json_array_get(names, i));
    uint32_t uid, gid;
    int r = hr_profile_lookup_user(rootfs, n, &uid, &gid, err);
    if (r < 0)
      return hr_error_wrap(err, "profile %s: runAsUser", profile);
    if (r == 0 || uid == 0)
      continue;
    if (!json_is_object(user)) {
      user = json_object();
      if (!user || json_object_set_new(proc, "user", user) < 0)
        return hr_error_set(err, ENOMEM, "process.user");
    }
    /* a root user's extra groups (often 0) do not carry over */
    json_object_del(user, "additionalGids");
    if (json_object_set_new(user, "uid", json_integer(uid)) < 0 ||
        json_object_set_new(user, "gid", json_integer(gid)) < 0)
      return hr_error_set(err, ENOMEM, "process.user");
    hr_log_debug("profile %s: running as %s (%u:%u)", profile, n, (unsigned)uid,
                 (unsigned)gid);
    return 0;
  }
  if (rootfs)
    hr_log_warn("profile %s: %s/etc/passwd has none of the runAsUser names "
                "as a non-root user; the process user is not changed",
                profile, rootfs);
  else
    hr_log_warn("profile %s: no rootfs to look runAsUser up in; the "
                "process user is not changed",
                profile);
  return 0;
}

int hr_profile_apply(json_t *config, const char *name, bool force,
                     const char *rootfs, hr_error_t *err) {
  if (!name || !strcmp(name, HR_PROFILE_NONE))
    return 0;
  _cleanup_json_ json_t *prof = NULL;
  if (hr_profile_load(name, &prof, err) < 0)
    return -1;
  if (hr_profile_overlay(config, json_object_get(prof, "config"), force, err) <
      0)
    return hr_error_wrap(err, "profile %s", name);
  return apply_user(config, json_object_get(prof, "runAsUser"), name, force,
                    rootfs, err);
}

/* root.path as the host sees it; NULL when the config has none (the
 * parser reports that). */
static char *rootfs_of(json_t *config, const char *bundle) {
  const char *p = json_string_value(
      json_object_get(json_object_get(config, "root"), "path"));
  char *out = NULL;
  if (!p || !*p)
    return NULL;
  if (p[0] == '/')
    return strdup(p);
  if (asprintf(&out, "%s/%s", bundle, p) < 0)
    return NULL;
  return out;
}

int hr_profile_config_load(const char *bundle, const char *profile, bool force,
                           struct hr_config *out, hr_error_t *err) {
  if (!profile || !strcmp(profile, HR_PROFILE_NONE))
    return hr_config_load(bundle, out, err);
  memset(out, 0, sizeof(*out));
  _cleanup_free_ char *path = NULL;
  if (asprintf(&path, "%s/config.json", bundle) < 0)
    return hr_error_set(err, ENOMEM, "config.json");
  _cleanup_json_ json_t *root = NULL;
  if (hr_json_load_file(path, "config.json", &root, err) < 0) {
    if (strncmp(hr_error_msg(*err), "config.json: ", 13) != 0)
      hr_error_wrap(err, "config.json");
    return -1;
  }
  if (!json_is_object(root))
    return hr_error_set(err, 0, "config.json: must be a JSON object");
  _cleanup_free_ char *rootfs = rootfs_of(root, bundle);
  if (hr_profile_apply(root, profile, force, rootfs, err) < 0)
    return -1;
  if (hr_config_parse(root, out, err) < 0)
    return hr_error_wrap(err, "config.json with profile %s", profile);
  hr_log_debug("profile %s applied%s", profile, force ? " with --force" : "");
  return 0;
}

json_t *hr_profile_state_record(const char *profile, bool force) {
  if (!profile || !strcmp(profile, HR_PROFILE_NONE))
    return NULL;
  return json_pack("{s:{s:s,s:b}}", "profile", "name", profile, "force", force);
}

int hr_profile_state_config_load(const struct hr_state *s,
                                 struct hr_config *out, hr_error_t *err) {
  json_t *rec = s->extra ? json_object_get(s->extra, "profile") : NULL;
  const char *name = json_string_value(json_object_get(rec, "name"));
  bool force = json_is_true(json_object_get(rec, "force"));
  if (rec && !name)
    return hr_error_set(err, 0, "state: profile record without a name");
  return hr_profile_config_load(s->bundle, name, force, out, err);
}
