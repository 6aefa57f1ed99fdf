/* The audit checks. Each looks at the parsed config only and says what it
 * found (the reason) and, when failing, what to change (the fix). */
#include "hrun/audit.h"

#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "hrun/cleanup.h"
#include "hrun/container_setup.h"
#include "hrun/process_setup.h"

/* Append to a "; "-separated list (*s may be NULL). false on OOM. */
__attribute__((format(printf, 2, 3))) static bool note(char **s,
                                                       const char *fmt, ...) {
  _cleanup_free_ char *add = NULL;
  va_list ap;
  va_start(ap, fmt);
  int r = vasprintf(&add, fmt, ap);
  va_end(ap);
  if (r < 0)
    return false;
  char *n = NULL;
  if (asprintf(&n, "%s%s%s", *s ? *s : "", *s ? "; " : "", add) < 0)
    return false;
  free(*s);
  *s = n;
  return true;
}

struct check {
  const char *id, *title, *ref, *fix;
  /* Sets *reason (always) and returns 1 pass, 0 fail, -1 OOM. */
  int (*run)(const struct hr_config *c, char **reason);
};

/* "CAP_KILL, CAP_SYS_ADMIN" for a mask; NULL on OOM. */
static char *cap_list(uint64_t mask) {
  char *s = strdup("");
  for (int i = 0; s && i < 64; i++) {
    if (!(mask & (1ULL << i)))
      continue;
    const char *name = hr_cap_name(i);
    char *n = NULL;
    if (asprintf(&n, "%s%s%s", s, *s ? ", " : "", name ? name : "?") < 0)
      n = NULL;
    free(s);
    s = n;
  }
  return s;
}

static int check_privileged(const struct hr_config *c, char **reason) {
  const struct hr_process *p = &c->process;
  bool ok = true;
  if (c->has_process && !p->has_caps && p->user.uid == 0) {
    ok = false;
    if (!note(reason, "no process.capabilities: root keeps every "
                      "capability"))
      return -1;
  } else if (p->has_caps &&
             ((p->caps.bounding | p->caps.effective | p->caps.permitted) &
              (1ULL << CAP_SYS_ADMIN))) {
    ok = false;
    if (!note(reason, "CAP_SYS_ADMIN is granted"))
      return -1;
  }
  const struct hr_resources *r = &c->linux.resources;
  for (size_t i = 0; c->linux.has_resources && i < r->n_devices; i++) {
    const struct hr_device_rule *d = &r->devices[i];
    if (d->allow && d->type == 'a' && d->major < 0 && d->minor < 0) {
      ok = false;
      if (!note(reason, "linux.resources.devices[%zu] allows every device", i))
        return -1;
    }
  }
  for (size_t i = 0; i < c->n_mounts; i++) {
    const struct hr_mount *m = &c->mounts[i];
    if (!m->type || (strcmp(m->type, "sysfs") && strcmp(m->type, "cgroup") &&
                     strcmp(m->type, "cgroup2")))
      continue;
    if (!(m->flags & MS_RDONLY)) {
      ok = false;
      if (!note(reason, "%s (%s) is writable", m->destination, m->type))
        return -1;
    }
  }
  if (ok && !note(reason, "no CAP_SYS_ADMIN, no device wildcard, sysfs and "
                          "cgroupfs read-only"))
    return -1;
  return ok;
}

#define ALLOWED_CAPS (1ULL << CAP_NET_BIND_SERVICE)

static int check_caps(const struct hr_config *c, char **reason) {
  const struct hr_process *p = &c->process;
  if (!c->has_process)
    return note(reason, "no process") ? 1 : -1;
  if (!p->has_caps)
    return note(reason, "no process.capabilities: the bounding set keeps "
                        "every capability")
               ? 0
               : -1;
  static const struct {
    const char *name;
    size_t off;
  } sets[] = {
      {"bounding", offsetof(struct hr_caps, bounding)},
      {"effective", offsetof(struct hr_caps, effective)},
      {"permitted", offsetof(struct hr_caps, permitted)},
      {"inheritable", offsetof(struct hr_caps, inheritable)},
      {"ambient", offsetof(struct hr_caps, ambient)},
  };
  bool ok = true;
  for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
    uint64_t v = *(const uint64_t *)((const char *)&p->caps + sets[i].off);
    uint64_t extra = v & ~ALLOWED_CAPS;
    if (!extra)
      continue;
    ok = false;
    _cleanup_free_ char *list = cap_list(extra);
    if (!list || !note(reason, "%s has %s", sets[i].name, list))
      return -1;
  }
  if (ok && !note(reason, p->caps.bounding ? "only CAP_NET_BIND_SERVICE"
                                           : "no capabilities"))
    return -1;
  return ok;
}

