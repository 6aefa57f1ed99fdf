/* Profiles: the overlay rules on small documents, the built-in profiles
 * (they load, resolve their base, and produce configs the parser takes),
 * and runAsUser's lookup confined to the rootfs. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/audit.h"
#include "hrun/cleanup.h"
#include "hrun/config.h"
#include "hrun/json_field.h"
#include "hrun/profile.h"
#include "hrun/state.h"
#include "unit.h"

static json_t *J(const char *text) {
  json_error_t e;
  json_t *j = json_loads(text, 0, &e);
  if (!j)
    unit_fail(__FILE__, __LINE__, "bad test JSON: %s", e.text);
  return j;
}

/* Overlay `ov` onto `cfg` and compare with `want` (all JSON texts). */
static void check_overlay(int line, const char *cfg, const char *ov, bool force,
                          const char *want) {
  _cleanup_json_ json_t *c = J(cfg);
  _cleanup_json_ json_t *o = J(ov);
  _cleanup_json_ json_t *w = J(want);
  _cleanup_error_ hr_error_t err = NULL;
  if (hr_profile_overlay(c, o, force, &err) < 0) {
    unit_fail(__FILE__, line, "overlay failed: %s", hr_error_msg(err));
    return;
  }
  if (!json_equal(c, w)) {
    _cleanup_free_ char *got = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
    unit_fail(__FILE__, line, "overlay gave %s", got);
  }
}
#define OVERLAY(cfg, ov, force, want)                                          \
  check_overlay(__LINE__, cfg, ov, force, want)

TEST(profile_overlay_fills_in_what_is_unset) {
  OVERLAY("{\"a\":1}", "{\"a\":2,\"b\":3}", false, "{\"a\":1,\"b\":3}");
  OVERLAY("{\"a\":1}", "{\"a\":2,\"b\":3}", true, "{\"a\":2,\"b\":3}");
  /* a null in the config is "unset" */
  OVERLAY("{\"a\":null}", "{\"a\":2}", false, "{\"a\":2}");
  /* objects merge member by member */
  OVERLAY("{\"o\":{\"x\":1}}", "{\"o\":{\"x\":2,\"y\":2}}", false,
          "{\"o\":{\"x\":1,\"y\":2}}");
  OVERLAY("{\"o\":{\"x\":1,\"z\":1}}", "{\"o\":{\"x\":2}}", true,
          "{\"o\":{\"x\":2,\"z\":1}}");
  /* plain arrays are values */
  OVERLAY("{\"v\":[1,2]}", "{\"v\":[3]}", false, "{\"v\":[1,2]}");
  OVERLAY("{\"v\":[1,2]}", "{\"v\":[3]}", true, "{\"v\":[3]}");
  /* a type mismatch keeps the config's value unless forced */
  OVERLAY("{\"o\":5}", "{\"o\":{\"x\":1}}", false, "{\"o\":5}");
  OVERLAY("{\"o\":5}", "{\"o\":{\"x\":1}}", true, "{\"o\":{\"x\":1}}");
}

TEST(profile_overlay_null_removes_only_with_force) {
  OVERLAY("{\"a\":1,\"b\":2}", "{\"a\":null}", false, "{\"a\":1,\"b\":2}");
  OVERLAY("{\"a\":1,\"b\":2}", "{\"a\":null}", true, "{\"b\":2}");
  OVERLAY("{}", "{\"a\":null}", true, "{}");
  /* nulls never land in the config, not even nested in a copied value */
  OVERLAY("{}", "{\"l\":{\"seccomp\":null,\"x\":[{\"k\":null,\"v\":1}]}}",
          false, "{\"l\":{\"x\":[{\"v\":1}]}}");
}

