/* config.json parsing of real-world documents. */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "hrun/cleanup.h"
#include "hrun/config.h"
#include "hrun/json_field.h"
#include "unit.h"

#define BIT(c) (UINT64_C(1) << (c))

static json_t *load_fixture(const char *name) {
  char path[256];
  snprintf(path, sizeof(path), "fixtures/config/%s", name);
  json_t *j = NULL;
  _cleanup_error_ hr_error_t err = NULL;
  if (hr_json_load_file(path, name, &j, &err) < 0)
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
  return j;
}

/* linux.resources is parsed by resources_parse.c and tested there; strip it
 * so these tests exercise only this parser. */
static void strip_resources(json_t *root) {
  json_t *lx = json_object_get(root, "linux");
  if (lx)
    json_object_del(lx, "resources");
}

static const struct hr_mount *find_mount(const struct hr_config *c,
                                         const char *dest) {
  for (size_t i = 0; i < c->n_mounts; i++)
    if (strcmp(c->mounts[i].destination, dest) == 0)
      return &c->mounts[i];
  return NULL;
}

TEST(config_runc_spec) {
  _cleanup_json_ json_t *root = load_fixture("runc-spec.json");
  CHECK(root != NULL);
  if (!root)
    return;
  strip_resources(root);
  struct hr_config c;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_config_parse(root, &c, &err), 0);
  if (err) {
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
    return;
  }
  CHECK_STR(c.oci_version, "1.0.2-dev");
  CHECK_STR(c.root_path, "rootfs");
  CHECK(c.root_readonly);
  CHECK_STR(c.hostname, "runc");
  CHECK(c.domainname == NULL);
  CHECK(c.raw == root);

  CHECK(c.has_process);
  const struct hr_process *p = &c.process;
  CHECK(p->terminal);
  CHECK_INT(p->user.uid, 0);
  CHECK_INT(p->user.gid, 0);
  CHECK(!p->user.umask.set);
  CHECK_INT(p->n_args, 1);
  CHECK_STR(p->args[0], "sh");
  CHECK(p->args[1] == NULL);
  CHECK_INT(p->n_env, 2);
  CHECK_STR(p->env[1], "TERM=xterm");
  CHECK(p->env[2] == NULL);
  CHECK_STR(p->cwd, "/");
  CHECK(p->has_caps);
  uint64_t want =
      BIT(CAP_AUDIT_WRITE) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE);
  CHECK_INT(p->caps.bounding, want);
  CHECK_INT(p->caps.effective, want);
  CHECK_INT(p->caps.permitted, want);
  CHECK_INT(p->caps.ambient, want);
  CHECK_INT(p->caps.inheritable, 0);
  CHECK_INT(p->n_rlimits, 1);
  CHECK_INT(p->rlimits[0].resource, RLIMIT_NOFILE);
  CHECK_INT(p->rlimits[0].soft, 1024);
  CHECK_INT(p->rlimits[0].hard, 1024);
  CHECK(p->no_new_privileges);
  CHECK(!p->oom_score_adj.set);

  CHECK_INT(c.n_mounts, 7);
  CHECK_STR(c.mounts[0].destination, "/proc");
  CHECK_STR(c.mounts[0].type, "proc");
  CHECK_STR(c.mounts[0].source, "proc");
  CHECK_INT(c.mounts[0].n_options, 0);
  CHECK_INT(c.mounts[0].flags, 0);
  CHECK(c.mounts[0].data == NULL);
  const struct hr_mount *dev = find_mount(&c, "/dev");
  CHECK(dev != NULL);
  if (dev) {
    CHECK_INT(dev->flags, MS_NOSUID | MS_STRICTATIME);
    CHECK_STR(dev->data, "mode=755,size=65536k");
    CHECK(!dev->bind);
  }
  const struct hr_mount *pts = find_mount(&c, "/dev/pts");
  CHECK(pts != NULL);
  if (pts) {
    CHECK_INT(pts->flags, MS_NOSUID | MS_NOEXEC);
    CHECK_STR(pts->data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  }
  const struct hr_mount *cg = find_mount(&c, "/sys/fs/cgroup");
  CHECK(cg != NULL);
  if (cg)
    CHECK_INT(cg->flags,
              MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);

  const struct hr_linux *l = &c.linux;
  CHECK(l->ns[HR_NS_PID].present);
  CHECK(l->ns[HR_NS_NETWORK].present);
  CHECK(l->ns[HR_NS_IPC].present);
  CHECK(l->ns[HR_NS_UTS].present);
  CHECK(l->ns[HR_NS_MOUNT].present);
  CHECK(!l->ns[HR_NS_USER].present);
  CHECK(!l->ns[HR_NS_CGROUP].present);
  CHECK(!l->ns[HR_NS_TIME].present);
  CHECK(l->ns[HR_NS_PID].path == NULL);
  CHECK_INT(l->n_uid_mappings, 0);
  CHECK(!l->has_resources);
  CHECK(!l->has_seccomp);
  CHECK_INT(l->n_masked_paths, 10);
  CHECK_STR(l->masked_paths[0], "/proc/acpi");
  CHECK_INT(l->n_readonly_paths, 5);
  CHECK_STR(l->readonly_paths[4], "/proc/sysrq-trigger");
  CHECK_INT(l->rootfs_propagation, 0);
  CHECK(l->cgroups_path == NULL);
  CHECK_INT(c.n_annotations, 0);
  for (int k = 0; k < HR_HOOK_KIND_COUNT; k++)
    CHECK_INT(c.n_hooks[k], 0);

  hr_config_free(&c);
  CHECK(c.raw == NULL);
  CHECK(c.mounts == NULL);
  hr_config_free(&c); /* freeing twice is harmless */
}

