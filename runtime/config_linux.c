/* config.json "linux": namespaces, id mappings, devices, paths, sysctl and
 * the checks that span sections (hostname needs a UTS namespace, ...). */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include "config_internal.h"
#include "hrun/cleanup.h"
#include "hrun/config.h"
#include "hrun/json_field.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static const char *const ns_names[HR_NS_COUNT] = {
    [HR_NS_PID] = "pid",       [HR_NS_NETWORK] = "network",
    [HR_NS_MOUNT] = "mount",   [HR_NS_IPC] = "ipc",
    [HR_NS_UTS] = "uts",       [HR_NS_USER] = "user",
    [HR_NS_CGROUP] = "cgroup", [HR_NS_TIME] = "time",
};

static const int ns_flags[HR_NS_COUNT] = {
    [HR_NS_PID] = CLONE_NEWPID,       [HR_NS_NETWORK] = CLONE_NEWNET,
    [HR_NS_MOUNT] = CLONE_NEWNS,      [HR_NS_IPC] = CLONE_NEWIPC,
    [HR_NS_UTS] = CLONE_NEWUTS,       [HR_NS_USER] = CLONE_NEWUSER,
    [HR_NS_CGROUP] = CLONE_NEWCGROUP, [HR_NS_TIME] = CLONE_NEWTIME,
};

const char *hr_ns_name(enum hr_ns_type t) {
  if ((int)t < 0 || t >= HR_NS_COUNT)
    return NULL;
  return ns_names[t];
}

int hr_ns_from_name(const char *name) {
  if (!name)
    return -1;
  for (int t = 0; t < HR_NS_COUNT; t++)
    if (strcmp(name, ns_names[t]) == 0)
      return t;
  return -1;
}

int hr_ns_clone_flag(enum hr_ns_type t) {
  if ((int)t < 0 || t >= HR_NS_COUNT)
    return 0;
  return ns_flags[t];
}

static int parse_namespaces(json_t *lx, struct hr_linux *l, hr_error_t *err) {
  json_t *arr;
  int r = hr_json_get_array(lx, "linux", "namespaces", false, &arr, err);
  if (r <= 0)
    return r;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_t *o;
    if (hr_cfg_elem_object(arr, i, "linux.namespaces", &o, err) < 0)
      return -1;
    _cleanup_free_ char *path = hr_cfg_index("linux.namespaces", i, err);
    _cleanup_free_ char *type = NULL;
    if (!path || hr_json_get_string(o, path, "type", true, &type, err) < 0)
      return -1;
    int t = hr_ns_from_name(type);
    if (t < 0)
      return hr_error_set(err, 0, "%s.type: unknown namespace type \"%s\"",
                          path, type);
    if (l->ns[t].present)
      return hr_error_set(err, 0, "%s: duplicate namespace \"%s\"", path, type);
    l->ns[t].present = true;
    if (hr_json_get_string(o, path, "path", false, &l->ns[t].path, err) < 0)
      return -1;
    if (l->ns[t].path) {
      if (l->ns[t].path[0] == '\0') {
        /* An empty path means "create", as in runc. */
        free(l->ns[t].path);
        l->ns[t].path = NULL;
      } else if (l->ns[t].path[0] != '/') {
        return hr_error_set(err, 0, "%s.path: must be an absolute path", path);
      }
    }
  }
  return 0;
}

static int parse_mappings(json_t *lx, const char *key,
                          struct hr_id_mapping **out, size_t *n_out,
                          hr_error_t *err) {
  json_t *arr;
  int r = hr_json_get_array(lx, "linux", key, false, &arr, err);
  if (r <= 0)
    return r;
  _cleanup_free_ char *apath = hr_cfg_join("linux", key, err);
  if (!apath)
    return -1;
  size_t n = json_array_size(arr);
  if (n == 0)
    return 0;
  *out = calloc(n, sizeof(**out));
  if (!*out)
    return hr_error_set(err, ENOMEM, "%s", apath);
  for (size_t i = 0; i < n; i++) {
    json_t *o;
    if (hr_cfg_elem_object(arr, i, apath, &o, err) < 0)
      return -1;
    _cleanup_free_ char *path = hr_cfg_index(apath, i, err);
    if (!path)
      return -1;
    uint64_t cid, hid, size;
    if (hr_json_get_uint64(o, path, "containerID", true, UINT32_MAX, &cid,
                           err) < 0 ||
        hr_json_get_uint64(o, path, "hostID", true, UINT32_MAX, &hid, err) <
            0 ||
        hr_json_get_uint64(o, path, "size", true, UINT32_MAX, &size, err) < 0)
      return -1;
    if (size == 0)
      return hr_error_set(err, 0, "%s.size: must be greater than 0", path);
    if (cid + size - 1 > UINT32_MAX || hid + size - 1 > UINT32_MAX)
      return hr_error_set(err, 0, "%s: range exceeds the 32-bit id space",
                          path);
    (*out)[i] =
        (struct hr_id_mapping){(uint32_t)cid, (uint32_t)hid, (uint32_t)size};
    (*n_out)++;
  }
  return 0;
}

