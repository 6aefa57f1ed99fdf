#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "test_cgroup_fake.h"
#include "unit.h"

static char *join(const char *root, const char *rel) {
  char *p = NULL;
  if (asprintf(&p, "%s%s%s", root, *rel ? "/" : "", rel) < 0)
    abort();
  return p;
}

void fake_dir(const char *root, const char *rel) {
  _cleanup_free_ char *p = join(root, rel);
  if (!*rel)
    return;
  for (size_t i = strlen(root) + 1;; i++) {
    char c = p[i];
    if (c != '/' && c != '\0')
      continue;
    p[i] = '\0';
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
      unit_fail(__FILE__, __LINE__, "mkdir %s: %s", p, strerror(errno));
    p[i] = c;
    if (!c)
      break;
  }
}

void fake_write(const char *root, const char *rel, const char *content) {
  _cleanup_free_ char *p = join(root, rel);
  if (unit_write_file(p, content) < 0)
    unit_fail(__FILE__, __LINE__, "write %s: %s", p, strerror(errno));
}

char *fake_read(const char *root, const char *rel) {
  _cleanup_free_ char *p = join(root, rel);
  return unit_read_file(p);
}

bool fake_exists(const char *root, const char *rel) {
  _cleanup_free_ char *p = join(root, rel);
  struct stat st;
  return lstat(p, &st) == 0;
}

char *fake_root(const char *controllers) {
  char *root = unit_tmpdir();
  fake_write(root, "cgroup.controllers", controllers);
  fake_write(root, "cgroup.subtree_control", "");
  return root;
}

static const char *const cgroup_files[] = {
    "cgroup.subtree_control",
    "cgroup.procs",
    "cgroup.freeze",
    "memory.max",
    "memory.swap.max",
    "memory.low",
    "memory.high",
    "cpu.max",
    "cpu.weight",
    "cpu.max.burst",
    "cpu.idle",
    "cpuset.cpus",
    "cpuset.mems",
    "pids.max",
    "io.weight",
    "io.max",
    "hugetlb.2MB.max",
    "hugetlb.1GB.max",
    "rdma.max",
};

void fake_cgroup(const char *root, const char *rel) {
  fake_dir(root, rel);
  for (size_t i = 0; i < sizeof(cgroup_files) / sizeof(cgroup_files[0]); i++) {
    _cleanup_free_ char *f = NULL;
    if (asprintf(&f, "%s%s%s", rel, *rel ? "/" : "", cgroup_files[i]) < 0)
      abort();
    fake_write(root, f, "");
  }
  _cleanup_free_ char *ev = NULL;
  if (asprintf(&ev, "%s%scgroup.events", rel, *rel ? "/" : "") < 0)
    abort();
  fake_write(root, ev, "populated 0\nfrozen 0\n");
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw) {
  (void)st;
  (void)ftw;
  if (flag == FTW_DP)
    rmdir(path);
  else
    unlink(path);
  return 0;
}

void fake_rm(char *root) {
  if (!root)
    return;
  nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  free(root);
}

void fake_resources(const char *json, struct hr_resources *r) {
  json_error_t je;
  _cleanup_json_ json_t *j = json_loads(json, 0, &je);
  _cleanup_error_ hr_error_t err = NULL;
  memset(r, 0, sizeof(*r));
  if (!j) {
    unit_fail(__FILE__, __LINE__, "bad test JSON %s: %s", json, je.text);
    return;
  }
  if (hr_resources_parse(j, "linux.resources", r, &err) < 0)
    unit_fail(__FILE__, __LINE__, "parse %s: %s", json, hr_error_msg(err));
}