TEST(config_runc_spec_rootless) {
  _cleanup_json_ json_t *root = load_fixture("runc-spec-rootless.json");
  CHECK(root != NULL);
  if (!root)
    return;
  struct hr_config c;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_config_parse(root, &c, &err), 0);
  if (err) {
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
    return;
  }
  const struct hr_linux *l = &c.linux;
  CHECK(l->ns[HR_NS_USER].present);
  CHECK(!l->ns[HR_NS_NETWORK].present);
  CHECK_INT(l->n_uid_mappings, 1);
  CHECK_INT(l->n_gid_mappings, 1);
  CHECK_INT(l->uid_mappings[0].container_id, 0);
  CHECK_INT(l->uid_mappings[0].size, 1);
  CHECK_INT(l->gid_mappings[0].size, 1);
  CHECK(!l->has_resources);
  const struct hr_mount *sys = find_mount(&c, "/sys");
  CHECK(sys != NULL);
  if (sys) {
    CHECK_STR(sys->type, "none");
    CHECK_STR(sys->source, "/sys");
    CHECK(sys->bind);
    CHECK(sys->recursive);
    CHECK_INT(sys->flags,
              MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
  }
  const struct hr_mount *pts = find_mount(&c, "/dev/pts");
  CHECK(pts && pts->data && !strstr(pts->data, "gid=5"));
  hr_config_free(&c);
}

