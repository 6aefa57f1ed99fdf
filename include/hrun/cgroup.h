/* cgroup v2: layout detection, cgroupsPath resolution, creating a
 * container's cgroup and applying linux.resources to it, and the operations
 * the lifecycle needs (enter, freeze, kill, list, destroy).
 *
 * Every function takes the cgroup2 mount point as a parameter
 * ("/sys/fs/cgroup" in production, a plain directory tree in unit tests),
 * and nothing here ever writes to a cgroup v1 hierarchy. */
#ifndef HRUN_CGROUP_H
#define HRUN_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hrun/error.h"
#include "hrun/resources.h"

#define HR_CGROUP_MOUNT "/sys/fs/cgroup"
#define HR_SYSTEMD_PRIVATE_SOCKET "/run/systemd/private"
#define HR_CGROUP_DEFAULT_TIMEOUT_MS 10000u

enum hr_cgroup_mode {
  HR_CGROUP_UNIFIED, /* cgroup2 at the mount point */
  HR_CGROUP_HYBRID,  /* v1 controllers, cgroup2 (no controllers) at unified/ */
  HR_CGROUP_LEGACY,  /* v1 only */
  HR_CGROUP_NONE     /* nothing mounted there */
};

/* statfs(mnt): CGROUP2_SUPER_MAGIC -> unified (*v2_mount = mnt); tmpfs with
 * a cgroup2 mnt/unified -> hybrid (*v2_mount = mnt/unified); tmpfs without
 * -> legacy (*v2_mount = NULL); missing or another fs -> none. */
int hr_cgroup_detect_mode(const char *mnt, enum hr_cgroup_mode *mode,
                          char **v2_mount, hr_error_t *err);
/* The decision above from the two statfs results (0 = could not stat). */
enum hr_cgroup_mode hr_cgroup_mode_from_magic(long mnt_magic,
                                              long unified_magic);
const char *hr_cgroup_mode_name(enum hr_cgroup_mode mode);

/* An open container cgroup. */
struct hr_cgroup {
  char *mount; /* the cgroup2 mount point */
  char *path;  /* relative to mount, no leading '/' */
  int dirfd;   /* O_PATH|O_DIRECTORY of the cgroup dir; usable as the
                  CLONE_INTO_CGROUP fd and as the base of every openat */
  enum hr_cgroup_mode mode;
  unsigned timeout_ms; /* bound of freeze/destroy waits; 0 = default */
};

/* cgroupsPath -> path relative to the v2 mount:
 *  - absolute ("/default/ID", containerd) -> relative to the mount;
 *  - relative -> under the caller's own cgroup, the "0::/x" line of
 *    self_cgroup (the file; NULL = /proc/self/cgroup);
 *  - missing or "" -> "hrun/ID" (under the mount, not the caller's cgroup:
 *    the caller's cgroup has processes, so it could not delegate
 *    controllers to children);
 *  - systemd: "slice:prefix:name" -> the path systemd uses
 *    ("a-b.slice" -> "a.slice/a-b.slice", unit "prefix-name.scope"), after
 *    checking systemd's private socket is reachable; without systemd the
 *    error is "systemd cgroup driver requested (--systemd-cgroup) but
 *    systemd is not reachable: ...".
 * "." and empty components are dropped; ".." is rejected. */
int hr_cgroup_resolve_path(const char *cgroups_path, const char *id,
                           bool systemd, const char *self_cgroup, char **out,
                           hr_error_t *err);
/* Same, with the systemd socket path as a parameter (tests; NULL = the
 * default). */
int hr_cgroup_resolve_path_at(const char *cgroups_path, const char *id,
                              bool systemd, const char *self_cgroup,
                              const char *systemd_socket, char **out,
                              hr_error_t *err);

/* Fail unless r can be honoured on cgroup v2 with the controllers listed in
 * mnt/cgroup.controllers, e.g. `cgroup v2 controller "memory" is not
 * available (host uses a hybrid cgroup layout); cannot apply
 * linux.resources.memory`. Resources that need no controller pass even
 * with mnt == NULL (no cgroup2 hierarchy at all). */
int hr_cgroup_check(const char *mnt, enum hr_cgroup_mode mode,
                    const struct hr_resources *r, hr_error_t *err);

/* Check (above), mkdir -p mnt/rel, enable the controllers r needs in every
 * ancestor's cgroup.subtree_control, write the limits (unified last). An
 * existing, empty cgroup is reused. On failure the directories this call
 * created are removed. r may be NULL (no limits). Device rules are not
 * applied here: call hr_cgroup_set_devices (it needs a real cgroup2 fs and
 * CAP_SYS_ADMIN). */
int hr_cgroup_create(const char *mnt, enum hr_cgroup_mode mode, const char *rel,
                     const struct hr_resources *r, struct hr_cgroup *out,
                     hr_error_t *err);
int hr_cgroup_open(const char *mnt, enum hr_cgroup_mode mode, const char *rel,
                   struct hr_cgroup *out, hr_error_t *err);
/* Apply new limits to a live cgroup. Honours memory.checkBeforeUpdate; a
 * quota without a period keeps the current period. Device rules, when r
 * has any, replace the attached device program. */
int hr_cgroup_update(const struct hr_cgroup *cg, const struct hr_resources *r,
                     hr_error_t *err);