static int check_nnp(const struct hr_config *c, char **reason) {
  bool ok = c->has_process && c->process.no_new_privileges;
  if (!c->has_process)
    return note(reason, "no process") ? 1 : -1;
  return note(reason, ok ? "process.noNewPrivileges is true"
                         : "process.noNewPrivileges is not set: setuid "
                           "binaries and file capabilities gain privilege")
             ? ok
             : -1;
}

static int check_non_root(const struct hr_config *c, char **reason) {
  if (!c->has_process)
    return note(reason, "no process") ? 1 : -1;
  if (c->process.user.uid != 0)
    return note(reason, "runs as uid %u", (unsigned)c->process.user.uid) ? 1
                                                                         : -1;
  if (c->linux.ns[HR_NS_USER].present)
    return note(reason, "uid 0 inside a user namespace") ? 1 : -1;
  return note(reason, "runs as uid 0 without a user namespace") ? 0 : -1;
}

static int check_seccomp(const struct hr_config *c, char **reason) {
  const char *opt = hr_annotation_get(c, HR_ANNOTATION_SECCOMP);
  if (opt)
    return note(reason, "annotation %s=%s turns seccomp off",
                HR_ANNOTATION_SECCOMP, opt)
               ? 0
               : -1;
  if (!c->linux.has_seccomp)
    return note(reason, "no linux.seccomp: hrun's default profile applies")
               ? 1
               : -1;
  uint32_t a = c->linux.seccomp.default_action;
  if (a == SCMP_ACT_ALLOW || a == SCMP_ACT_LOG)
    return note(reason,
                "linux.seccomp allows every syscall it does not list "
                "(defaultAction %s)",
                a == SCMP_ACT_ALLOW ? "SCMP_ACT_ALLOW" : "SCMP_ACT_LOG")
               ? 0
               : -1;
  return note(reason, "linux.seccomp denies by default") ? 1 : -1;
}

static int check_ro_root(const struct hr_config *c, char **reason) {
  return note(reason, c->root_readonly ? "root.readonly is true"
                                       : "root.readonly is not set: the "
                                         "image is writable")
             ? c->root_readonly
             : -1;
}

static int check_tmpfs(const struct hr_config *c, char **reason) {
  bool ok = true;
  size_t n = 0;
  for (size_t i = 0; i < c->n_mounts; i++) {
    const struct hr_mount *m = &c->mounts[i];
    if (!m->type || strcmp(m->type, "tmpfs") != 0 || m->bind ||
        (m->flags & MS_RDONLY))
      continue;
    n++;
    bool is_dev = !strcmp(m->destination, "/dev");
    const char *missing[3];
    size_t k = 0;
    if (!(m->flags & MS_NOEXEC))
      missing[k++] = "noexec";
    if (!(m->flags & MS_NOSUID))
      missing[k++] = "nosuid";
    if (!is_dev && !(m->flags & MS_NODEV))
      missing[k++] = "nodev";
    if (k == 0)
      continue;
    ok = false;
    if (!note(reason, "%s lacks %s%s%s%s%s", m->destination, missing[0],
              k > 1 ? "," : "", k > 1 ? missing[1] : "", k > 2 ? "," : "",
              k > 2 ? missing[2] : ""))
      return -1;
  }
  if (ok && n && !note(reason, "%zu writable tmpfs, all noexec,nosuid", n))
    return -1;
  if (ok && !n && !note(reason, "no writable tmpfs"))
    return -1;
  return ok;
}

/* linux.resources.unified KEY, when it sets a limit (not "max"). */
static const char *unified_limit(const struct hr_config *c, const char *key) {
  const struct hr_resources *r = &c->linux.resources;
  for (size_t i = 0; c->linux.has_resources && i < r->n_unified; i++)
    if (!strcmp(r->unified[i].key, key) &&
        strncmp(r->unified[i].value, "max", 3) != 0)
      return r->unified[i].value;
  return NULL;
}

static int check_memory(const struct hr_config *c, char **reason) {
  const struct hr_resources *r = &c->linux.resources;
  const char *u = unified_limit(c, "memory.max");
  if (c->linux.has_resources && r->memory.limit.set && r->memory.limit.v > 0)
    return note(reason, "memory.limit %lld bytes", (long long)r->memory.limit.v)
               ? 1
               : -1;
  if (u)
    return note(reason, "unified memory.max %s", u) ? 1 : -1;
  return note(reason, "no linux.resources.memory.limit") ? 0 : -1;
}

