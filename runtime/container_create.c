/* The parent side of create and run: validate, claim the id, make the
 * cgroup, clone the init straight into it, then drive the init through its
 * setup over the sync socket. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/clone.h"
#include "hrun/container.h"
#include "hrun/container_setup.h"
#include "hrun/hooks.h"
#include "hrun/log.h"
#include "hrun/lsm.h"
#include "hrun/pid_file.h"
#include "hrun/process_setup.h"
#include "hrun/procfs.h"
#include "hrun/profile.h"
#include "hrun/pty_relay.h"
#include "hrun/sync.h"
#include "hrun/terminal.h"
#include "hrun/test_hooks.h"

static int resolve_rootfs(const char *bundle, const struct hr_config *cfg,
                          char **out, hr_error_t *err) {
  if (!cfg->root_path)
    return hr_error_set(err, 0, "config.json: root.path: is required");
  _cleanup_free_ char *joined = NULL;
  if (cfg->root_path[0] == '/')
    joined = strdup(cfg->root_path);
  else if (asprintf(&joined, "%s/%s", bundle, cfg->root_path) < 0)
    joined = NULL;
  if (!joined)
    return hr_error_set(err, ENOMEM, "root.path");
  /* The rootfs itself must be a directory, not a link to one: a link in a
   * bundle can be repointed (at "/", say) between check and use. Links in
   * the parent directories are resolved as usual. */
  struct stat lst;
  if (lstat(joined, &lst) == 0 && S_ISLNK(lst.st_mode))
    return hr_error_set(err, 0,
                        "config.json: root.path: rootfs %s is a symlink; "
                        "give the directory itself",
                        joined);
  char *real = realpath(joined, NULL);
  if (!real)
    return hr_error_set(err, errno, "config.json: root.path: rootfs %s",
                        joined);
  struct stat st;
  if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
    free(real);
    return hr_error_set(err, ENOTDIR, "config.json: root.path: rootfs %s",
                        joined);
  }
  *out = real;
  return 0;
}

static int write_id_map(pid_t pid, const char *file,
                        const struct hr_id_mapping *m, size_t n,
                        hr_error_t *err) {
  char buf[4096];
  size_t off = 0;
  for (size_t i = 0; i < n; i++) {
    int w = snprintf(buf + off, sizeof(buf) - off, "%u %u %u\n",
                     m[i].container_id, m[i].host_id, m[i].size);
    if (w < 0 || (size_t)w >= sizeof(buf) - off)
      return hr_error_set(err, 0, "linux.%s: too many mappings", file);
    off += (size_t)w;
  }
  char path[64];
  snprintf(path, sizeof(path), "%d/%s", pid, file);
  _cleanup_close_ int fd = hr_procfs_open(path, O_WRONLY, err);
  if (fd < 0)
    return -1;
  if (write(fd, buf, off) != (ssize_t)off)
    return hr_error_set(err, errno, "write /proc/%s", path);
  return 0;
}

static bool has_hooks(const struct hr_config *c, enum hr_hook_kind k) {
  return c->n_hooks[k] > 0;
}

static int run_hooks(const struct hr_container *c, enum hr_hook_kind k,
                     const char *phase, enum hr_status st, hr_error_t *err) {
  if (!has_hooks(&c->cfg, k))
    return 0;
  _cleanup_json_ json_t *j = hr_state_to_json(&c->state, st);
  _cleanup_free_ char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
  if (!s)
    return hr_error_set(err, ENOMEM, "state for hooks");
  return hr_hooks_run(c->cfg.hooks[k], c->cfg.n_hooks[k], phase, s, err);
}

/* The effective user's name as NSS "files" finds it in /etc/passwd, ""
 * when it is not there. Not getpwuid: hrun can be linked statically, and
 * static NSS needs glibc's shared libraries at run time. */
static char *owner_name(void) {
  char want[16];
  int wl = snprintf(want, sizeof(want), "%u", (unsigned)geteuid());
  _cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
  char line[1024];
  while (f && fgets(line, sizeof(line), f)) {
    /* name:password:uid:gid:... */
    char *name_end = strchr(line, ':');
    const char *uid = name_end ? strchr(name_end + 1, ':') : NULL;
    if (!uid || strncmp(uid + 1, want, (size_t)wl) != 0 || uid[1 + wl] != ':')
      continue;
    *name_end = '\0';
    return strdup(line);
  }
  return strdup("");
}

