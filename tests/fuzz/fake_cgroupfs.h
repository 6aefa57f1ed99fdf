/* A fake cgroup directory for the cgroup fuzz targets: a temp dir holding
 * the interface files hr_cgroup_apply writes (plain files accept any value),
 * made once per process and removed at exit. Never /sys/fs/cgroup. */
#ifndef HRUN_FUZZ_FAKE_CGROUPFS_H
#define HRUN_FUZZ_FAKE_CGROUPFS_H

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const fake_cg_files[] = {
    "cgroup.controllers",
    "cgroup.subtree_control",
    "cgroup.procs",
    "cgroup.events",
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
    "misc.max",
};

static char fake_cg_dir[PATH_MAX];

static void fake_cg_cleanup(void) {
  char p[PATH_MAX + 64];
  for (size_t i = 0; i < sizeof(fake_cg_files) / sizeof(*fake_cg_files); i++) {
    snprintf(p, sizeof(p), "%s/%s", fake_cg_dir, fake_cg_files[i]);
    unlink(p);
  }
  rmdir(fake_cg_dir);
}

/* The dir's path (also the fake cgroup2 mount, with cgroup.controllers). */
static const char *fake_cg_path(void) {
  if (fake_cg_dir[0])
    return fake_cg_dir;
  const char *tmp = getenv("TMPDIR");
  snprintf(fake_cg_dir, sizeof(fake_cg_dir), "%s/hrun-fuzz-cg.XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(fake_cg_dir)) {
    perror("mkdtemp");
    abort();
  }
  char p[PATH_MAX + 64];
  for (size_t i = 0; i < sizeof(fake_cg_files) / sizeof(*fake_cg_files); i++) {
    snprintf(p, sizeof(p), "%s/%s", fake_cg_dir, fake_cg_files[i]);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      perror(p);
      abort();
    }
    const char *v = "";
    if (!strcmp(fake_cg_files[i], "cgroup.controllers"))
      v = "cpuset cpu io memory hugetlb pids rdma misc\n";
    else if (!strcmp(fake_cg_files[i], "cpu.max"))
      v = "max 100000\n";
    if (write(fd, v, strlen(v)) < 0)
      abort();
    close(fd);
  }
  atexit(fake_cg_cleanup);
  return fake_cg_dir;
}

static int fake_cg_dirfd(void) {
  static int fd = -1;
  if (fd < 0)
    fd = open(fake_cg_path(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    abort();
  return fd;
}

/* cpu.max back to the kernel's default, so `update` reads a sane value. */
static void fake_cg_reset(void) {
  int fd = openat(fake_cg_dirfd(), "cpu.max", O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0 || write(fd, "max 100000\n", 11) != 11)
    abort();
  close(fd);
}

/* Content of one file (static buffer). */
static const char *fake_cg_read(const char *file) {
  static char buf[4096];
  buf[0] = '\0';
  int fd = openat(fake_cg_dirfd(), file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  buf[n > 0 ? n : 0] = '\0';
  return buf;
}

#endif