static int check_cpu(const struct hr_config *c, char **reason) {
  const struct hr_resources *r = &c->linux.resources;
  const char *u = unified_limit(c, "cpu.max");
  if (c->linux.has_resources && r->cpu.quota.set && r->cpu.quota.v > 0) {
    uint64_t period = r->cpu.period.set ? r->cpu.period.v : 100000;
    return note(reason, "cpu.quota %lld per %llu us", (long long)r->cpu.quota.v,
                (unsigned long long)period)
               ? 1
               : -1;
  }
  if (u)
    return note(reason, "unified cpu.max %s", u) ? 1 : -1;
  return note(reason, "no linux.resources.cpu.quota") ? 0 : -1;
}

static int check_pids(const struct hr_config *c, char **reason) {
  const struct hr_resources *r = &c->linux.resources;
  const char *u = unified_limit(c, "pids.max");
  if (c->linux.has_resources && r->pids.limit.set && r->pids.limit.v > 0)
    return note(reason, "pids.limit %lld", (long long)r->pids.limit.v) ? 1 : -1;
  if (u)
    return note(reason, "unified pids.max %s", u) ? 1 : -1;
  return note(reason, "no linux.resources.pids.limit: a fork bomb reaches "
                      "the host")
             ? 0
             : -1;
}

/* A namespace path that names the host's own namespace (runtimes and
 * orchestrators use /var/run/netns/... or /proc/PID/ns of a sandbox). */
static bool host_ns_path(const char *p) {
  return !strncmp(p, "/proc/1/ns/", 11) || !strncmp(p, "/proc/self/ns/", 14) ||
         !strncmp(p, "/proc/thread-self/ns/", 21);
}

static int check_namespaces(const struct hr_config *c, char **reason) {
  static const enum hr_ns_type need[] = {HR_NS_PID, HR_NS_NETWORK, HR_NS_IPC,
                                         HR_NS_UTS, HR_NS_MOUNT};
  bool ok = true;
  for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
    const struct hr_namespace *ns = &c->linux.ns[need[i]];
    const char *name = hr_ns_name(need[i]);
    if (!ns->present) {
      ok = false;
      if (!note(reason, "shares the host's %s namespace", name))
        return -1;
    } else if (ns->path && host_ns_path(ns->path)) {
      ok = false;
      if (!note(reason, "joins the host's %s namespace (%s)", name, ns->path))
        return -1;
    } else if (ns->path && !note(reason, "joins %s", ns->path)) {
      return -1;
    }
  }
  if (ok && !note(reason, "pid, network, ipc, uts and mount are private"))
    return -1;
  return ok;
}

/* The devices every container gets (runc's defaults). */
static bool default_device(int64_t major, int64_t minor) {
  static const int64_t devs[][2] = {{1, 3}, {1, 5}, {1, 7}, {1, 8},
                                    {1, 9}, {5, 0}, {5, 1}, {5, 2}};
  for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
    if (devs[i][0] == major && devs[i][1] == minor)
      return true;
  return false;
}

static int check_devices(const struct hr_config *c, char **reason) {
  bool ok = true;
  for (size_t i = 0; i < c->linux.n_devices; i++) {
    const struct hr_device *d = &c->linux.devices[i];
    if (d->type == 'p' || default_device(d->major, d->minor))
      continue;
    ok = false;
    if (!note(reason, "linux.devices adds %s (%c %lld:%lld)", d->path, d->type,
              (long long)d->major, (long long)d->minor))
      return -1;
  }
  for (size_t i = 0; i < c->n_mounts; i++) {
    const struct hr_mount *m = &c->mounts[i];
    if (!m->bind || !m->source)
      continue;
    if (strcmp(m->source, "/dev") && strncmp(m->source, "/dev/", 5))
      continue;
    ok = false;
    if (!note(reason, "%s binds the host's %s", m->destination, m->source))
      return -1;
  }
  if (ok && !note(reason, "only the default devices"))
    return -1;
  return ok;
}

static int check_propagation(const struct hr_config *c, char **reason) {
  bool ok = true;
  if (c->linux.rootfs_propagation & MS_SHARED) {
    ok = false;
    if (!note(reason, "linux.rootfsPropagation is shared"))
      return -1;
  }
  for (size_t i = 0; i < c->n_mounts; i++) {
    const struct hr_mount *m = &c->mounts[i];
    if (!(m->propagation & MS_SHARED))
      continue;
    ok = false;
    if (!note(reason, "%s is mounted %s", m->destination,
              (m->propagation & MS_REC) ? "rshared" : "shared"))
      return -1;
  }
  if (ok && !note(reason, "no shared mount propagation"))
    return -1;
  return ok;
}

