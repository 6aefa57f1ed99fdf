/* The container's init before execve: runs in the cloned child, sets up
 * namespaces, rootfs, identity and the sandbox, reports to the parent over
 * the sync socket, then waits for `start` and execs the user program. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/container.h"
#include "hrun/hooks.h"
#include "hrun/loopback.h"
#include "hrun/process_setup.h"
#include "hrun/process_start.h"
#include "hrun/procfs.h"
#include "hrun/rootfs.h"
#include "hrun/seccomp.h"
#include "hrun/sync.h"
#include "hrun/terminal.h"
#include "hrun/test_hooks.h"

#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

__attribute__((noreturn)) static void fail(const struct hr_init_args *a,
                                           int code, hr_error_t *err) {
  hr_sync_send_error(a->sync_fd, code, *err);
  _exit(code ? code : 1);
}

static int join_namespaces(const struct hr_config *cfg, bool user_only,
                           hr_error_t *err) {
  for (int t = 0; t < HR_NS_COUNT; t++) {
    const struct hr_namespace *ns = &cfg->linux.ns[t];
    /* pid is joined by the parent: it only affects children */
    if (!ns->present || !ns->path || t == HR_NS_PID)
      continue;
    if (user_only != (t == HR_NS_USER))
      continue;
    _cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return hr_error_set(err, errno, "linux.namespaces: open %s namespace %s",
                          hr_ns_name(t), ns->path);
    if (setns(fd, hr_ns_clone_flag(t)) < 0)
      return hr_error_set(err, errno, "linux.namespaces: join %s namespace %s",
                          hr_ns_name(t), ns->path);
  }
  return 0;
}

static bool ns_new(const struct hr_config *cfg, enum hr_ns_type t) {
  return cfg->linux.ns[t].present && !cfg->linux.ns[t].path;
}

static int set_hostname(const struct hr_config *cfg, hr_error_t *err) {
  if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
    return hr_error_set(err, errno, "hostname: set \"%s\"", cfg->hostname);
  if (cfg->domainname &&
      setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
    return hr_error_set(err, errno, "domainname: set \"%s\"", cfg->domainname);
  return 0;
}

/* Only namespaced sysctls, and only when their namespace is private:
 * otherwise a container would change the host's kernel settings. */
static int sysctl_allowed(const struct hr_config *cfg, const char *key,
                          hr_error_t *err) {
  static const char *ipc_keys[] = {"kernel.msgmax", "kernel.msgmnb",
                                   "kernel.msgmni", "kernel.sem",
                                   "kernel.shmall", "kernel.shmmax",
                                   "kernel.shmmni", "kernel.shm_rmid_forced"};
  if (strstr(key, "..") || strchr(key, '/'))
    return hr_error_set(err, 0, "linux.sysctl: invalid key \"%s\"", key);
  for (size_t i = 0; i < sizeof(ipc_keys) / sizeof(ipc_keys[0]); i++)
    if (!strcmp(key, ipc_keys[i]))
      goto ipc;
  if (!strncmp(key, "fs.mqueue.", 10))
    goto ipc;
  if (!strncmp(key, "net.", 4)) {
    if (!ns_new(cfg, HR_NS_NETWORK) && !cfg->linux.ns[HR_NS_NETWORK].path)
      return hr_error_set(err, 0,
                          "linux.sysctl: \"%s\" requires a private network "
                          "namespace",
                          key);
    return 0;
  }
  if (!strcmp(key, "kernel.hostname") || !strcmp(key, "kernel.domainname")) {
    if (!cfg->linux.ns[HR_NS_UTS].present)
      return hr_error_set(err, 0,
                          "linux.sysctl: \"%s\" requires a private uts "
                          "namespace",
                          key);
    return 0;
  }
  return hr_error_set(err, 0,
                      "linux.sysctl: \"%s\" is not namespaced; refusing to "
                      "change the host's setting",
                      key);
ipc:
  if (!cfg->linux.ns[HR_NS_IPC].present)
    return hr_error_set(
        err, 0, "linux.sysctl: \"%s\" requires a private ipc namespace", key);
  return 0;
}

static int apply_sysctls(const struct hr_config *cfg, hr_error_t *err) {
  for (size_t i = 0; i < cfg->linux.n_sysctl; i++) {
    const struct hr_sysctl *s = &cfg->linux.sysctl[i];
    if (sysctl_allowed(cfg, s->key, err) < 0)
      return -1;
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "sys/%s", s->key);
    if (n < 0 || n >= (int)sizeof(path))
      return hr_error_set(err, 0, "linux.sysctl: key too long");
    for (char *p = path + 4; *p; p++)
      if (*p == '.')
        *p = '/';
    _cleanup_close_ int fd = hr_procfs_open(path, O_WRONLY, err);
    if (fd < 0)
      return hr_error_wrap(err, "linux.sysctl");
    size_t len = strlen(s->value);
    if (write(fd, s->value, len) != (ssize_t)len)
      return hr_error_set(err, errno, "linux.sysctl: write \"%s\" to %s",
                          s->value, s->key);
  }
  return 0;
}

