/* spec: write a config.json that is hardened by default. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/cli.h"
#include "hrun/log.h"
#include "hrun/profile.h"

/* The hardened baseline: read-only root, noexec scratch tmpfs, one
 * capability, no_new_privs, limits, private namespaces, masked /proc.
 * No linux.seccomp: the built-in default profile applies. */
static const char spec_template[] =
    "{\"ociVersion\":\"1.0.2\","
    "\"process\":{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},"
    "\"args\":[\"sh\"],"
    "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:"
    "/bin\",\"TERM=xterm\"],"
    "\"cwd\":\"/\","
    "\"capabilities\":{\"bounding\":[\"CAP_NET_BIND_SERVICE\"],"
    "\"effective\":[\"CAP_NET_BIND_SERVICE\"],"
    "\"permitted\":[\"CAP_NET_BIND_SERVICE\"]},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
    "\"noNewPrivileges\":true},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
    "\"hostname\":\"hrun\","
    "\"mounts\":["
    "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
    "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\","
    "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\","
    "\"mode=0620\",\"gid=5\"]},"
    "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\","
    "\"size=65536k\"]},"
    "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":"
    "\"mqueue\",\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
    "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":"
    "\"cgroup\",\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\","
    "\"ro\"]},"
    "{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "\"options\":[\"nosuid\",\"nodev\",\"noexec\",\"mode=1777\","
    "\"size=65536k\"]},"
    "{\"destination\":\"/run\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "\"options\":[\"nosuid\",\"nodev\",\"noexec\",\"mode=755\","
    "\"size=16384k\"]},"
    "{\"destination\":\"/var/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","
    "\"options\":[\"nosuid\",\"nodev\",\"noexec\",\"mode=1777\","
    "\"size=65536k\"]}],"
    "\"linux\":{"
    "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
    "\"memory\":{\"limit\":268435456},"
    "\"cpu\":{\"quota\":100000,\"period\":100000},"
    "\"pids\":{\"limit\":128}},"
    "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},"
    "{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"},"
    "{\"type\":\"cgroup\"}],"
    "\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\","
    "\"/proc/keys\",\"/proc/latency_stats\",\"/proc/timer_list\","
    "\"/proc/timer_stats\",\"/proc/sched_debug\",\"/sys/firmware\","
    "\"/proc/scsi\",\"/sys/devices/virtual/powercap\"],"
    "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\","
    "\"/proc/sys\",\"/proc/sysrq-trigger\"]}}";

/* Rootless: map the caller to root in a user namespace, no limits (a
 * rootless caller may not own a delegated cgroup), bind /sys. */
static int make_rootless(json_t *spec, hr_error_t *err) {
  json_t *linux = json_object_get(spec, "linux");
  json_object_del(linux, "resources");
  json_t *ns = json_object_get(linux, "namespaces");
  json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
  json_object_set_new(linux, "uidMappings",
                      json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID",
                                (int)getuid(), "size", 1));
  json_object_set_new(linux, "gidMappings",
                      json_pack("[{s:i,s:i,s:i}]", "containerID", 0, "hostID",
                                (int)getgid(), "size", 1));
  /* sysfs cannot be mounted without a private network namespace owned by
   * the user namespace; devpts must not ask for gid=5 */
  json_t *mounts = json_object_get(spec, "mounts");
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m) {
    const char *dst = json_string_value(json_object_get(m, "destination"));
    if (dst && !strcmp(dst, "/dev/pts"))
      json_object_set_new(m, "options",
                          json_pack("[s,s,s,s,s]", "nosuid", "noexec",
                                    "newinstance", "ptmxmode=0666",
                                    "mode=0620"));
    if (dst && !strcmp(dst, "/sys/fs/cgroup"))
      json_object_set_new(
          m, "options",
          json_pack("[s,s,s,s,s]", "rbind", "nosuid", "noexec", "nodev", "ro"));
  }
  (void)err;
  return 0;
}

int hr_cmd_spec(struct hr_globals *g, int argc, char **argv) {
  (void)g;
  static const struct option opts[] = {
      {"bundle", required_argument, NULL, 'b'},
      {"rootless", no_argument, NULL, 'r'},
      {"profile", required_argument, NULL, 'p'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  const char *bundle = ".";
  const char *profile = HR_PROFILE_DEFAULT;
  bool rootless = false;
  int c;
  optind = 0;
  while ((c = hr_cli_getopt("spec", argc, argv, opts)) != -1) {
    if (c == 'b')
      bundle = optarg;
    else if (c == 'r')
      rootless = true;
    else if (c == 'p')
      profile = optarg;
    else if (c == 'h') {
      hr_cli_print_help("spec");
      return 0;
    } else
      return 1;
  }
  if (optind < argc)
    return hr_cli_usage_error("spec", "unexpected argument \"%s\"",
                              argv[optind]);
  if (!strcmp(profile, HR_PROFILE_NONE))
    return hr_cli_usage_error("spec", "--profile none: spec writes a "
                                      "profile's config (hardened, dev, prod)");
  _cleanup_error_ hr_error_t err = NULL;
  json_error_t jerr;
  _cleanup_json_ json_t *spec =
      json_loads(spec_template, JSON_REJECT_DUPLICATES, &jerr);
  if (!spec) {
    hr_error_set(&err, 0, "spec template: %s", jerr.text);
    return hr_cli_fail(&err);
  }
  /* the template is hardened already; the profile's values win (--force
   * semantics), with runAsUser looked up in the bundle's rootfs */
  _cleanup_free_ char *rootfs = NULL;
  if (asprintf(&rootfs, "%s/rootfs", bundle) < 0 ||
      hr_profile_apply(spec, profile, true, rootfs, &err) < 0) {
    if (!err)
      hr_error_set(&err, ENOMEM, "spec");
    return hr_cli_fail(&err);
  }
  if (rootless && make_rootless(spec, &err) < 0)
    return hr_cli_fail(&err);
  _cleanup_close_ int dirfd = open(bundle, O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) {
    hr_error_set(&err, errno, "--bundle: %s", bundle);
    return hr_cli_fail(&err);
  }
  _cleanup_close_ int fd = openat(
      dirfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST)
      hr_error_set(&err, 0, "File %s/config.json exists. Remove it first",
                   bundle);
    else
      hr_error_set(&err, errno, "create %s/config.json", bundle);
    return hr_cli_fail(&err);
  }
  _cleanup_free_ char *text = json_dumps(spec, JSON_INDENT(2));
  size_t len = text ? strlen(text) : 0;
  if (!text || write(fd, text, len) != (ssize_t)len ||
      write(fd, "\n", 1) != 1) {
    hr_error_set(&err, errno, "write %s/config.json", bundle);
    return hr_cli_fail(&err);
  }
  return 0;
}