TEST(profile_overlay_mounts_by_destination) {
  const char *cfg =
      "{\"mounts\":[{\"destination\":\"/tmp/\",\"type\":\"tmpfs\","
      "\"options\":[\"rw\"]},{\"destination\":\"/dev/shm\",\"type\":"
      "\"tmpfs\"},{\"destination\":\"/data\",\"type\":\"bind\"}]}";
  const char *ov = "{\"mounts\":[{\"destination\":\"/dev\",\"type\":\"tmpfs\"},"
                   "{\"destination\":\"//tmp\",\"type\":\"tmpfs\","
                   "\"options\":[\"noexec\"],\"source\":\"tmpfs\"},"
                   "{\"destination\":\"/run\",\"type\":\"tmpfs\"}]}";
  /* /tmp/ and //tmp are the same mount: its options stay, its missing
   * source is filled in; /dev goes before the config's /dev/shm; /run is
   * appended */
  OVERLAY(cfg, ov, false,
          "{\"mounts\":[{\"destination\":\"/tmp/\",\"type\":\"tmpfs\","
          "\"options\":[\"rw\"],\"source\":\"tmpfs\"},"
          "{\"destination\":\"/dev\",\"type\":\"tmpfs\"},"
          "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\"},"
          "{\"destination\":\"/data\",\"type\":\"bind\"},"
          "{\"destination\":\"/run\",\"type\":\"tmpfs\"}]}");
  OVERLAY(cfg, ov, true,
          "{\"mounts\":[{\"destination\":\"//tmp\",\"type\":\"tmpfs\","
          "\"options\":[\"noexec\"],\"source\":\"tmpfs\"},"
          "{\"destination\":\"/dev\",\"type\":\"tmpfs\"},"
          "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\"},"
          "{\"destination\":\"/data\",\"type\":\"bind\"},"
          "{\"destination\":\"/run\",\"type\":\"tmpfs\"}]}");
  /* no mounts at all: the profile's list, in its order */
  OVERLAY("{}",
          "{\"mounts\":[{\"destination\":\"/a\"},{\"destination\":"
          "\"/a/b\"}]}",
          false,
          "{\"mounts\":[{\"destination\":\"/a\"},{\"destination\":"
          "\"/a/b\"}]}");
}

TEST(profile_overlay_namespaces_rlimits_and_paths_by_key) {
  /* a joined namespace keeps its path; missing ones are added */
  OVERLAY("{\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":"
          "\"/var/run/netns/x\"}]}}",
          "{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":"
          "\"network\"}]}}",
          true,
          "{\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":"
          "\"/var/run/netns/x\"},{\"type\":\"pid\"}]}}");
  OVERLAY("{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":9,"
          "\"soft\":9}]}}",
          "{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,"
          "\"soft\":1},{\"type\":\"RLIMIT_CORE\",\"hard\":0,\"soft\":0}]}}",
          false,
          "{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":9,"
          "\"soft\":9},{\"type\":\"RLIMIT_CORE\",\"hard\":0,\"soft\":0}]}}");
  /* masked and read-only paths are a union, with and without force */
  OVERLAY("{\"linux\":{\"maskedPaths\":[\"/x\",\"/proc/kcore\"]}}",
          "{\"linux\":{\"maskedPaths\":[\"/proc/kcore\",\"/proc/keys\"]}}",
          true,
          "{\"linux\":{\"maskedPaths\":[\"/x\",\"/proc/kcore\","
          "\"/proc/keys\"]}}");
  /* the same names elsewhere are plain arrays */
  OVERLAY("{\"x\":{\"namespaces\":[1]}}", "{\"x\":{\"namespaces\":[2]}}", false,
          "{\"x\":{\"namespaces\":[1]}}");
}

TEST(profile_overlay_rejects_bad_elements) {
  _cleanup_json_ json_t *c = J("{\"mounts\":[]}");
  _cleanup_json_ json_t *o = J("{\"mounts\":[{\"type\":\"tmpfs\"}]}");
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_profile_overlay(c, o, false, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "mounts[0]: needs a string member "
                                    "destination");
}