/* Namespace flags to create at clone time. A user namespace joined by
 * path must be entered before anything is created, so in that case the
 * child makes its namespaces itself (see container_init.c). */
static uint64_t clone_ns_flags(const struct hr_config *cfg) {
  uint64_t flags = 0;
  for (int t = 0; t < HR_NS_COUNT; t++)
    if (cfg->linux.ns[t].present && !cfg->linux.ns[t].path)
      flags |= (uint64_t)hr_ns_clone_flag(t);
  return flags;
}

static int check_namespaces(const struct hr_config *cfg, hr_error_t *err) {
  const struct hr_namespace *user = &cfg->linux.ns[HR_NS_USER];
  if (user->present && user->path) {
    for (int t = 0; t < HR_NS_COUNT; t++)
      if (t != HR_NS_USER && cfg->linux.ns[t].present && !cfg->linux.ns[t].path)
        return hr_error_set(
            err, 0,
            "linux.namespaces: joining a user namespace by path while "
            "creating a new %s namespace is not supported",
            hr_ns_name(t));
  }
  if (user->present && !user->path) {
    for (int t = 0; t < HR_NS_COUNT; t++)
      if (t != HR_NS_USER && cfg->linux.ns[t].present && cfg->linux.ns[t].path)
        return hr_error_set(
            err, 0,
            "linux.namespaces: joining a %s namespace by path together with "
            "a new user namespace is not supported",
            hr_ns_name(t));
  }
  if (!cfg->linux.ns[HR_NS_MOUNT].present)
    return hr_error_set(err, 0,
                        "config.json: linux.namespaces: a mount namespace is "
                        "required");
  return 0;
}

/* A pid namespace given by path only affects our next children: join it
 * for the clone, and keep the old one (*own) to return to afterwards so
 * hooks and other later children stay outside the container. */
static int join_pid_ns(const struct hr_config *cfg, int *own, hr_error_t *err) {
  const struct hr_namespace *ns = &cfg->linux.ns[HR_NS_PID];
  if (!ns->present || !ns->path)
    return 0;
  *own = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
  if (*own < 0)
    return hr_error_set(err, errno, "open own pid namespace");
  _cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWPID) < 0)
    return hr_error_set(err, errno, "linux.namespaces: join pid namespace %s",
                        ns->path);
  return 0;
}

static void kill_and_reap(struct hr_container *c) {
  if (c->pidfd >= 0) {
    syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0);
    siginfo_t si;
    waitid(P_PIDFD, (id_t)c->pidfd, &si, WEXITED);
  }
}

/* Where the cgroup will go, in state.json before it is made: a create
 * killed in between leaves a record that delete --force cleans up after
 * (found by integration/tests/62-faults.sh, phase after-cgroup). A cgroup
 * that already has processes is not recorded: setup refuses it, and such a
 * delete must never kill another container. */
static int record_cgroup(const struct hr_create_opts *o, struct hr_container *c,
                         hr_error_t *err) {
  enum hr_cgroup_mode mode;
  _cleanup_free_ char *v2 = NULL, *rel = NULL, *procs = NULL;
  if (hr_cgroup_detect_mode(o->g->cgroup_root, &mode, &v2, err) < 0)
    return -1;
  if (mode != HR_CGROUP_UNIFIED || !v2)
    return 0;
  if (hr_cgroup_resolve_path(c->cfg.linux.cgroups_path, o->id,
                             o->g->systemd_cgroup, NULL, &rel, err) < 0)
    return hr_error_wrap(err, "config.json: linux.cgroupsPath");
  if (asprintf(&procs, "%s/%s/cgroup.procs", v2, rel) < 0)
    return hr_error_set(err, ENOMEM, "cgroup");
  char b;
  _cleanup_close_ int fd = open(procs, O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && read(fd, &b, 1) == 1)
    return 0;
  c->state.cgroup_mount = hr_steal_ptr(v2);
  c->state.cgroup_path = hr_steal_ptr(rel);
  return hr_state_save(c->state_dirfd, &c->state, err);
}

