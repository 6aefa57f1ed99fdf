/* features: what this runtime supports, in the OCI features.md layout. */
#include <stdio.h>

#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/container_setup.h"
#include "hrun/process_setup.h"
#include <string.h>

static json_t *strings(const char *const *v) {
  json_t *a = json_array();
  for (; *v; v++)
    json_array_append_new(a, json_string(*v));
  return a;
}

int hr_cmd_features(struct hr_globals *g, int argc, char **argv) {
  (void)g;
  if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    hr_cli_print_help("features");
    return 0;
  }
  static const char *const hooks[] = {"prestart",
                                      "createRuntime",
                                      "createContainer",
                                      "startContainer",
                                      "poststart",
                                      "poststop",
                                      NULL};
  static const char *const mount_opts[] = {
      "async",    "atime",       "bind",          "defaults", "dev",
      "diratime", "dirsync",     "exec",          "lazytime", "mand",
      "noatime",  "nodev",       "nodiratime",    "noexec",   "nolazytime",
      "nomand",   "norelatime",  "nostrictatime", "nosuid",   "private",
      "rbind",    "relatime",    "remount",       "ro",       "rprivate",
      "rshared",  "rslave",      "runbindable",   "rw",       "shared",
      "slave",    "strictatime", "suid",          "sync",     "unbindable",
      NULL};
  static const char *const namespaces[] = {"cgroup", "ipc",  "mount", "network",
                                           "pid",    "user", "uts",   NULL};
  static const char *const actions[] = {
      "SCMP_ACT_ALLOW",        "SCMP_ACT_ERRNO",       "SCMP_ACT_KILL",
      "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",
      "SCMP_ACT_TRACE",        "SCMP_ACT_TRAP",        NULL};
  static const char *const operators[] = {
      "SCMP_CMP_EQ", "SCMP_CMP_GE",        "SCMP_CMP_GT", "SCMP_CMP_LE",
      "SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE", NULL};
  static const char *const archs[] = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                                      "SCMP_ARCH_X32",    "SCMP_ARCH_AARCH64",
                                      "SCMP_ARCH_ARM",    NULL};
  static const char *const flags[] = {"SECCOMP_FILTER_FLAG_TSYNC",
                                      "SECCOMP_FILTER_FLAG_LOG",
                                      "SECCOMP_FILTER_FLAG_SPEC_ALLOW", NULL};
  _cleanup_json_ json_t *f = json_pack(
      "{s:s,s:s,s:o,s:o,s:{s:o,s:o,s:{s:b,s:b,s:b,s:b,s:b},"
      "s:{s:b,s:o,s:o,s:o,s:o,s:o},s:{s:b},s:{s:b}},s:{s:s,s:s}}",
      "ociVersionMin", "1.0.0", "ociVersionMax", "1.1.0", "hooks",
      strings(hooks), "mountOptions", strings(mount_opts), "linux",
      "namespaces", strings(namespaces), "capabilities", json_array(), "cgroup",
      "v1", 0, "v2", 1, "systemd", 0, "systemdUser", 0, "rdma", 0, "seccomp",
      "enabled", 1, "actions", strings(actions), "operators",
      strings(operators), "archs", strings(archs), "knownFlags", strings(flags),
      "supportedFlags", strings(flags), "apparmor", "enabled", 0, "selinux",
      "enabled", 0, "annotations", HR_ANNOTATION_SECCOMP,
      "unconfined: run without the default seccomp profile",
      "run.hrun.seccomp.default", "applied when linux.seccomp is absent");
  if (!f)
    return 1;
  json_t *caps = json_object_get(json_object_get(f, "linux"), "capabilities");
  for (int cap = 0; cap <= hr_caps_last_cap(); cap++) {
    const char *name = hr_cap_name(cap);
    if (name)
      json_array_append_new(caps, json_string(name));
  }
  json_dumpf(f, stdout, JSON_INDENT(2));
  putchar('\n');
  return 0;
}