TEST(profile_builtins_load_and_resolve) {
  size_t n;
  const struct hr_profile_entry *list = hr_profile_list(&n);
  CHECK_INT(n, 3);
  for (size_t i = 0; i < n; i++) {
    _cleanup_error_ hr_error_t err = NULL;
    _cleanup_json_ json_t *doc = NULL;
    CHECK_INT(hr_profile_load(list[i].name, &doc, &err), 0);
    if (!doc) {
      CHECK_STR(hr_error_msg(err), "");
      continue;
    }
    CHECK_STR(json_string_value(json_object_get(doc, "name")), list[i].name);
    CHECK(json_object_get(doc, "base") == NULL);
    CHECK(json_is_object(json_object_get(doc, "config")));
  }
  /* dev: hardened's mounts with its own tmpfs sizes and limits */
  _cleanup_error_ hr_error_t err = NULL;
  _cleanup_json_ json_t *dev = NULL;
  CHECK_INT(hr_profile_load("dev", &dev, &err), 0);
  json_t *cfg = json_object_get(dev, "config");
  json_t *mounts = json_object_get(cfg, "mounts");
  CHECK_INT(json_array_size(mounts), 10);
  json_t *tmp = NULL;
  for (size_t i = 0; i < json_array_size(mounts); i++) {
    json_t *m = json_array_get(mounts, i);
    if (!strcmp(json_string_value(json_object_get(m, "destination")), "/tmp"))
      tmp = m;
  }
  CHECK(tmp != NULL);
  CHECK_STR(json_string_value(json_object_get(tmp, "type")), "tmpfs");
  _cleanup_free_ char *opts =
      json_dumps(json_object_get(tmp, "options"), JSON_COMPACT);
  CHECK_CONTAINS(opts, "size=1048576k");
  CHECK_CONTAINS(opts, "noexec");
  json_t *res = json_object_get(json_object_get(cfg, "linux"), "resources");
  CHECK_INT(json_integer_value(
                json_object_get(json_object_get(res, "memory"), "limit")),
            2147483648LL);
  /* prod inherits nothing it does not override, and adds runAsUser */
  _cleanup_json_ json_t *prod = NULL;
  CHECK_INT(hr_profile_load("prod", &prod, &err), 0);
  CHECK_STR(
      json_string_value(json_array_get(json_object_get(prod, "runAsUser"), 0)),
      "nobody");
  CHECK_INT(
      json_integer_value(json_object_get(
          json_object_get(
              json_object_get(
                  json_object_get(json_object_get(prod, "config"), "linux"),
                  "resources"),
              "pids"),
          "limit")),
      64);
}