static int parse_device(json_t *o, const char *path, struct hr_device *d,
                        hr_error_t *err) {
  if (hr_json_get_string(o, path, "path", true, &d->path, err) < 0)
    return -1;
  _cleanup_free_ char *ppath = hr_cfg_join(path, "path", err);
  if (!ppath || hr_cfg_check_abs(ppath, d->path, false, err) < 0)
    return -1;
  _cleanup_free_ char *type = NULL;
  if (hr_json_get_string(o, path, "type", true, &type, err) < 0)
    return -1;
  if (strlen(type) != 1 || !strchr("cbup", type[0]))
    return hr_error_set(err, 0,
                        "%s.type: must be one of \"c\", \"b\", \"u\", \"p\", "
                        "got \"%s\"",
                        path, type);
  d->type = type[0];
  /* A FIFO has no device number; every other type needs both. */
  bool need = d->type != 'p';
  if (hr_json_get_int64(o, path, "major", need, 0, UINT32_MAX, &d->major, err) <
          0 ||
      hr_json_get_int64(o, path, "minor", need, 0, UINT32_MAX, &d->minor, err) <
          0)
    return -1;
  /* fileMode may carry the S_IFCHR/S_IFBLK bits (podman writes 8630);
   * users of it mask with 07777. */
  int r = hr_json_get_uint64(o, path, "fileMode", false, UINT32_MAX,
                             &d->file_mode.v, err);
  if (r < 0)
    return -1;
  d->file_mode.set = r == 1;
  r = hr_json_get_uint64(o, path, "uid", false, UINT32_MAX - 1, &d->uid.v, err);
  if (r < 0)
    return -1;
  d->uid.set = r == 1;
  r = hr_json_get_uint64(o, path, "gid", false, UINT32_MAX - 1, &d->gid.v, err);
  if (r < 0)
    return -1;
  d->gid.set = r == 1;
  return 0;
}

static int parse_devices(json_t *lx, struct hr_linux *l, hr_error_t *err) {
  json_t *arr;
  int r = hr_json_get_array(lx, "linux", "devices", false, &arr, err);
  if (r <= 0)
    return r;
  size_t n = json_array_size(arr);
  if (n == 0)
    return 0;
  l->devices = calloc(n, sizeof(*l->devices));
  if (!l->devices)
    return hr_error_set(err, ENOMEM, "linux.devices");
  for (size_t i = 0; i < n; i++) {
    json_t *o;
    if (hr_cfg_elem_object(arr, i, "linux.devices", &o, err) < 0)
      return -1;
    _cleanup_free_ char *path = hr_cfg_index("linux.devices", i, err);
    if (!path)
      return -1;
    l->n_devices++;
    if (parse_device(o, path, &l->devices[i], err) < 0)
      return -1;
    for (size_t k = 0; k < i; k++)
      if (strcmp(l->devices[k].path, l->devices[i].path) == 0)
        return hr_error_set(err, 0, "%s.path: duplicate device \"%s\"", path,
                            l->devices[i].path);
  }
  return 0;
}

static int parse_paths(json_t *lx, const char *key, char ***out, size_t *n,
                       hr_error_t *err) {
  if (hr_json_get_strv(lx, "linux", key, false, false, out, n, err) < 0)
    return -1;
  for (size_t i = 0; i < *n; i++) {
    _cleanup_free_ char *apath = hr_cfg_join("linux", key, err);
    _cleanup_free_ char *path = apath ? hr_cfg_index(apath, i, err) : NULL;
    if (!path || hr_cfg_check_abs(path, (*out)[i], false, err) < 0)
      return -1;
  }
  return 0;
}

static const struct {
  const char *name;
  unsigned long flags;
} propagations[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

static int parse_propagation(json_t *lx, struct hr_linux *l, hr_error_t *err) {
  _cleanup_free_ char *s = NULL;
  int r = hr_json_get_string(lx, "linux", "rootfsPropagation", false, &s, err);
  if (r <= 0)
    return r;
  for (size_t i = 0; i < sizeof(propagations) / sizeof(propagations[0]); i++)
    if (strcmp(s, propagations[i].name) == 0) {
      l->rootfs_propagation = propagations[i].flags;
      return 0;
    }
  return hr_error_set(err, 0,
                      "linux.rootfsPropagation: unknown propagation \"%s\"", s);
}

/* A sysctl key names a file under /proc/sys; refuse anything that could
 * walk out of it. */
static bool sysctl_key_ok(const char *k) {
  if (k[0] == '.' || k[0] == '/' || strstr(k, ".."))
    return false;
  for (const char *p = k; *p; p++)
    if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
        !(*p >= '0' && *p <= '9') && !strchr("._-/:@+", *p))
      return false;
  return true;
}

