/* hrun audit: the checks on fixtures (a hardened config scores 100, runc's
 * default spec fails exactly the items it should, a privileged config
 * scores 0), then each item failing on its own from a one-field change to
 * the hardened config, and the JSON output. */
#include <stdlib.h>
#include <string.h>

#include "hrun/audit.h"
#include "hrun/cleanup.h"
#include "hrun/config.h"
#include "hrun/json_field.h"
#include "unit.h"

static json_t *fixture(const char *name) {
  char path[256];
  snprintf(path, sizeof(path), "fixtures/audit/%s.json", name);
  _cleanup_error_ hr_error_t err = NULL;
  json_t *doc = NULL;
  if (hr_json_load_file(path, path, &doc, &err) < 0)
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
  return doc;
}

static int audit_doc(json_t *doc, struct hr_audit_report *rep) {
  struct hr_config cfg;
  _cleanup_error_ hr_error_t err = NULL;
  memset(rep, 0, sizeof(*rep));
  if (!doc || hr_config_parse(doc, &cfg, &err) < 0) {
    unit_fail(__FILE__, __LINE__, "parse: %s", hr_error_msg(err));
    return -1;
  }
  int r = hr_audit_config(&cfg, rep, &err);
  hr_config_free(&cfg);
  return r;
}

/* ids of the failing items, space separated */
static void failing(const struct hr_audit_report *r, char *buf, size_t n) {
  buf[0] = '\0';
  for (size_t i = 0; i < r->n_items; i++)
    if (!r->items[i].pass) {
      strncat(buf, r->items[i].id, n - strlen(buf) - 2);
      strcat(buf, " ");
    }
}

TEST(audit_hardened_scores_100) {
  _cleanup_json_ json_t *doc = fixture("hardened");
  struct hr_audit_report rep;
  if (audit_doc(doc, &rep) < 0)
    return;
  char f[1024];
  failing(&rep, f, sizeof(f));
  CHECK_STR(f, "");
  CHECK_INT(rep.score, 100);
  CHECK_INT(rep.n_items, 15);
  CHECK_INT(rep.n_passed, 15);
  for (size_t i = 0; i < rep.n_items; i++) {
    CHECK(rep.items[i].reason && *rep.items[i].reason);
    CHECK(rep.items[i].fix == NULL);
  }
  CHECK_CONTAINS(hr_audit_find(&rep, "seccomp")->reason, "default profile");
  hr_audit_report_free(&rep);
}

TEST(audit_runc_spec_fails_specific_items) {
  _cleanup_json_ json_t *doc = fixture("runc-spec");
  struct hr_audit_report rep;
  if (audit_doc(doc, &rep) < 0)
    return;
  char f[1024];
  failing(&rep, f, sizeof(f));
  CHECK_STR(f, "capabilities non-root tmpfs-noexec memory-limit cpu-limit "
               "pids-limit ");
  CHECK_INT(rep.score, 60);
  const struct hr_audit_item *caps = hr_audit_find(&rep, "capabilities");
  CHECK_CONTAINS(caps->reason, "bounding has CAP_KILL, CAP_AUDIT_WRITE");
  CHECK_CONTAINS(caps->reason, "ambient has");
  CHECK_CONTAINS(caps->fix, "CAP_NET_BIND_SERVICE");
  CHECK_STR(hr_audit_find(&rep, "tmpfs-noexec")->reason, "/dev lacks noexec");
  CHECK_CONTAINS(hr_audit_find(&rep, "pids-limit")->fix,
                 "linux.resources.pids.limit");
  hr_audit_report_free(&rep);
}

TEST(audit_privileged_scores_low) {
  _cleanup_json_ json_t *doc = fixture("privileged");
  struct hr_audit_report rep;
  if (audit_doc(doc, &rep) < 0)
    return;
  CHECK_INT(rep.score, 0);
  CHECK_CONTAINS(hr_audit_find(&rep, "privileged")->reason,
                 "root keeps every capability");
  CHECK_CONTAINS(hr_audit_find(&rep, "privileged")->reason,
                 "allows every device");
  CHECK_CONTAINS(hr_audit_find(&rep, "privileged")->reason,
                 "/sys (sysfs) is writable");
  CHECK_CONTAINS(hr_audit_find(&rep, "seccomp")->reason, "unconfined");
  const char *ns = hr_audit_find(&rep, "namespaces")->reason;
  CHECK_CONTAINS(ns, "shares the host's pid namespace");
  CHECK_CONTAINS(ns, "joins the host's network namespace (/proc/1/ns/net)");
  CHECK_CONTAINS(ns, "shares the host's uts namespace");
  const char *dev = hr_audit_find(&rep, "host-devices")->reason;
  CHECK_CONTAINS(dev, "/dev/sda (b 8:0)");
  CHECK_CONTAINS(dev, "binds the host's /dev");
  CHECK(!strstr(dev, "/dev/null"));
  const char *prop = hr_audit_find(&rep, "propagation")->reason;
  CHECK_CONTAINS(prop, "rootfsPropagation is shared");
  CHECK_CONTAINS(prop, "/dev is mounted rshared");
  const char *sys = hr_audit_find(&rep, "sysctls")->reason;
  CHECK_CONTAINS(sys, "kernel.msgmax is not in the safe set");
  CHECK_CONTAINS(sys, "net.ipv4.ip_local_port_range without a private "
                      "network namespace");
  CHECK_CONTAINS(hr_audit_find(&rep, "tmpfs-noexec")->reason,
                 "/tmp lacks noexec,nosuid,nodev");
  hr_audit_report_free(&rep);
}

