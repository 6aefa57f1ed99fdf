#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "hrun/cleanup.h"
#include "hrun/container_setup.h"
#include "hrun/log.h"

/* linux.devices nodes are usable by the container, as with runc: each gets
 * an allow rule after the config's own rules. */
static int device_rules(const struct hr_config *cfg,
                        struct hr_device_rule **out, size_t *n,
                        hr_error_t *err) {
  const struct hr_resources *r = &cfg->linux.resources;
  size_t base = cfg->linux.has_resources ? r->n_devices : 0;
  size_t total = base + cfg->linux.n_devices;
  *out = NULL;
  *n = 0;
  if (total == 0)
    return 0;
  struct hr_device_rule *rules = calloc(total, sizeof(*rules));
  if (!rules)
    return hr_error_set(err, ENOMEM, "device rules");
  if (base)
    memcpy(rules, r->devices, base * sizeof(*rules));
  for (size_t i = 0; i < cfg->linux.n_devices; i++) {
    const struct hr_device *d = &cfg->linux.devices[i];
    struct hr_device_rule *x = &rules[base + i];
    x->allow = true;
    x->type = d->type == 'b' ? 'b' : 'c';
    x->major = d->major;
    x->minor = d->minor;
    strcpy(x->access, "rwm");
  }
  *out = rules;
  *n = total;
  return 0;
}

/* Why a container could reach a device node that hrun did not create,
 * or NULL. Without a device cgroup that is what a deny rule has to hold
 * against: the nodes hrun makes in /dev (the default devices and
 * linux.devices) are allowed whatever the rules say, as the device
 * filter appends allow rules for them. */
static const char *device_escape(const struct hr_config *cfg) {
  /* no capabilities in the config: the bounding set is left full */
  uint64_t bounding =
      cfg->process.has_caps ? cfg->process.caps.bounding : ~(uint64_t)0;
  if (bounding & (UINT64_C(1) << CAP_MKNOD))
    return "CAP_MKNOD in the bounding set can create device nodes";
  if (bounding & (UINT64_C(1) << CAP_SYS_ADMIN))
    return "CAP_SYS_ADMIN in the bounding set can mount devtmpfs";
  /* file systems that come up without device nodes (/dev is hrun's
   * tmpfs); anything else, binds above all, may carry host nodes */
  static const char *const node_free[] = {
      "proc", "sysfs", "tmpfs", "devpts", "mqueue", "cgroup", "cgroup2"};
  for (size_t i = 0; i < cfg->n_mounts; i++) {
    const struct hr_mount *m = &cfg->mounts[i];
    /* nodev on an rbind covers the top mount, not its submounts */
    if (m->bind && m->recursive)
      return "a recursive bind mount may carry device nodes in its "
             "submounts";
    bool ok = (m->flags & MS_NODEV) != 0;
    for (size_t k = 0; !ok && !m->bind && m->type &&
                       k < sizeof(node_free) / sizeof(node_free[0]);
         k++)
      ok = strcmp(m->type, node_free[k]) == 0;
    if (!ok)
      return "a mount without nodev may carry device nodes";
  }
  return NULL;
}

/* Limits on a host where hrun makes no cgroup: hr_cgroup_check has named
 * a missing controller; what is left are limits that need a cgroup but
 * no controller. */
static int check_no_cgroup(const struct hr_config *cfg,
                           enum hr_cgroup_mode mode, hr_error_t *err) {
  const struct hr_resources *r = &cfg->linux.resources;
  const char *layout = mode == HR_CGROUP_HYBRID   ? "host uses a hybrid "
                                                    "cgroup layout"
                       : mode == HR_CGROUP_LEGACY ? "host uses cgroup v1"
                                                  : "no cgroup2 hierarchy";
  struct hr_cgroup_need *needs = NULL;
  size_t n = 0;
  if (hr_cgroup_needs(r, &needs, &n, err) < 0)
    return -1;
  if (n > 0) {
    /* the controller exists in the unified hierarchy of a hybrid host,
     * which hrun does not manage */
    int rc =
        hr_error_set(err, 0, "cgroup v2 is not available (%s); cannot apply %s",
                     layout, needs[0].why);
    hr_cgroup_needs_free(needs, n);
    return rc;
  }
  if (r->n_unified > 0)
    return hr_error_set(err, 0,
                        "cgroup v2 is not available (%s); cannot apply "
                        "linux.resources.unified.%s",
                        layout, r->unified[0].key);
  /* Device rules: every node hrun creates is allowed anyway, so the rules
   * hold without a device cgroup when the container cannot come by any
   * other node (runc's and hrun's default spec: deny all, no CAP_MKNOD,
   * no binds). The gap: device nodes already in the rootfs directory
   * stay openable, as the rootfs is not scanned. */
  const char *why = r->n_devices ? device_escape(cfg) : NULL;
  if (why)
    return hr_error_set(err, 0,
                        "cgroup v2 is not available (%s); cannot apply "
                        "linux.resources.devices without a device cgroup "
                        "(%s)",
                        layout, why);
  if (r->n_devices)
    hr_log_debug("linux.resources.devices: no device cgroup (%s); the "
                 "container can only reach the device nodes hrun creates",
                 layout);
  return 0;
}

int hr_cgroup_setup(const char *cgroup_root, const struct hr_config *cfg,
                    const char *id, bool systemd, struct hr_cgroup *cg,
                    hr_error_t *err) {
  const struct hr_resources *res =
      cfg->linux.has_resources ? &cfg->linux.resources : NULL;
  enum hr_cgroup_mode mode;
  _cleanup_free_ char *v2 = NULL;
  if (hr_cgroup_detect_mode(cgroup_root, &mode, &v2, err) < 0)
    return -1;
  if (mode != HR_CGROUP_UNIFIED) {
    /* never write to a v1 or hybrid hierarchy: run without a cgroup when
     * nothing is asked of one, else say which controller is missing */
    if (res && (hr_cgroup_check(v2, mode, res, err) < 0 ||
                check_no_cgroup(cfg, mode, err) < 0))
      return -1;
    return 0;
  }
  _cleanup_free_ char *rel = NULL;
  if (hr_cgroup_resolve_path(cfg->linux.cgroups_path, id, systemd, NULL, &rel,
                             err) < 0)
    return hr_error_wrap(err, "config.json: linux.cgroupsPath");
  if (hr_cgroup_create(v2, mode, rel, res, cg, err) < 0)
    return -1;
  _cleanup_free_ struct hr_device_rule *rules = NULL;
  size_t n = 0;
  if (device_rules(cfg, &rules, &n, err) < 0 ||
      hr_cgroup_set_devices(cg, rules, n, err) < 0) {
    hr_error_t e2 = NULL;
    hr_cgroup_destroy(cg, &e2);
    hr_error_free(&e2);
    hr_cgroup_close(cg);
    return hr_error_wrap(err, "linux.resources.devices");
  }
  return 0;
}