static int add_sysctl(void *ctx, char *key, char *value, hr_error_t *err) {
  struct hr_linux *l = ctx;
  if (!sysctl_key_ok(key)) {
    hr_error_set(err, 0, "linux.sysctl: invalid key \"%s\"", key);
    free(key);
    free(value);
    return -1;
  }
  struct hr_sysctl *n = realloc(l->sysctl, (l->n_sysctl + 1) * sizeof(*n));
  if (!n) {
    free(key);
    free(value);
    return hr_error_set(err, ENOMEM, "linux.sysctl");
  }
  l->sysctl = n;
  n[l->n_sysctl].key = key;
  n[l->n_sysctl].value = value;
  l->n_sysctl++;
  return 0;
}

static int parse_personality(json_t *lx, struct hr_linux *l, hr_error_t *err) {
  json_t *o;
  int r = hr_json_get_object(lx, "linux", "personality", false, &o, err);
  if (r <= 0)
    return r;
  _cleanup_free_ char *domain = NULL;
  if (hr_json_get_string(o, "linux.personality", "domain", true, &domain, err) <
      0)
    return -1;
  if (strcmp(domain, "LINUX") == 0)
    l->personality_domain.v = PER_LINUX;
  else if (strcmp(domain, "LINUX32") == 0)
    l->personality_domain.v = PER_LINUX32;
  else
    return hr_error_set(err, 0,
                        "linux.personality.domain: unknown domain \"%s\" "
                        "(want LINUX or LINUX32)",
                        domain);
  l->personality_domain.set = true;
  json_t *flags;
  r = hr_json_get_array(o, "linux.personality", "flags", false, &flags, err);
  if (r < 0)
    return -1;
  if (r == 1 && json_array_size(flags) > 0)
    return hr_error_set(err, 0, "linux.personality.flags: not supported");
  return 0;
}

/* Known parts of the spec we do not implement. Refusing them is the only
 * honest answer: ignoring them would run the container without the
 * requested isolation or limits. */
static const char *const unsupported_linux[] = {"intelRdt", "memoryPolicy",
                                                "netDevices"};

int hr_config_parse_linux(json_t *root, struct hr_config *c, hr_error_t *err) {
  json_t *lx;
  int r = hr_json_get_object(root, "", "linux", false, &lx, err);
  if (r <= 0)
    return r;
  struct hr_linux *l = &c->linux;
  for (size_t i = 0;
       i < sizeof(unsupported_linux) / sizeof(unsupported_linux[0]); i++) {
    json_t *v = json_object_get(lx, unsupported_linux[i]);
    if (v && !json_is_null(v))
      return hr_error_set(err, 0, "linux.%s: not supported",
                          unsupported_linux[i]);
  }
  if (parse_namespaces(lx, l, err) < 0 ||
      parse_mappings(lx, "uidMappings", &l->uid_mappings, &l->n_uid_mappings,
                     err) < 0 ||
      parse_mappings(lx, "gidMappings", &l->gid_mappings, &l->n_gid_mappings,
                     err) < 0 ||
      parse_devices(lx, l, err) < 0)
    return -1;

  json_t *to = json_object_get(lx, "timeOffsets");
  if (to && !json_is_null(to)) {
    if (!l->ns[HR_NS_TIME].present || l->ns[HR_NS_TIME].path)
      return hr_error_set(err, 0,
                          "linux.timeOffsets: requires a new time namespace");
    return hr_error_set(err, 0, "linux.timeOffsets: not supported");
  }

  if (hr_json_get_string(lx, "linux", "cgroupsPath", false, &l->cgroups_path,
                         err) < 0)
    return -1;
  if (l->cgroups_path && hr_cfg_has_dotdot(l->cgroups_path))
    return hr_error_set(err, 0, "linux.cgroupsPath: must not contain \"..\"");

  json_t *res;
  r = hr_json_get_object(lx, "linux", "resources", false, &res, err);
  if (r < 0)
    return -1;
  if (r == 1) {
    /* has_resources is set first so a partially filled struct is freed. */
    l->has_resources = true;
    if (hr_resources_parse(res, "linux.resources", &l->resources, err) < 0)
      return -1;
  }
  json_t *sec;
  r = hr_json_get_object(lx, "linux", "seccomp", false, &sec, err);
  if (r < 0)
    return -1;
  if (r == 1) {
    l->has_seccomp = true;
    if (hr_seccomp_parse(sec, "linux.seccomp", &l->seccomp, err) < 0)
      return -1;
  }

  if (parse_propagation(lx, l, err) < 0 ||
      parse_paths(lx, "maskedPaths", &l->masked_paths, &l->n_masked_paths,
                  err) < 0 ||
      parse_paths(lx, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths,
                  err) < 0)
    return -1;

  json_t *sys;
  r = hr_json_get_object(lx, "linux", "sysctl", false, &sys, err);
  if (r < 0)
    return -1;
  if (r == 1 && hr_cfg_string_map(sys, "linux.sysctl", add_sysctl, l, err) < 0)
    return -1;

  if (hr_json_get_string(lx, "linux", "mountLabel", false, &l->mount_label,
                         err) < 0)
    return -1;
  return parse_personality(lx, l, err);
}