TEST(profile_unknown_name) {
  _cleanup_error_ hr_error_t err = NULL;
  _cleanup_json_ json_t *doc = NULL;
  CHECK_INT(hr_profile_load("paranoid", &doc, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "unknown profile \"paranoid\"");
  _cleanup_json_ json_t *c = J("{}");
  hr_error_free(&err);
  CHECK_INT(hr_profile_apply(c, "paranoid", false, NULL, &err), -1);
  /* none and NULL leave the document alone */
  CHECK_INT(hr_profile_apply(c, "none", true, NULL, &err), 0);
  CHECK_INT(hr_profile_apply(c, NULL, true, NULL, &err), 0);
  CHECK_INT(json_object_size(c), 0);
}

static int load_fixture(const char *path, json_t **out) {
  _cleanup_error_ hr_error_t err = NULL;
  if (hr_json_load_file(path, path, out, &err) < 0) {
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
    return -1;
  }
  return 0;
}

static int audit_score(json_t *doc, struct hr_audit_report *rep) {
  struct hr_config cfg;
  _cleanup_error_ hr_error_t err = NULL;
  if (hr_config_parse(doc, &cfg, &err) < 0) {
    unit_fail(__FILE__, __LINE__, "parse: %s", hr_error_msg(err));
    return -1;
  }
  int r = hr_audit_config(&cfg, rep, &err);
  hr_config_free(&cfg);
  return r < 0 ? -1 : rep->score;
}

/* runc's default spec: hardened fills in limits and tmpfs but keeps the
 * config's capabilities and /dev options; --force replaces them. */
TEST(profile_hardened_on_runc_spec) {
  _cleanup_json_ json_t *doc = NULL;
  if (load_fixture("fixtures/audit/runc-spec.json", &doc) < 0)
    return;
  _cleanup_json_ json_t *forced = json_deep_copy(doc);
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_profile_apply(doc, "hardened", false, NULL, &err), 0);
  struct hr_audit_report rep;
  audit_score(doc, &rep);
  CHECK(!hr_audit_find(&rep, "capabilities")->pass);
  CHECK(!hr_audit_find(&rep, "tmpfs-noexec")->pass); /* runc's /dev */
  CHECK(hr_audit_find(&rep, "memory-limit")->pass);
  CHECK(hr_audit_find(&rep, "cpu-limit")->pass);
  CHECK(hr_audit_find(&rep, "pids-limit")->pass);
  CHECK(!hr_audit_find(&rep, "non-root")->pass);
  hr_audit_report_free(&rep);
  /* the mounts it lacked were added, /tmp as tmpfs noexec */
  _cleanup_free_ char *mounts =
      json_dumps(json_object_get(doc, "mounts"), JSON_COMPACT);
  CHECK_CONTAINS(mounts, "{\"destination\":\"/tmp\",\"type\":\"tmpfs\","
                         "\"source\":\"tmpfs\",\"options\":[\"nosuid\","
                         "\"nodev\",\"noexec\"");
  CHECK_CONTAINS(mounts, "\"/var/tmp\"");
  CHECK_CONTAINS(mounts, "\"/run\"");

  CHECK_INT(hr_profile_apply(forced, "hardened", true, NULL, &err), 0);
  audit_score(forced, &rep);
  CHECK(hr_audit_find(&rep, "capabilities")->pass);
  CHECK(hr_audit_find(&rep, "tmpfs-noexec")->pass);
  CHECK(!hr_audit_find(&rep, "non-root")->pass); /* hardened keeps root */
  CHECK_INT(rep.n_passed, rep.n_items - 1);
  hr_audit_report_free(&rep);
}

TEST(profile_force_drops_seccomp_opt_out) {
  _cleanup_json_ json_t *doc = NULL;
  if (load_fixture("fixtures/audit/privileged.json", &doc) < 0)
    return;
  _cleanup_json_ json_t *kept = json_deep_copy(doc);
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_profile_apply(kept, "hardened", false, NULL, &err), 0);
  CHECK_STR(json_string_value(json_object_get(
                json_object_get(kept, "annotations"), "run.hrun.seccomp")),
            "unconfined");
  CHECK_INT(hr_profile_apply(doc, "hardened", true, NULL, &err), 0);
  CHECK(json_object_get(json_object_get(doc, "annotations"),
                        "run.hrun.seccomp") == NULL);
  struct hr_audit_report rep;
  audit_score(doc, &rep);
  CHECK(hr_audit_find(&rep, "seccomp")->pass);
  CHECK(hr_audit_find(&rep, "no-new-privileges")->pass);
  CHECK(hr_audit_find(&rep, "readonly-rootfs")->pass);
  /* what an overlay cannot take away stays visible in the audit: the
   * joined host netns, linux.devices, a sysctl outside the safe set */
  CHECK(!hr_audit_find(&rep, "namespaces")->pass);
  CHECK(!hr_audit_find(&rep, "host-devices")->pass);
  CHECK(!hr_audit_find(&rep, "sysctls")->pass);
  hr_audit_report_free(&rep);
}

static void write_passwd(const char *rootfs, const char *content) {
  char p[4096];
  snprintf(p, sizeof(p), "%s/etc", rootfs);
  mkdir(p, 0755);
  snprintf(p, sizeof(p), "%s/etc/passwd", rootfs);
  CHECK_INT(unit_write_file(p, content), 0);
}