/* Move pid into the cgroup (when CLONE_INTO_CGROUP is not available). */
int hr_cgroup_enter(const struct hr_cgroup *cg, pid_t pid, hr_error_t *err);
/* Write cgroup.freeze, then wait (bounded) until cgroup.events reports the
 * same "frozen" state. */
int hr_cgroup_freeze(const struct hr_cgroup *cg, bool frozen, hr_error_t *err);
int hr_cgroup_is_frozen(const struct hr_cgroup *cg, bool *frozen,
                        hr_error_t *err);
/* SIGKILL uses cgroup.kill when present; otherwise every pid in the
 * subtree is signalled. */
int hr_cgroup_kill(const struct hr_cgroup *cg, int sig, hr_error_t *err);
/* Every pid in the subtree (recursive). *pids is malloc'd. */
int hr_cgroup_pids(const struct hr_cgroup *cg, pid_t **pids, size_t *n,
                   hr_error_t *err);
/* Kill what is left, wait (bounded) until cgroup.events says populated 0,
 * remove child cgroups depth-first, then the cgroup itself. A cgroup that
 * is already gone is not an error. */
int hr_cgroup_destroy(const struct hr_cgroup *cg, hr_error_t *err);
void hr_cgroup_close(struct hr_cgroup *cg);

/* Device access (cgroup v2 has no devices.* files): a
 * BPF_PROG_TYPE_CGROUP_DEVICE program built from rules, default deny, later
 * rules overriding earlier ones, then the devices every container gets
 * (null, zero, full, random, urandom, tty, ptmx, the pts devices) allowed. It
 * replaces any device program hrun attached before. */
int hr_cgroup_set_devices(const struct hr_cgroup *cg,
                          const struct hr_device_rule *rules, size_t n,
                          hr_error_t *err);

/* ---- building blocks, exposed for the other cgroup files and tests ---- */

/* v1 cpu.shares [2, 262144] -> v2 cpu.weight [1, 10000]; 0 -> 0 (unset). */
uint64_t hr_cgroup_shares_to_weight(uint64_t shares);
/* blkio weight [10, 1000] -> io.weight [1, 10000]. */
uint64_t hr_cgroup_blkio_to_io_weight(uint64_t weight);

/* Settings that only exist on cgroup v1 (kernel memory, swappiness,
 * realtime cpu, net_cls/net_prio, leaf weights ...) are errors, not
 * silently dropped. */
int hr_cgroup_check_v2(const struct hr_resources *r, hr_error_t *err);
/* Write every limit of r into the cgroup directory dirfd. update=true is
 * `hrun update` (keeps the current cpu period when only a quota is given).
 * Stops at the first write the kernel rejects:
 * `cgroup: write "max 100000" to cpu.max: Invalid argument`. */
int hr_cgroup_apply(int dirfd, const struct hr_resources *r, bool update,
                    hr_error_t *err);

/* A controller r needs and the first JSON path that needs it. */
struct hr_cgroup_need {
  char *controller;
  char *why; /* "linux.resources.memory" */
};
int hr_cgroup_needs(const struct hr_resources *r, struct hr_cgroup_need **needs,
                    size_t *n, hr_error_t *err);
void hr_cgroup_needs_free(struct hr_cgroup_need *needs, size_t n);

/* One value to one file of a cgroup dir (a single write(2), as cgroupfs
 * parses one value per write). The error names the file and the value. */
int hr_cgroup_write(int dirfd, const char *file, const char *value,
                    hr_error_t *err);
/* The same without an error object: 0 or -errno (callers that treat
 * ENOENT or EINVAL specially), and the error hr_cgroup_write would set. */
int hr_cgroup_write_raw(int dirfd, const char *file, const char *value);
int hr_cgroup_write_error(hr_error_t *err, int errnum, const char *file,
                          const char *value);
/* Whole small file; *out is malloc'd and NUL-terminated. Errors keep the
 * errno (ENOENT for a missing file). */
int hr_cgroup_read(int dirfd, const char *file, char **out, hr_error_t *err);
/* hr_cgroup_read of a file that may be absent (a controller that is not
 * enabled, a cgroup removed meanwhile): 1 when read, 0 when absent (*out
 * NULL), -1 on any other error. */
int hr_cgroup_read_optional(int dirfd, const char *file, char **out,
                            hr_error_t *err);
/* Value of `key` in a flat-keyed file such as cgroup.events. Returns 1 when
 * found, 0 when the key is absent. */
int hr_cgroup_read_key(int dirfd, const char *file, const char *key,
                       int64_t *value, hr_error_t *err);

/* Whether word is in a space-separated list such as cgroup.controllers. */
bool hr_cgroup_list_has(const char *list, const char *word);

/* The BPF device program, without loading it. Instructions are
 * struct bpf_insn from <linux/bpf.h> (8 bytes each); *insns is malloc'd. */
struct bpf_insn;
int hr_devfilter_build(const struct hr_device_rule *rules, size_t n,
                       struct bpf_insn **insns, size_t *n_insns,
                       hr_error_t *err);
/* Load (verify) a built program without attaching it; returns its fd. */
int hr_devfilter_load(const struct bpf_insn *insns, size_t n, hr_error_t *err);
/* The devices every container may use, appended after the config's rules. */
const struct hr_device_rule *hr_devfilter_defaults(size_t *n);

#endif