static bool has_path(char **v, size_t n, const char *p) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(v[i], p))
      return true;
  return false;
}

/* Append the paths of want[] that are in neither list to *out, comma
 * separated. false on OOM. */
static bool missing_paths(const char *const *want, size_t n_want, char **a,
                          size_t na, char **b, size_t nb, char **out) {
  for (size_t i = 0; i < n_want; i++) {
    if (has_path(a, na, want[i]) || has_path(b, nb, want[i]))
      continue;
    char *n = NULL;
    if (asprintf(&n, "%s%s%s", *out ? *out : "", *out ? ", " : "", want[i]) < 0)
      return false;
    free(*out);
    *out = n;
  }
  return true;
}

static int check_masks(const struct hr_config *c, char **reason) {
  static const char *const masked[] = {
      "/proc/acpi",        "/proc/asound",        "/proc/kcore",
      "/proc/keys",        "/proc/latency_stats", "/proc/timer_list",
      "/proc/timer_stats", "/proc/sched_debug",   "/proc/scsi",
      "/sys/firmware"};
  static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq",
                                         "/proc/sys", "/proc/sysrq-trigger"};
  const struct hr_linux *l = &c->linux;
  _cleanup_free_ char *not_masked = NULL, *not_ro = NULL;
  /* a masked path is also not writable: it satisfies readonlyPaths */
  if (!missing_paths(masked, sizeof(masked) / sizeof(masked[0]),
                     l->masked_paths, l->n_masked_paths, NULL, 0,
                     &not_masked) ||
      !missing_paths(readonly, sizeof(readonly) / sizeof(readonly[0]),
                     l->readonly_paths, l->n_readonly_paths, l->masked_paths,
                     l->n_masked_paths, &not_ro))
    return -1;
  if (not_masked && !note(reason, "not masked: %s", not_masked))
    return -1;
  if (not_ro && !note(reason, "not read-only: %s", not_ro))
    return -1;
  if (!not_masked && !not_ro &&
      !note(reason, "runc's masked and read-only /proc and /sys paths"))
    return -1;
  return !not_masked && !not_ro;
}

/* Kubernetes' safe sysctls: namespaced, and isolated from other pods. */
static bool safe_sysctl(const char *key) {
  static const char *const safe[] = {"kernel.shm_rmid_forced",
                                     "net.ipv4.ip_local_port_range",
                                     "net.ipv4.ip_unprivileged_port_start",
                                     "net.ipv4.tcp_syncookies",
                                     "net.ipv4.ping_group_range",
                                     "net.ipv4.ip_local_reserved_ports",
                                     "net.ipv4.tcp_keepalive_time",
                                     "net.ipv4.tcp_fin_timeout",
                                     "net.ipv4.tcp_keepalive_intvl",
                                     "net.ipv4.tcp_keepalive_probes",
                                     "net.ipv4.tcp_rmem",
                                     "net.ipv4.tcp_wmem"};
  char k[256];
  size_t n = strlen(key);
  if (n >= sizeof(k))
    return false;
  for (size_t i = 0; i <= n; i++)
    k[i] = key[i] == '/' ? '.' : key[i];
  for (size_t i = 0; i < sizeof(safe) / sizeof(safe[0]); i++)
    if (!strcmp(k, safe[i]))
      return true;
  return false;
}

static int check_sysctl(const struct hr_config *c, char **reason) {
  const struct hr_namespace *net_ns = &c->linux.ns[HR_NS_NETWORK];
  bool private_net =
      net_ns->present && !(net_ns->path && host_ns_path(net_ns->path));
  bool ok = true;
  for (size_t i = 0; i < c->linux.n_sysctl; i++) {
    const char *k = c->linux.sysctl[i].key;
    bool net = !strncmp(k, "net.", 4) || !strncmp(k, "net/", 4);
    if (!safe_sysctl(k)) {
      ok = false;
      if (!note(reason, "%s is not in the safe set", k))
        return -1;
    } else if (net && !private_net) {
      ok = false;
      if (!note(reason,
                "%s without a private network namespace sets the "
                "host's",
                k))
        return -1;
    }
  }
  if (ok && !note(reason, c->linux.n_sysctl ? "only safe namespaced sysctls"
                                            : "no sysctls"))
    return -1;
  return ok;
}