TEST(profile_lookup_user_in_rootfs) {
  _cleanup_free_ char *root = unit_tmpdir();
  write_passwd(root, "root:x:0:0:root:/root:/bin/sh\n"
                     "daemon:x:1:1::/:/bin/false\n"
                     "nobody:x:65534:65533:nobody:/nonexistent:/bin/false");
  uint32_t uid = 7, gid = 7;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_profile_lookup_user(root, "nobody", &uid, &gid, &err), 1);
  CHECK_INT(uid, 65534);
  CHECK_INT(gid, 65533);
  CHECK_INT(hr_profile_lookup_user(root, "nobod", &uid, &gid, &err), 0);
  CHECK_INT(hr_profile_lookup_user(root, "root", &uid, &gid, &err), 1);
  CHECK_INT(uid, 0);
  /* malformed ids do not match */
  write_passwd(root, "nobody:x:-1:5::/:\nnobody:x:12a:5::/:\n");
  CHECK_INT(hr_profile_lookup_user(root, "nobody", &uid, &gid, &err), 0);
}

TEST(profile_lookup_user_stays_in_rootfs) {
  _cleanup_free_ char *root = unit_tmpdir();
  _cleanup_free_ char *outside = unit_tmpdir();
  char host_passwd[4096], p[4096];
  snprintf(host_passwd, sizeof(host_passwd), "%s/passwd", outside);
  CHECK_INT(unit_write_file(host_passwd, "nobody:x:4242:4242::/:\n"), 0);
  /* an absolute symlink to a host file resolves inside the rootfs */
  snprintf(p, sizeof(p), "%s/etc", root);
  CHECK_INT(mkdir(p, 0755), 0);
  snprintf(p, sizeof(p), "%s/etc/passwd", root);
  CHECK_INT(symlink(host_passwd, p), 0);
  uint32_t uid = 0, gid = 0;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_profile_lookup_user(root, "nobody", &uid, &gid, &err), 0);
  CHECK_INT(uid, 0);
  /* and so does ../../.. */
  CHECK_INT(unlink(p), 0);
  char rel[4200];
  snprintf(rel, sizeof(rel), "../../../../../../../..%s", host_passwd);
  CHECK_INT(symlink(rel, p), 0);
  CHECK_INT(hr_profile_lookup_user(root, "nobody", &uid, &gid, &err), 0);
  CHECK_INT(uid, 0);
  /* a fifo is refused, not opened (which would block) */
  CHECK_INT(unlink(p), 0);
  CHECK_INT(mkfifo(p, 0644), 0);
  CHECK_INT(hr_profile_lookup_user(root, "nobody", &uid, &gid, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "not a regular file");
}

TEST(profile_prod_runs_as_nobody) {
  _cleanup_free_ char *root = unit_tmpdir();
  write_passwd(root, "root:x:0:0::/:\nnobody:x:65534:65534::/:\n");
  _cleanup_error_ hr_error_t err = NULL;
  /* no user at all: filled in */
  _cleanup_json_ json_t *c1 =
      J("{\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}}");
  CHECK_INT(hr_profile_apply(c1, "prod", false, root, &err), 0);
  json_t *u = json_object_get(json_object_get(c1, "process"), "user");
  CHECK_INT(json_integer_value(json_object_get(u, "uid")), 65534);
  CHECK_INT(json_integer_value(json_object_get(u, "gid")), 65534);
  /* the config's root is kept without --force, replaced with it */
  const char *rootcfg = "{\"process\":{\"user\":{\"uid\":0,\"gid\":0,"
                        "\"additionalGids\":[0],\"umask\":18}}}";
  _cleanup_json_ json_t *c2 = J(rootcfg);
  CHECK_INT(hr_profile_apply(c2, "prod", false, root, &err), 0);
  u = json_object_get(json_object_get(c2, "process"), "user");
  CHECK_INT(json_integer_value(json_object_get(u, "uid")), 0);
  _cleanup_json_ json_t *c3 = J(rootcfg);
  CHECK_INT(hr_profile_apply(c3, "prod", true, root, &err), 0);
  u = json_object_get(json_object_get(c3, "process"), "user");
  CHECK_INT(json_integer_value(json_object_get(u, "uid")), 65534);
  CHECK(json_object_get(u, "additionalGids") == NULL);
  CHECK_INT(json_integer_value(json_object_get(u, "umask")), 18);
  /* a non-root uid is kept even with --force */
  _cleanup_json_ json_t *c4 =
      J("{\"process\":{\"user\":{\"uid\":1000,\"gid\":1000}}}");
  CHECK_INT(hr_profile_apply(c4, "prod", true, root, &err), 0);
  u = json_object_get(json_object_get(c4, "process"), "user");
  CHECK_INT(json_integer_value(json_object_get(u, "uid")), 1000);
  /* a rootfs without the user: unchanged */
  _cleanup_free_ char *empty = unit_tmpdir();
  _cleanup_json_ json_t *c5 = J(rootcfg);
  CHECK_INT(hr_profile_apply(c5, "prod", true, empty, &err), 0);
  u = json_object_get(json_object_get(c5, "process"), "user");
  CHECK_INT(json_integer_value(json_object_get(u, "uid")), 0);
}