/* One change to the hardened fixture, given as a JSON patch applied with
 * the overlay's --force rules by hand: set `path` (dotted) to `value`. */
static json_t *hardened_with(const char *path, const char *value) {
  json_t *doc = fixture("hardened");
  json_error_t e;
  json_t *v = value ? json_loads(value, JSON_DECODE_ANY, &e) : NULL;
  char buf[256];
  snprintf(buf, sizeof(buf), "%s", path);
  json_t *o = doc;
  char *save = NULL;
  char *tok = strtok_r(buf, ".", &save);
  for (char *next; tok; tok = next) {
    next = strtok_r(NULL, ".", &save);
    if (!next) {
      if (v)
        json_object_set_new(o, tok, v);
      else
        json_object_del(o, tok);
      break;
    }
    json_t *c = json_object_get(o, tok);
    if (!c) {
      c = json_object();
      json_object_set_new(o, tok, c);
    }
    o = c;
  }
  return doc;
}

static void expect_only_failure(int line, const char *path, const char *value,
                                const char *id, const char *reason) {
  _cleanup_json_ json_t *doc = hardened_with(path, value);
  struct hr_audit_report rep;
  if (audit_doc(doc, &rep) < 0)
    return;
  char f[1024], want[128];
  failing(&rep, f, sizeof(f));
  snprintf(want, sizeof(want), "%s ", id);
  if (strcmp(f, want) != 0)
    unit_fail(__FILE__, line, "%s=%s: failing \"%s\", expected \"%s\"", path,
              value ? value : "(removed)", f, want);
  const struct hr_audit_item *it = hr_audit_find(&rep, id);
  if (it && !strstr(it->reason, reason))
    unit_fail(__FILE__, line, "reason \"%s\" lacks \"%s\"", it->reason, reason);
  if (it && !it->fix)
    unit_fail(__FILE__, line, "no fix for %s", id);
  CHECK_INT(rep.score, 14 * 100 / 15);
  hr_audit_report_free(&rep);
}
#define ONLY_FAILS(path, value, id, reason)                                    \
  expect_only_failure(__LINE__, path, value, id, reason)

TEST(audit_each_item_fails_alone) {
  ONLY_FAILS("process.capabilities.bounding",
             "[\"CAP_NET_BIND_SERVICE\",\"CAP_NET_RAW\"]", "capabilities",
             "bounding has CAP_NET_RAW");
  ONLY_FAILS("process.capabilities.inheritable",
             "[\"CAP_NET_BIND_SERVICE\","
             "\"CAP_CHOWN\"]",
             "capabilities", "inheritable has CAP_CHOWN");
  ONLY_FAILS("process.noNewPrivileges", "false", "no-new-privileges",
             "not set");
  ONLY_FAILS("process.user", "{\"uid\":0,\"gid\":0}", "non-root",
             "uid 0 without a user namespace");
  ONLY_FAILS("annotations", "{\"run.hrun.seccomp\":\"unconfined\"}", "seccomp",
             "turns seccomp off");
  ONLY_FAILS("linux.seccomp", "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}",
             "seccomp", "defaultAction SCMP_ACT_ALLOW");
  ONLY_FAILS("root.readonly", "false", "readonly-rootfs", "writable");
  ONLY_FAILS("linux.resources.memory", NULL, "memory-limit",
             "no linux.resources.memory.limit");
  ONLY_FAILS("linux.resources.memory", "{\"limit\":-1}", "memory-limit",
             "no linux.resources.memory.limit");
  ONLY_FAILS("linux.resources.cpu", "{\"shares\":1024}", "cpu-limit",
             "no linux.resources.cpu.quota");
  ONLY_FAILS("linux.resources.pids", NULL, "pids-limit", "fork bomb");
  ONLY_FAILS("linux.namespaces",
             "[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
             "{\"type\":\"mount\"}]",
             "namespaces", "shares the host's network namespace");
  ONLY_FAILS("linux.namespaces",
             "[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
             "{\"type\":\"uts\",\"path\":\"/proc/self/ns/uts\"},"
             "{\"type\":\"mount\"}]",
             "namespaces", "joins the host's uts namespace");
  ONLY_FAILS("linux.devices",
             "[{\"path\":\"/dev/kmsg\",\"type\":\"c\",\"major\":1,"
             "\"minor\":11}]",
             "host-devices", "/dev/kmsg (c 1:11)");
  ONLY_FAILS("linux.rootfsPropagation", "\"shared\"", "propagation",
             "rootfsPropagation is shared");
  ONLY_FAILS("linux.maskedPaths", "[\"/proc/kcore\"]", "masked-paths",
             "not masked: /proc/acpi, /proc/asound, /proc/keys");
  ONLY_FAILS("linux.readonlyPaths", "[\"/proc/bus\"]", "masked-paths",
             "not read-only: /proc/fs, /proc/irq, /proc/sys");
  ONLY_FAILS("linux.sysctl", "{\"kernel.msgmax\":\"1\"}", "sysctls",
             "kernel.msgmax is not in the safe set");
  ONLY_FAILS("linux.resources.devices", "[{\"allow\":true,\"access\":\"rwm\"}]",
             "privileged", "allows every device");
}