static const struct check checks[] = {
    {"privileged", "not privileged", "PSS baseline: privileged; CIS 5.4",
     "grant no CAP_SYS_ADMIN, deny devices by default (linux.resources."
     "devices [{\"allow\":false,\"access\":\"rwm\"}]), mount sysfs and "
     "cgroup \"ro\"",
     check_privileged},
    {"capabilities", "capabilities dropped",
     "PSS restricted: capabilities; CIS 5.3",
     "list at most CAP_NET_BIND_SERVICE in process.capabilities (bounding, "
     "effective, permitted; inheritable and ambient empty)",
     check_caps},
    {"no-new-privileges", "no_new_privs",
     "PSS restricted: allowPrivilegeEscalation; CIS 5.25",
     "set process.noNewPrivileges to true", check_nnp},
    {"non-root", "non-root user or user namespace",
     "PSS restricted: runAsNonRoot",
     "set process.user.uid to a non-zero uid (hrun run --profile prod), or "
     "add a user namespace with uidMappings",
     check_non_root},
    {"seccomp", "seccomp on", "PSS restricted: seccompProfile; CIS 5.21",
     "remove the run.hrun.seccomp=unconfined annotation, or use a "
     "linux.seccomp that denies by default (or none: hrun's default profile)",
     check_seccomp},
    {"readonly-rootfs", "read-only rootfs", "CIS 5.12",
     "set root.readonly to true and mount tmpfs where the program writes",
     check_ro_root},
    {"tmpfs-noexec", "writable tmpfs noexec", "CIS 5.12 (hardened baseline)",
     "add noexec,nosuid (and nodev, except on /dev) to the options of each "
     "writable tmpfs",
     check_tmpfs},
    {"memory-limit", "memory limit", "CIS 5.10",
     "set linux.resources.memory.limit (bytes)", check_memory},
    {"cpu-limit", "cpu limit", "CIS 5.11",
     "set linux.resources.cpu.quota and period", check_cpu},
    {"pids-limit", "pids limit", "CIS 5.28", "set linux.resources.pids.limit",
     check_pids},
    {"namespaces", "private namespaces",
     "PSS baseline: host namespaces; CIS 5.9, 5.15, 5.16, 5.20",
     "list pid, network, ipc, uts and mount in linux.namespaces without a "
     "path to a host namespace",
     check_namespaces},
    {"host-devices", "no host devices", "CIS 5.17",
     "remove linux.devices beyond the defaults and bind mounts of /dev "
     "paths",
     check_devices},
    {"propagation", "no shared propagation", "CIS 5.19",
     "use private or slave propagation (rprivate is the default)",
     check_propagation},
    {"masked-paths", "masked paths", "PSS baseline: procMount",
     "add runc's defaults to linux.maskedPaths and linux.readonlyPaths "
     "(hrun spec writes them)",
     check_masks},
    {"sysctls", "only namespaced safe sysctls", "PSS baseline: sysctls",
     "remove linux.sysctl keys outside the safe set (kernel.shm_rmid_forced, "
     "net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, "
     "net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, ...)",
     check_sysctl},
};

int hr_audit_config(const struct hr_config *cfg, struct hr_audit_report *out,
                    hr_error_t *err) {
  size_t n = sizeof(checks) / sizeof(checks[0]);
  memset(out, 0, sizeof(*out));
  out->items = calloc(n, sizeof(*out->items));
  if (!out->items)
    return hr_error_set(err, ENOMEM, "audit");
  for (size_t i = 0; i < n; i++) {
    struct hr_audit_item *it = &out->items[out->n_items++];
    it->id = checks[i].id;
    it->title = checks[i].title;
    it->ref = checks[i].ref;
    int r = checks[i].run(cfg, &it->reason);
    if (r < 0 || !it->reason) {
      hr_audit_report_free(out);
      return hr_error_set(err, ENOMEM, "audit %s", checks[i].id);
    }
    it->pass = r == 1;
    it->fix = it->pass ? NULL : checks[i].fix;
    if (it->pass)
      out->n_passed++;
  }
  out->score = (int)(out->n_passed * 100 / out->n_items);
  return 0;
}

void hr_audit_report_free(struct hr_audit_report *r) {
  for (size_t i = 0; i < r->n_items; i++)
    free(r->items[i].reason);
  free(r->items);
  memset(r, 0, sizeof(*r));
}

const struct hr_audit_item *hr_audit_find(const struct hr_audit_report *r,
                                          const char *id) {
  for (size_t i = 0; i < r->n_items; i++)
    if (!strcmp(r->items[i].id, id))
      return &r->items[i];
  return NULL;
}