static int prepare_cgroup(const struct hr_create_opts *o,
                          struct hr_container *c, struct hr_cgroup *cg,
                          hr_error_t *err) {
  if (record_cgroup(o, c, err) < 0 ||
      hr_cgroup_setup(o->g->cgroup_root, &c->cfg, o->id, o->g->systemd_cgroup,
                      cg, err) < 0)
    return -1;
  free(c->state.cgroup_mount);
  free(c->state.cgroup_path);
  c->state.cgroup_mount = c->state.cgroup_path = NULL;
  if (cg->path) {
    c->state.cgroup_mount = strdup(cg->mount);
    c->state.cgroup_path = strdup(cg->path);
    c->owns_cgroup = true;
    if (!c->state.cgroup_mount || !c->state.cgroup_path)
      return hr_error_set(err, ENOMEM, "cgroup");
  }
  return 0;
}

/* Foreground run with a terminal and no --console-socket: the init sends
 * the master over this pair instead, and hrun relays it (as runc does).
 * Our end is non-blocking: after READY the master is there or never. */
static int tty_pair(int *ours, int *init_end, hr_error_t *err) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return hr_error_set(err, errno, "terminal: socketpair");
  *ours = sv[0];
  *init_end = sv[1];
  int fl = fcntl(sv[0], F_GETFL);
  if (fl < 0 || fcntl(sv[0], F_SETFL, fl | O_NONBLOCK) < 0)
    return hr_error_set(err, errno, "terminal: socketpair");
  return 0;
}

static int drive_init(const struct hr_create_opts *o, struct hr_container *c,
                      int *exit_code, hr_error_t *err) {
  for (;;) {
    char type;
    size_t len = 0;
    _cleanup_free_ char *payload = NULL;
    if (hr_sync_recv(c->sync_fd, &type, &payload, &len, err) < 0)
      return -1;
    switch (type) {
    case HR_SYNC_READY:
      return 0;
    case HR_SYNC_ERROR:
      return hr_sync_decode_error(payload, len, exit_code, err);
    case HR_SYNC_HOOKS: {
      if (run_hooks(c, HR_HOOK_PRESTART, "prestart", HR_STATUS_CREATING, err) <
              0 ||
          run_hooks(c, HR_HOOK_CREATE_RUNTIME, "createRuntime",
                    HR_STATUS_CREATING, err) < 0)
        return -1;
      _cleanup_json_ json_t *j =
          hr_state_to_json(&c->state, HR_STATUS_CREATING);
      _cleanup_free_ char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
      if (!s)
        return hr_error_set(err, ENOMEM, "state for hooks");
      if (hr_sync_send(c->sync_fd, HR_SYNC_HOOKS_DONE, s, strlen(s) + 1, err) <
          0)
        return -1;
      break;
    }
    case 0: {
      siginfo_t si = {0};
      waitid(P_PIDFD, (id_t)c->pidfd, &si, WEXITED | WNOHANG);
      return hr_error_set(err, 0,
                          "container init exited during setup (status %d)",
                          si.si_status);
    }
    default:
      return hr_error_set(err, 0, "container init sent unexpected '%c'", type);
    }
  }
}