TEST(audit_items_that_pass_other_ways) {
  /* a user namespace instead of a non-root uid */
  _cleanup_json_ json_t *doc = hardened_with("process.user", "{\"uid\":0,"
                                                             "\"gid\":0}");
  json_t *lx = json_object_get(doc, "linux");
  json_array_append_new(json_object_get(lx, "namespaces"),
                        json_pack("{s:s}", "type", "user"));
  json_object_set_new(lx, "uidMappings",
                      json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID",
                                100000, "size", 65536));
  json_object_set_new(lx, "gidMappings",
                      json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID",
                                100000, "size", 65536));
  struct hr_audit_report rep;
  if (audit_doc(doc, &rep) < 0)
    return;
  CHECK(hr_audit_find(&rep, "non-root")->pass);
  CHECK_CONTAINS(hr_audit_find(&rep, "non-root")->reason, "user namespace");
  hr_audit_report_free(&rep);

  /* limits through linux.resources.unified; a deny-by-default seccomp;
   * a safe sysctl; a joined (not host) network namespace */
  _cleanup_json_ json_t *d2 = hardened_with(
      "linux.resources", "{\"unified\":{\"memory.max\":\"1048576\","
                         "\"cpu.max\":\"50000 100000\",\"pids.max\":\"10\"}}");
  lx = json_object_get(d2, "linux");
  json_object_set_new(lx, "seccomp",
                      json_pack("{s:s,s:[{s:[s],s:s}]}", "defaultAction",
                                "SCMP_ACT_ERRNO", "syscalls", "names", "read",
                                "action", "SCMP_ACT_ALLOW"));
  json_object_set_new(lx, "sysctl",
                      json_pack("{s:s}", "net.ipv4.ping_group_range", "0 0"));
  json_t *ns = json_object_get(lx, "namespaces");
  for (size_t i = 0; i < json_array_size(ns); i++) {
    json_t *n = json_array_get(ns, i);
    if (!strcmp(json_string_value(json_object_get(n, "type")), "network"))
      json_object_set_new(n, "path", json_string("/var/run/netns/pod1"));
  }
  if (audit_doc(d2, &rep) < 0)
    return;
  char f[1024];
  failing(&rep, f, sizeof(f));
  CHECK_STR(f, "");
  CHECK_CONTAINS(hr_audit_find(&rep, "memory-limit")->reason,
                 "unified memory.max 1048576");
  CHECK_CONTAINS(hr_audit_find(&rep, "namespaces")->reason,
                 "joins /var/run/netns/pod1");
  hr_audit_report_free(&rep);
}

TEST(audit_json_output) {
  _cleanup_json_ json_t *doc = fixture("runc-spec");
  struct hr_audit_report rep;
  if (audit_doc(doc, &rep) < 0)
    return;
  _cleanup_json_ json_t *j = hr_audit_to_json(&rep, "b");
  CHECK(j != NULL);
  CHECK_STR(json_string_value(json_object_get(j, "bundle")), "b");
  CHECK_INT(json_integer_value(json_object_get(j, "score")), 60);
  CHECK_INT(json_integer_value(json_object_get(j, "passed")), 9);
  CHECK_INT(json_integer_value(json_object_get(j, "total")), 15);
  json_t *items = json_object_get(j, "items");
  CHECK_INT(json_array_size(items), 15);
  json_t *first = json_array_get(items, 0);
  CHECK_STR(json_string_value(json_object_get(first, "id")), "privileged");
  CHECK_STR(json_string_value(json_object_get(first, "result")), "pass");
  CHECK(json_object_get(first, "fix") == NULL);
  json_t *caps = json_array_get(items, 1);
  CHECK_STR(json_string_value(json_object_get(caps, "result")), "fail");
  CHECK(json_is_string(json_object_get(caps, "fix")));
  CHECK(json_is_string(json_object_get(caps, "reference")));
  hr_audit_report_free(&rep);
}
