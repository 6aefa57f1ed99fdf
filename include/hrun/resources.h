/* linux.resources, parsed and validated (also the input of `update`). */
#ifndef HRUN_RESOURCES_H
#define HRUN_RESOURCES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hrun/error.h"
#include "hrun/opt.h"

/* A device cgroup rule. major/minor -1 means wildcard. */
struct hr_device_rule {
  bool allow;
  char type; /* 'a', 'c' or 'b' */
  int64_t major, minor;
  char access[4]; /* subset of "rwm", NUL-terminated */
};

struct hr_weight_device {
  int64_t major, minor;
  hr_opt_u64 weight, leaf_weight;
};

struct hr_throttle_device {
  int64_t major, minor;
  uint64_t rate;
};

struct hr_hugepage_limit {
  char *page_size; /* "2MB", "1GB" ... */
  uint64_t limit;
};

struct hr_unified_entry {
  char *key, *value;
};

/* linux.resources.rdma.<device>; an unset field is left unlimited. */
struct hr_rdma_limit {
  char *device;
  hr_opt_u64 hca_handles, hca_objects;
};

struct hr_resources {
  struct {
    hr_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
    hr_opt_u64 swappiness;
    bool disable_oom_killer, has_disable_oom_killer;
    bool use_hierarchy, has_use_hierarchy;
    bool check_before_update;
    bool present;
  } memory;
  struct {
    hr_opt_u64 shares, period, realtime_period, burst;
    hr_opt_i64 quota, realtime_runtime, idle;
    char *cpus, *mems;
    bool present;
  } cpu;
  struct {
    hr_opt_i64 limit;
    bool present;
  } pids;
  struct {
    hr_opt_u64 weight, leaf_weight;
    struct hr_weight_device *weight_device;
    size_t n_weight_device;
    /* read bps, write bps, read iops, write iops */
    struct hr_throttle_device *throttle[4];
    size_t n_throttle[4];
    bool present;
  } block_io;
  struct hr_hugepage_limit *hugepages;
  size_t n_hugepages;
  struct hr_device_rule *devices;
  size_t n_devices;
  struct hr_unified_entry *unified;
  size_t n_unified;
  struct {
    hr_opt_u64 class_id;
    bool has_priorities;
  } network;
  struct {
    char **keys; /* device names, NULL-terminated */
    size_t n;
    struct hr_rdma_limit *limits; /* limits[i].device == keys[i] */
  } rdma;
  /* The JSON path given to hr_resources_parse ("linux.resources" or
   * "resources"); the cgroup code names fields with it. NULL means
   * "linux.resources". */
  char *path;
};

enum hr_throttle_kind {
  HR_THROTTLE_READ_BPS,
  HR_THROTTLE_WRITE_BPS,
  HR_THROTTLE_READ_IOPS,
  HR_THROTTLE_WRITE_IOPS
};

/* Parse a LinuxResources object. `path` is its JSON path for errors
 * ("linux.resources", or "resources" for `update`). */
int hr_resources_parse(json_t *obj, const char *path, struct hr_resources *out,
                       hr_error_t *err);
void hr_resources_free(struct hr_resources *r);
/* True when any limit at all is requested. */
bool hr_resources_any(const struct hr_resources *r);

#endif