/* runc's sysctl rule: a sysctl may only be set when it belongs to a
 * namespace the container has its own copy of. */
static int check_sysctl(const struct hr_linux *l, const char *key,
                        hr_error_t *err) {
  static const char *const ipc_keys[] = {
      "kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
      "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
      "kernel.shmmni", "kernel.shm_rmid_forced"};
  bool ipc = strncmp(key, "fs.mqueue.", 10) == 0;
  for (size_t i = 0; i < sizeof(ipc_keys) / sizeof(ipc_keys[0]); i++)
    ipc = ipc || strcmp(key, ipc_keys[i]) == 0;
  if (ipc) {
    if (l->ns[HR_NS_IPC].present)
      return 0;
    return hr_error_set(err, 0,
                        "linux.sysctl.%s: not allowed in the host's ipc "
                        "namespace",
                        key);
  }
  if (strncmp(key, "net.", 4) == 0) {
    if (l->ns[HR_NS_NETWORK].present)
      return 0;
    return hr_error_set(err, 0,
                        "linux.sysctl.%s: not allowed in the host's network "
                        "namespace",
                        key);
  }
  if (l->ns[HR_NS_UTS].present) {
    if (strcmp(key, "kernel.domainname") == 0)
      return 0;
    if (strcmp(key, "kernel.hostname") == 0)
      return hr_error_set(err, 0,
                          "linux.sysctl.%s: not allowed, it conflicts with "
                          "the hostname field",
                          key);
  }
  return hr_error_set(
      err, 0, "linux.sysctl.%s: not in a separate kernel namespace", key);
}

int hr_config_check_linux(json_t *root, struct hr_config *c, hr_error_t *err) {
  const struct hr_linux *l = &c->linux;
  const struct hr_namespace *user = &l->ns[HR_NS_USER];
  if (user->present && !user->path) {
    if (l->n_uid_mappings == 0)
      return hr_error_set(err, 0,
                          "linux.uidMappings: required when a user namespace "
                          "is created");
    if (l->n_gid_mappings == 0)
      return hr_error_set(err, 0,
                          "linux.gidMappings: required when a user namespace "
                          "is created");
  }
  if (!user->present) {
    if (l->n_uid_mappings > 0)
      return hr_error_set(err, 0,
                          "linux.uidMappings: set but no user namespace is "
                          "requested");
    if (l->n_gid_mappings > 0)
      return hr_error_set(err, 0,
                          "linux.gidMappings: set but no user namespace is "
                          "requested");
  }
  /* Same rule and wording as runc's validator. */
  if (c->hostname && c->hostname[0] && !l->ns[HR_NS_UTS].present)
    return hr_error_set(err, 0,
                        "hostname: unable to set hostname without a private "
                        "UTS namespace");
  if (c->domainname && c->domainname[0] && !l->ns[HR_NS_UTS].present)
    return hr_error_set(err, 0,
                        "domainname: unable to set domainname without a "
                        "private UTS namespace");
  for (size_t i = 0; i < l->n_sysctl; i++)
    if (check_sysctl(l, l->sysctl[i].key, err) < 0)
      return -1;
  return 0;
}

void hr_config_free_linux(struct hr_config *c) {
  struct hr_linux *l = &c->linux;
  for (int t = 0; t < HR_NS_COUNT; t++)
    free(l->ns[t].path);
  free(l->uid_mappings);
  free(l->gid_mappings);
  for (size_t i = 0; i < l->n_devices; i++)
    free(l->devices[i].path);
  free(l->devices);
  free(l->cgroups_path);
  if (l->has_resources)
    hr_resources_free(&l->resources);
  if (l->has_seccomp)
    hr_seccomp_free(&l->seccomp);
  hr_strv_free(l->masked_paths);
  hr_strv_free(l->readonly_paths);
  for (size_t i = 0; i < l->n_sysctl; i++) {
    free(l->sysctl[i].key);
    free(l->sysctl[i].value);
  }
  free(l->sysctl);
  free(l->mount_label);
  memset(l, 0, sizeof(*l));
}
