#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/container_setup.h"

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
    if (res && hr_cgroup_check(v2, mode, res, err) < 0)
      return -1;
    if (res && hr_resources_any(res))
      return hr_error_set(err, 0,
                          "cgroup v2 is not available (host uses a %s cgroup "
                          "layout); cannot apply linux.resources",
                          hr_cgroup_mode_name(mode));
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