int hr_container_create(const struct hr_create_opts *o, struct hr_container *c,
                        int *exit_code, hr_error_t *err) {
  memset(c, 0, sizeof(*c));
  c->state_dirfd = c->pidfd = c->sync_fd = c->console_master = -1;
  *exit_code = 1;
  struct hr_cgroup cg = {.dirfd = -1};
  struct hr_seccomp_program prog = {0};
  bool have_prog = false;
  _cleanup_close_ int fifo_fd = -1, console_fd = -1, tty_sock = -1,
                      own_pidns = -1;
  _cleanup_free_ char *rootfs = NULL;
  int sync[2] = {-1, -1};
  bool claimed = false;
  int ret = -1;

  if (hr_profile_config_load(o->bundle, o->profile, o->profile_force, &c->cfg,
                             err) < 0)
    goto out;
  struct hr_config *cfg = &c->cfg;
  if (!cfg->has_process) {
    hr_error_set(err, 0, "config.json: process: is required");
    goto out;
  }
  if (check_namespaces(cfg, err) < 0 || hr_lsm_check(cfg, "/sys", err) < 0)
    goto out;
  if (cfg->process.terminal && !o->console_socket && o->mode != HR_MODE_RUN) {
    hr_error_set(err, 0,
                 "cannot allocate tty if hrun will detach without setting "
                 "console socket (--console-socket)");
    goto out;
  }
  if (!cfg->process.terminal && o->console_socket) {
    hr_error_set(err, 0,
                 "--console-socket given but process.terminal is false");
    goto out;
  }
  if (resolve_rootfs(o->bundle, cfg, &rootfs, err) < 0)
    goto out;
  if (hr_seccomp_prepare_cached(cfg, o->g->root, &prog, &have_prog, err) < 0)
    goto out;
  hr_caps_warn_unapplied(&cfg->process.caps, "process.capabilities");

  if (hr_state_dir_create(o->g->root, o->id, &c->state_dirfd, err) < 0)
    goto out;
  claimed = true;
  HR_TEST_PHASE("after-statedir");
  char created[64];
  hr_rfc3339_now(created, sizeof(created));
  c->state.id = strdup(o->id);
  c->state.bundle = strdup(o->bundle);
  c->state.rootfs = strdup(rootfs);
  c->state.created = strdup(created);
  c->state.owner = owner_name();
  c->state.shared_pidns = !cfg->linux.ns[HR_NS_PID].present;
  c->state.has_poststart = has_hooks(cfg, HR_HOOK_POSTSTART);
  if (cfg->raw) {
    json_t *a = json_object_get(cfg->raw, "annotations");
    if (json_is_object(a))
      c->state.annotations = json_incref(a);
  }
  /* exec must apply the same profile the container was created with */
  c->state.extra = hr_profile_state_record(o->profile, o->profile_force);
  if (prepare_cgroup(o, c, &cg, err) < 0)
    goto out;
  HR_TEST_PHASE("after-cgroup");
  /* a record of what exists, so delete can clean up after a crash */
  if (hr_state_save(c->state_dirfd, &c->state, err) < 0)
    goto out;

  if (o->mode == HR_MODE_CREATE) {
    if (mkfifoat(c->state_dirfd, HR_EXEC_FIFO, 0600) < 0) {
      hr_error_set(err, errno, "create exec fifo");
      goto out;
    }
    /* read-write so the open neither blocks nor lets the init see EOF */
    fifo_fd = openat(c->state_dirfd, HR_EXEC_FIFO, O_RDWR | O_CLOEXEC);
    if (fifo_fd < 0) {
      hr_error_set(err, errno, "open exec fifo");
      goto out;
    }
  }
  if (o->console_socket &&
      hr_console_socket_connect(o->console_socket, &console_fd, err) < 0)
    goto out;
  if (cfg->process.terminal && !o->console_socket &&
      tty_pair(&tty_sock, &console_fd, err) < 0)
    goto out;
  if (hr_sync_socketpair(sync, err) < 0)
    goto out;
  if (join_pid_ns(cfg, &own_pidns, err) < 0)
    goto out;
  /* relative bind sources and hooks are relative to the bundle, as in runc */
  if (chdir(o->bundle) < 0) {
    hr_error_set(err, errno, "chdir to bundle %s", o->bundle);
    goto out;
  }

  const struct hr_namespace *user = &cfg->linux.ns[HR_NS_USER];
  uint64_t flags = user->path ? 0 : clone_ns_flags(cfg);
  bool in_cgroup = false;
  pid_t pid = hr_clone(flags, cg.dirfd, &c->pidfd, &in_cgroup);
  if (pid != 0 && own_pidns >= 0)
    (void)setns(own_pidns, CLONE_NEWPID); /* best effort: ours, just opened */
  if (pid < 0) {
    hr_error_set(err, errno, "clone container init");
    goto out;
  }
  if (pid == 0) {
    close(sync[0]);
    if (tty_sock >= 0)
      close(tty_sock);
    struct hr_init_args a = {
        .o = o,
        .cfg = cfg,
        .rootfs = rootfs,
        .sync_fd = sync[1],
        .fifo_fd = fifo_fd,
        .console_fd = console_fd,
        .seccomp = have_prog ? &prog : NULL,
        .userns_wait = user->present && !user->path,
        .has_hook_sync = has_hooks(cfg, HR_HOOK_PRESTART) ||
                         has_hooks(cfg, HR_HOOK_CREATE_RUNTIME) ||
                         has_hooks(cfg, HR_HOOK_CREATE_CONTAINER) ||
                         has_hooks(cfg, HR_HOOK_START_CONTAINER),
    };
    hr_init_main(&a);
  }
  HR_TEST_PHASE("after-clone");
  close(sync[1]);
  sync[1] = -1;
  c->sync_fd = hr_steal_fd(sync[0]);
  c->state.pid = pid;
  if (hr_proc_start_time(pid, &c->state.start_time) < 0) {
    hr_error_set(err, errno, "read start time of init %d", pid);
    goto out;
  }
  if (!in_cgroup && cg.path && hr_cgroup_enter(&cg, pid, err) < 0)
    goto out;
  if (user->present && !user->path) {
    if (write_id_map(pid, "uid_map", cfg->linux.uid_mappings,
                     cfg->linux.n_uid_mappings, err) < 0 ||
        write_id_map(pid, "gid_map", cfg->linux.gid_mappings,
                     cfg->linux.n_gid_mappings, err) < 0 ||
        hr_sync_send(c->sync_fd, HR_SYNC_USERNS_READY, NULL, 0, err) < 0)
      goto out;
  }
  if (drive_init(o, c, exit_code, err) < 0)
    goto out;
  /* the init sent the master during its setup, before READY */
  if (tty_sock >= 0 &&
      hr_pty_recv_master(tty_sock, &c->console_master, err) < 0)
    goto out;
  if (o->pid_file && hr_pid_file_write(o->pid_file, pid, err) < 0)
    goto out;
  HR_TEST_PHASE("after-pidfile");
  if (hr_state_save(c->state_dirfd, &c->state, err) < 0)
    goto out;
  ret = 0;
  *exit_code = 0;
out:
  if (sync[0] >= 0)
    close(sync[0]);
  if (sync[1] >= 0)
    close(sync[1]);
  if (have_prog)
    hr_seccomp_program_free(&prog);
  if (ret < 0 && claimed) {
    kill_and_reap(c);
    hr_error_t e2 = NULL;
    if (cg.path && hr_cgroup_destroy(&cg, &e2) < 0)
      hr_log_warn("cleanup: %s", hr_error_msg(e2));
    hr_error_free(&e2);
    hr_state_remove(o->g->root, o->id, NULL);
  }
  hr_cgroup_close(&cg);
  /* on failure the caller gets nothing to release */
  if (ret < 0)
    hr_container_release(c);
  return ret;
}

int hr_container_start_run(const struct hr_create_opts *o,
                           struct hr_container *c, hr_error_t *err) {
  (void)o;
  if (hr_sync_send(c->sync_fd, HR_SYNC_START, NULL, 0, err) < 0)
    return -1;
  /* the init closes its end at exec (CLOEXEC): EOF means the program runs;
   * a message means the last steps failed */
  char type;
  size_t len = 0;
  _cleanup_free_ char *payload = NULL;
  if (hr_sync_recv(c->sync_fd, &type, &payload, &len, err) < 0)
    return -1;
  if (type == HR_SYNC_ERROR)
    return hr_sync_decode_error(payload, len, NULL, err);
  return run_hooks(c, HR_HOOK_POSTSTART, "poststart", HR_STATUS_RUNNING, err);
}

void hr_container_release(struct hr_container *c) {
  if (c->state_dirfd >= 0)
    close(c->state_dirfd);
  if (c->pidfd >= 0)
    close(c->pidfd);
  if (c->sync_fd >= 0)
    close(c->sync_fd);
  if (c->console_master >= 0)
    close(c->console_master);
  c->state_dirfd = c->pidfd = c->sync_fd = c->console_master = -1;
  hr_state_free(&c->state);
  hr_config_free(&c->cfg);
}