TEST(config_podman) {
  _cleanup_json_ json_t *root = load_fixture("podman.json");
  CHECK(root != NULL);
  if (!root)
    return;
  struct hr_config c;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_config_parse(root, &c, &err), 0);
  if (err) {
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
    return;
  }
  CHECK_STR(c.root_path,
            "/var/lib/containers/storage/overlay/5c3f1f0f2d8e/merged");
  CHECK(!c.root_readonly);

  const struct hr_process *p = &c.process;
  CHECK(!p->terminal);
  CHECK_INT(p->user.uid, 1000);
  CHECK_INT(p->user.gid, 1000);
  CHECK(p->user.umask.set);
  CHECK_INT(p->user.umask.v, 022);
  CHECK_INT(p->user.n_additional_gids, 3);
  CHECK_INT(p->user.additional_gids[2], 27);
  CHECK_INT(p->n_args, 3);
  CHECK_STR(p->args[2], "exec sleep 1000");
  CHECK_INT(p->n_env, 6);
  CHECK_STR(p->env[5], "EMPTY=");
  CHECK_STR(p->cwd, "/srv/app");
  uint64_t caps = BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FOWNER) |
                  BIT(CAP_FSETID) | BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE) |
                  BIT(CAP_SETFCAP) | BIT(CAP_SETGID) | BIT(CAP_SETPCAP) |
                  BIT(CAP_SETUID) | BIT(CAP_SYS_CHROOT);
  CHECK_INT(p->caps.bounding, caps);
  CHECK_INT(p->caps.effective, caps);
  CHECK_INT(p->caps.permitted, caps);
  CHECK_INT(p->caps.inheritable, 0);
  CHECK_INT(p->caps.ambient, 0);
  CHECK_INT(p->caps.bounding & BIT(CAP_SYS_ADMIN), 0);
  CHECK_INT(p->n_rlimits, 2);
  CHECK_INT(p->rlimits[1].resource, RLIMIT_NPROC);
  CHECK_INT(p->rlimits[1].hard, 4194304);
  CHECK(p->no_new_privileges);
  CHECK(p->oom_score_adj.set);
  CHECK_INT(p->oom_score_adj.v, -500);
  CHECK_STR(p->apparmor_profile, "containers-default-0.50.1");
  CHECK(p->selinux_label == NULL);

  CHECK_INT(c.n_mounts, 13);
  const struct hr_mount *hosts = find_mount(&c, "/etc/hosts");
  CHECK(hosts != NULL);
  if (hosts) {
    CHECK(hosts->bind);
    CHECK(!hosts->recursive);
    CHECK_INT(hosts->flags, MS_BIND);
    CHECK_INT(hosts->propagation, MS_PRIVATE | MS_REC);
  }
  /* "/srv/data/" is cleaned */
  const struct hr_mount *data = find_mount(&c, "/srv/data");
  CHECK(data != NULL);
  if (data) {
    CHECK(data->bind);
    CHECK(data->recursive);
    CHECK_INT(data->flags,
              MS_BIND | MS_REC | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
    CHECK_INT(data->propagation, MS_PRIVATE | MS_REC);
    CHECK(data->data == NULL);
    CHECK_STR(data->source, "/home/user/data");
  }
  const struct hr_mount *run = find_mount(&c, "/run");
  CHECK(run != NULL);
  if (run) {
    CHECK_INT(run->clear_flags, MS_RDONLY);
    CHECK_INT(run->flags, MS_NOSUID | MS_NODEV);
    CHECK_STR(run->data, "mode=755,size=10%");
  }

  CHECK_INT(c.n_hooks[HR_HOOK_CREATE_RUNTIME], 1);
  const struct hr_hook *h = &c.hooks[HR_HOOK_CREATE_RUNTIME][0];
  CHECK_STR(h->path, "/usr/bin/nvidia-container-runtime-hook");
  CHECK_STR(h->args[1], "prestart");
  CHECK(h->args[2] == NULL);
  CHECK_STR(h->env[0], "PATH=/usr/bin:/bin");
  CHECK(h->timeout.set);
  CHECK_INT(h->timeout.v, 30);
  CHECK_INT(c.n_hooks[HR_HOOK_POSTSTOP], 1);
  CHECK(!c.hooks[HR_HOOK_POSTSTOP][0].timeout.set);
  CHECK(c.hooks[HR_HOOK_POSTSTOP][0].env == NULL);
  CHECK_INT(c.n_hooks[HR_HOOK_PRESTART], 0);
  CHECK(c.hooks[HR_HOOK_PRESTART] == NULL);

  CHECK_INT(c.n_annotations, 5);
  CHECK_STR(hr_annotation_get(&c, "io.container.manager"), "libpod");
  CHECK_STR(hr_annotation_get(&c, "org.systemd.property.KillMode"), "'none'");
  CHECK(hr_annotation_get(&c, "nope") == NULL);

  const struct hr_linux *l = &c.linux;
  CHECK_STR(l->cgroups_path, "/libpod_parent/libpod-0f2c7b9d5e1a");
  CHECK(l->ns[HR_NS_CGROUP].present);
  CHECK(!l->ns[HR_NS_USER].present);
  CHECK_STR(l->ns[HR_NS_NETWORK].path,
            "/run/netns/netns-3d1c8a4e-7e2f-11ee-b962-0242ac120002");
  CHECK(l->ns[HR_NS_PID].path == NULL);
  CHECK_INT(l->n_sysctl, 2);
  CHECK_STR(l->sysctl[0].key, "net.ipv4.ping_group_range");
  CHECK_STR(l->sysctl[0].value, "0 0");
  CHECK_INT(l->n_devices, 1);
  CHECK_STR(l->devices[0].path, "/dev/fuse");
  CHECK_INT(l->devices[0].type, 'c');
  CHECK_INT(l->devices[0].major, 10);
  CHECK_INT(l->devices[0].minor, 229);
  CHECK(l->devices[0].file_mode.set);
  CHECK_INT(l->devices[0].file_mode.v, 8630);
  CHECK(l->devices[0].uid.set);
  CHECK_INT(l->rootfs_propagation, MS_SLAVE | MS_REC);
  CHECK_INT(l->n_masked_paths, 11);
  CHECK_INT(l->n_readonly_paths, 6);
  hr_config_free(&c);
}