/* The pty becomes the container's stdio and, as in runc, /dev/console. */
static int setup_console(const struct hr_init_args *a, hr_error_t *err) {
  if (hr_terminal_setup_at("/dev/ptmx", a->console_fd, &a->cfg->process, NULL,
                           err) < 0)
    return -1;
  /* O_NOFOLLOW: an image's /dev/console symlink must not redirect the bind */
  _cleanup_close_ int fd =
      open("/dev/console",
           O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0) {
    if (errno == EROFS)
      return 0; /* a read-only /dev from the config: no console node */
    return hr_error_set(err, errno, "create /dev/console");
  }
  /* The source is the pty this process holds (fd 0 by now), not its
   * /dev/pts path, which a mount could cover meanwhile (CVE-2025-52565). */
  struct stat st;
  struct statfs sf;
  if (fstat(0, &st) < 0 || !S_ISCHR(st.st_mode) || fstatfs(0, &sf) < 0 ||
      sf.f_type != DEVPTS_SUPER_MAGIC)
    return hr_error_set(err, 0, "terminal: stdin is not a devpts pty");
  HR_TEST_PAUSE("console-bind", "/dev/console");
  char target[64];
  snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
  if (mount("/proc/self/fd/0", target, NULL, MS_BIND, NULL) < 0)
    return hr_error_set(err, errno, "bind the pty onto /dev/console");
  return 0;
}

/* Wait for `start` to write to the exec fifo. The init holds the fifo
 * open read-write, so this read blocks until data arrives and never sees
 * EOF. */
static int wait_exec_fifo(int fd, hr_error_t *err) {
  char c;
  for (;;) {
    ssize_t n = read(fd, &c, 1);
    if (n == 1)
      return 0;
    if (n < 0 && errno == EINTR)
      continue;
    return hr_error_set(err, errno, "wait for start");
  }
}