TEST(profile_config_load) {
  _cleanup_free_ char *bundle = unit_tmpdir();
  char p[4096];
  snprintf(p, sizeof(p), "%s/config.json", bundle);
  _cleanup_free_ char *spec = unit_read_file("fixtures/audit/runc-spec.json");
  CHECK(spec != NULL);
  CHECK_INT(unit_write_file(p, spec), 0);
  snprintf(p, sizeof(p), "%s/rootfs", bundle);
  CHECK_INT(mkdir(p, 0755), 0);
  write_passwd(p, "nobody:x:65534:65534::/:\n");
  struct hr_config plain, prof;
  _cleanup_error_ hr_error_t err = NULL;
  /* none: exactly what the file says */
  CHECK_INT(hr_profile_config_load(bundle, "none", false, &plain, &err), 0);
  CHECK(!plain.linux.resources.pids.limit.set);
  CHECK_INT(plain.process.user.uid, 0);
  hr_config_free(&plain);
  CHECK_INT(hr_profile_config_load(bundle, "prod", true, &prof, &err), 0);
  CHECK(prof.linux.resources.pids.limit.set);
  CHECK_INT(prof.linux.resources.pids.limit.v, 64);
  CHECK_INT(prof.process.user.uid, 65534);
  /* the bundle's file is not changed */
  snprintf(p, sizeof(p), "%s/config.json", bundle);
  _cleanup_free_ char *after = unit_read_file(p);
  CHECK_STR(after, spec);
  struct hr_audit_report rep;
  CHECK_INT(hr_audit_config(&prof, &rep, &err), 0);
  CHECK_INT(rep.score, 100);
  hr_audit_report_free(&rep);
  hr_config_free(&prof);
  CHECK_INT(hr_profile_config_load(bundle, "nope", false, &prof, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "unknown profile");
}

/* create records the profile in the state; exec loads the same config */
TEST(profile_state_record) {
  CHECK(hr_profile_state_record(NULL, false) == NULL);
  CHECK(hr_profile_state_record("none", false) == NULL);
  _cleanup_free_ char *bundle = unit_tmpdir();
  char p[4096];
  snprintf(p, sizeof(p), "%s/config.json", bundle);
  _cleanup_free_ char *spec = unit_read_file("fixtures/audit/runc-spec.json");
  CHECK_INT(unit_write_file(p, spec), 0);
  struct hr_state st = {.bundle = bundle};
  struct hr_config cfg;
  _cleanup_error_ hr_error_t err = NULL;
  /* no record: the file as written */
  CHECK_INT(hr_profile_state_config_load(&st, &cfg, &err), 0);
  CHECK(cfg.process.caps.bounding != (1ULL << 10));
  hr_config_free(&cfg);
  st.extra = hr_profile_state_record("hardened", true);
  CHECK(st.extra != NULL);
  CHECK_INT(hr_profile_state_config_load(&st, &cfg, &err), 0);
  CHECK_INT(cfg.process.caps.bounding, 1ULL << 10);
  CHECK(cfg.linux.resources.pids.limit.set);
  hr_config_free(&cfg);
  json_decref(st.extra);
}