static char *write_bundle(const char *config) {
  char *dir = unit_tmpdir();
  char path[512];
  snprintf(path, sizeof(path), "%s/config.json", dir);
  if (unit_write_file(path, config) < 0)
    unit_fail(__FILE__, __LINE__, "write %s", path);
  return dir;
}

static void remove_bundle(char *dir) {
  char path[512];
  snprintf(path, sizeof(path), "%s/config.json", dir);
  unlink(path);
  rmdir(dir);
  free(dir);
}

TEST(config_load_from_bundle) {
  _cleanup_json_ json_t *root = load_fixture("runc-spec-rootless.json");
  if (!root)
    return;
  _cleanup_free_ char *text = json_dumps(root, 0);
  char *dir = write_bundle(text);
  struct hr_config c;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_config_load(dir, &c, &err), 0);
  CHECK(err == NULL);
  CHECK(c.raw != NULL);
  CHECK_STR(json_string_value(json_object_get(c.raw, "ociVersion")),
            "1.0.2-dev");
  CHECK_STR(c.process.args[0], "sh");
  hr_config_free(&c);
  remove_bundle(dir);
}

TEST(config_load_errors_are_prefixed_once) {
  _cleanup_error_ hr_error_t err = NULL;
  struct hr_config c;
  CHECK_INT(hr_config_load("/nonexistent-bundle", &c, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "config.json: open /nonexistent-bundle/"
                                    "config.json");
  CHECK_INT(hr_error_errno(err), ENOENT);
  hr_error_free(&err);

  char *dir = write_bundle("{\"ociVersion\": ");
  CHECK_INT(hr_config_load(dir, &c, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "config.json: invalid JSON");
  CHECK(strstr(hr_error_msg(err), "config.json: config.json") == NULL);
  remove_bundle(dir);
  hr_error_free(&err);

  /* a directory where the file should be */
  char *d2 = unit_tmpdir();
  char sub[512];
  snprintf(sub, sizeof(sub), "%s/config.json", d2);
  CHECK_INT(mkdir(sub, 0700), 0);
  CHECK_INT(hr_config_load(d2, &c, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "config.json: not a regular file");
  rmdir(sub);
  rmdir(d2);
  free(d2);
}

TEST(config_process_parse_for_exec) {
  /* `exec --process FILE`: the object is the whole document, path "". */
  _cleanup_json_ json_t *j =
      json_loads("{\"args\":[\"ls\",\"-l\"],\"cwd\":\"/tmp\",\"env\":[\"A=1\"],"
                 "\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\"]}}",
                 0, NULL);
  CHECK(j != NULL);
  struct hr_process p;
  _cleanup_error_ hr_error_t err = NULL;
  CHECK_INT(hr_process_parse(j, "", &p, &err), 0);
  CHECK_STR(p.args[1], "-l");
  CHECK_STR(p.cwd, "/tmp");
  CHECK_INT(p.caps.bounding, BIT(CAP_SYS_ADMIN));
  hr_process_free(&p);

  _cleanup_json_ json_t *noenv =
      json_loads("{\"args\":[\"ls\"],\"cwd\":\"/\"}", 0, NULL);
  CHECK_INT(hr_process_parse(noenv, "process", &p, &err), 0);
  CHECK(p.env != NULL && p.env[0] == NULL);
  CHECK_INT(p.n_env, 0);
  CHECK(!p.has_caps);
  hr_process_free(&p);

  _cleanup_json_ json_t *bad =
      json_loads("{\"args\":[\"ls\"],\"cwd\":\"tmp\"}", 0, NULL);
  CHECK_INT(hr_process_parse(bad, "", &p, &err), -1);
  CHECK_STR(hr_error_msg(err), "cwd: must be an absolute path");
  CHECK(p.args == NULL);
  hr_error_free(&err);
  CHECK_INT(hr_process_parse(bad, "process", &p, &err), -1);
  CHECK_STR(hr_error_msg(err), "process.cwd: must be an absolute path");
  hr_error_free(&err);

  _cleanup_json_ json_t *noargs = json_loads("{\"cwd\":\"/\"}", 0, NULL);
  CHECK_INT(hr_process_parse(noargs, "", &p, &err), -1);
  CHECK_STR(hr_error_msg(err), "args: is required");
  hr_error_free(&err);

  _cleanup_json_ json_t *arr = json_loads("[]", 0, NULL);
  CHECK_INT(hr_process_parse(arr, "", &p, &err), -1);
  CHECK_STR(hr_error_msg(err), "must be an object");
}

TEST(config_namespace_names) {
  CHECK_STR(hr_ns_name(HR_NS_PID), "pid");
  CHECK_STR(hr_ns_name(HR_NS_NETWORK), "network");
  CHECK_STR(hr_ns_name(HR_NS_TIME), "time");
  CHECK(hr_ns_name(HR_NS_COUNT) == NULL);
  for (int t = 0; t < HR_NS_COUNT; t++)
    CHECK_INT(hr_ns_from_name(hr_ns_name(t)), t);
  CHECK_INT(hr_ns_from_name("net"), -1);
  CHECK_INT(hr_ns_from_name("PID"), -1);
  CHECK_INT(hr_ns_from_name(NULL), -1);
  CHECK_INT(hr_ns_clone_flag(HR_NS_PID), CLONE_NEWPID);
  CHECK_INT(hr_ns_clone_flag(HR_NS_NETWORK), CLONE_NEWNET);
  CHECK_INT(hr_ns_clone_flag(HR_NS_MOUNT), CLONE_NEWNS);
  CHECK_INT(hr_ns_clone_flag(HR_NS_IPC), CLONE_NEWIPC);
  CHECK_INT(hr_ns_clone_flag(HR_NS_UTS), CLONE_NEWUTS);
  CHECK_INT(hr_ns_clone_flag(HR_NS_USER), CLONE_NEWUSER);
  CHECK_INT(hr_ns_clone_flag(HR_NS_CGROUP), CLONE_NEWCGROUP);
  CHECK_INT(hr_ns_clone_flag(HR_NS_TIME), 0x80);
}

TEST(config_annotation_get_null_safe) {
  CHECK(hr_annotation_get(NULL, "x") == NULL);
  struct hr_config c;
  memset(&c, 0, sizeof(c));
  CHECK(hr_annotation_get(&c, "x") == NULL);
  hr_config_free(&c);
}