__attribute__((noreturn)) void hr_init_main(const struct hr_init_args *a) {
  const struct hr_config *cfg = a->cfg;
  const struct hr_process *p = &cfg->process;
  hr_error_t err = NULL;
  _cleanup_free_ char *state_json = NULL;

  /* die with hrun while still being set up; cleared before exec */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* `run` blocks signals to forward them; the program gets a clean mask */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);

  /* Namespaces joined by path come first, while still privileged in the
   * parent's user namespace (a user namespace path is joined before
   * everything else). */
  if (join_namespaces(cfg, true, &err) < 0 ||
      join_namespaces(cfg, false, &err) < 0)
    fail(a, 1, &err);
  if (a->userns_wait) {
    if (hr_sync_expect(a->sync_fd, HR_SYNC_USERNS_READY, NULL, &err) < 0)
      fail(a, 1, &err);
    if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
      hr_error_set(&err, errno, "become root in the user namespace");
      fail(a, 1, &err);
    }
  }
  if (!a->o->no_new_keyring)
    /* a fresh session keyring per container; ENOSYS/EPERM are fine */
    (void)syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);

  if (ns_new(cfg, HR_NS_UTS) && set_hostname(cfg, &err) < 0)
    fail(a, 1, &err);
  if (ns_new(cfg, HR_NS_NETWORK) && hr_loopback_up(&err) < 0) {
    hr_error_wrap(&err, "network namespace: bring lo up");
    fail(a, 1, &err);
  }
  if (p->oom_score_adj.set &&
      hr_oom_score_adj_write(0, (int)p->oom_score_adj.v, &err) < 0)
    fail(a, 1, &err);

  if (cfg->linux.ns[HR_NS_MOUNT].present) {
    if (hr_rootfs_prepare(cfg, a->rootfs, &err) < 0) {
      hr_error_wrap(&err, "rootfs");
      fail(a, 1, &err);
    }
    HR_TEST_PHASE("during-mounts");
  }
  if (a->has_hook_sync) {
    /* the parent runs prestart/createRuntime hooks now, then hands over
     * the state for the hooks that run in here */
    if (hr_sync_send(a->sync_fd, HR_SYNC_HOOKS, NULL, 0, &err) < 0 ||
        hr_sync_expect(a->sync_fd, HR_SYNC_HOOKS_DONE, &state_json, &err) < 0)
      fail(a, 1, &err);
    if (hr_hooks_run(cfg->hooks[HR_HOOK_CREATE_CONTAINER],
                     cfg->n_hooks[HR_HOOK_CREATE_CONTAINER], "createContainer",
                     state_json, &err) < 0)
      fail(a, 1, &err);
  }
  if (cfg->linux.ns[HR_NS_MOUNT].present) {
    if (hr_rootfs_pivot(a->rootfs, a->o->no_pivot, &err) < 0) {
      hr_error_wrap(&err, "rootfs");
      fail(a, 1, &err);
    }
  } else if (chroot(a->rootfs) < 0 || chdir("/") < 0) {
    hr_error_set(&err, errno, "chroot %s", a->rootfs);
    fail(a, 1, &err);
  }
  /* sysctls go in while /proc/sys is still writable: readonlyPaths
   * usually covers it */
  if (apply_sysctls(cfg, &err) < 0)
    fail(a, 1, &err);
  if (cfg->linux.ns[HR_NS_MOUNT].present && hr_rootfs_finalize(cfg, &err) < 0) {
    hr_error_wrap(&err, "rootfs");
    fail(a, 1, &err);
  }
  if (cfg->linux.personality_domain.set &&
      personality((unsigned long)cfg->linux.personality_domain.v) < 0) {
    hr_error_set(&err, errno, "linux.personality");
    fail(a, 1, &err);
  }
  if (p->terminal && a->console_fd >= 0 && setup_console(a, &err) < 0) {
    hr_error_wrap(&err, "terminal");
    fail(a, 1, &err);
  }
  if (hr_rlimits_apply(p->rlimits, p->n_rlimits, &err) < 0) {
    hr_error_wrap(&err, "process.rlimits");
    fail(a, 1, &err);
  }
  _cleanup_free_ char *exe = NULL;
  int code;
  if (hr_process_prepare(p, a->seccomp, &exe, &code, &err) < 0)
    fail(a, code, &err);

  /* `create` exits once we are ready; we must outlive it */
  prctl(PR_SET_PDEATHSIG, 0);
  if (hr_sync_send(a->sync_fd, HR_SYNC_READY, NULL, 0, &err) < 0)
    _exit(1);
  if (a->fifo_fd >= 0) {
    if (wait_exec_fifo(a->fifo_fd, &err) < 0)
      _exit(1);
  } else if (hr_sync_expect(a->sync_fd, HR_SYNC_START, NULL, &err) < 0) {
    _exit(1);
  }
  if (hr_hooks_run(cfg->hooks[HR_HOOK_START_CONTAINER],
                   cfg->n_hooks[HR_HOOK_START_CONTAINER], "startContainer",
                   state_json, &err) < 0)
    fail(a, 1, &err);
  /* nothing of hrun's may reach the program: fds 0-2 and --preserve-fds */
  hr_process_exec(p, a->seccomp, exe, 3 + a->o->preserve_fds, &code, &err);
  fail(a, code, &err);
}
