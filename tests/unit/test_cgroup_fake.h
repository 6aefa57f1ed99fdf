/* A fake cgroupfs for unit tests: a temp directory with the interface files
 * the kernel would provide, created by the test. Never /sys/fs/cgroup. */
#ifndef HRUN_TEST_CGROUP_FAKE_H
#define HRUN_TEST_CGROUP_FAKE_H

#include <jansson.h>

#include "hrun/cgroup.h"
#include "hrun/resources.h"

#define FAKE_CONTROLLERS "cpuset cpu io memory hugetlb pids rdma misc\n"

/* Temp root with cgroup.controllers and an empty cgroup.subtree_control. */
char *fake_root(const char *controllers);
/* mkdir -p root/rel with a cgroup's files (cgroup.subtree_control,
 * cgroup.procs, cgroup.events, limits ...), all empty or default. */
void fake_cgroup(const char *root, const char *rel);
/* mkdir -p root/rel, nothing inside. */
void fake_dir(const char *root, const char *rel);
void fake_write(const char *root, const char *rel, const char *content);
/* malloc'd content, NULL when missing. */
char *fake_read(const char *root, const char *rel);
bool fake_exists(const char *root, const char *rel);
void fake_rm(char *root); /* rm -rf and free */

/* Parse a LinuxResources JSON string (fails the test on error). */
void fake_resources(const char *json, struct hr_resources *r);

#endif
