/* `hrun exec`: the parent checks the container, opens the init's
 * namespaces (pinned by a verified pidfd), compiles the seccomp filter and
 * clones the process straight into the container's cgroup and pid
 * namespace; the child joins the other namespaces, sets itself up like the
 * init and execs, reporting failures over a sync socket. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cgroup.h"
#include "hrun/cleanup.h"
#include "hrun/clone.h"
#include "hrun/container_setup.h"
#include "hrun/exec.h"
#include "hrun/log.h"
#include "hrun/lsm.h"
#include "hrun/pid_file.h"
#include "hrun/process_setup.h"
#include "hrun/process_start.h"
#include "hrun/profile.h"
#include "hrun/pty_relay.h"
#include "hrun/seccomp.h"
#include "hrun/sync.h"
#include "hrun/terminal.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

/* The namespaces of /proc/PID/ns, in the order the child joins them: the
 * user namespace first (it owns the others), pid is joined by the parent
 * (it only affects children). */
static const struct {
  const char *name;
  int flag;
} ns_table[] = {
    {"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},  {"net", CLONE_NEWNET},
    {"ipc", CLONE_NEWIPC},   {"uts", CLONE_NEWUTS}, {"cgroup", CLONE_NEWCGROUP},
    {"time", CLONE_NEWTIME}, {"pid", CLONE_NEWPID},
};
#define N_NS (sizeof(ns_table) / sizeof(ns_table[0]))
#define NS_USER 0
#define NS_PID (N_NS - 1)

struct exec_run {
  struct hr_state st;
  bool have_state;
  struct hr_config cfg;
  struct hr_process proc;
  int init_pidfd, procfd;
  int ns[N_NS]; /* -1: same as ours (or unsupported), nothing to join */
  struct hr_cgroup cg;
  struct hr_seccomp_program prog;
  bool have_prog;
  int console_fd; /* --console-socket, or the child end of the tty pair */
  int tty_sock;   /* parent end of the tty pair (pty proxy), -1 if none */
  int sync[2];
  int pidfd; /* the exec'd process */
};

struct exec_child {
  const struct hr_process *p;
  const int *ns;
  int sync_fd;
  int console_fd;
  const struct hr_seccomp_program *seccomp;
  int preserve_fds;
};

static void run_init(struct exec_run *r) {
  memset(r, 0, sizeof(*r));
  r->init_pidfd = r->procfd = r->console_fd = r->tty_sock = r->pidfd = -1;
  r->sync[0] = r->sync[1] = -1;
  r->cg.dirfd = -1;
  for (size_t i = 0; i < N_NS; i++)
    r->ns[i] = -1;
}

static void closep(int *fd) {
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

static void run_free(struct exec_run *r) {
  closep(&r->init_pidfd);
  closep(&r->procfd);
  closep(&r->console_fd);
  closep(&r->tty_sock);
  closep(&r->sync[0]);
  closep(&r->sync[1]);
  closep(&r->pidfd);
  for (size_t i = 0; i < N_NS; i++)
    closep(&r->ns[i]);
  hr_cgroup_close(&r->cg);
  if (r->have_prog)
    hr_seccomp_program_free(&r->prog);
  hr_process_free(&r->proc);
  hr_config_free(&r->cfg);
  if (r->have_state)
    hr_state_free(&r->st);
}

/* ---- the child ---------------------------------------------------------- */

__attribute__((noreturn)) static void child_fail(const struct exec_child *a,
                                                 int code, hr_error_t *err) {
  hr_sync_send_error(a->sync_fd, code, *err);
  _exit(code);
}

static int join_namespaces(const int *ns, hr_error_t *err) {
  for (size_t i = 0; i < N_NS; i++) {
    if (i == NS_PID || ns[i] < 0)
      continue;
    if (setns(ns[i], ns_table[i].flag) < 0)
      return hr_error_set(err, errno, "join the container's %s namespace",
                          ns_table[i].name);
    if (i == NS_USER) {
      /* root of the container's user namespace, when it has one; the
       * process user is set later */
      if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
        return hr_error_set(err, errno, "setresgid 0 in the user namespace");
      if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
        return hr_error_set(err, errno, "setresuid 0 in the user namespace");
    }
  }
  return 0;
}

__attribute__((noreturn)) static void exec_child(const struct exec_child *a) {
  const struct hr_process *p = a->p;
  hr_error_t err = NULL;

  /* die with hrun while being set up; cleared before exec */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  /* the parent says go once we are in the container's cgroup */
  if (hr_sync_expect(a->sync_fd, HR_SYNC_START, NULL, &err) < 0)
    _exit(1);

  /* Before the user namespace: raising a hard limit or lowering the oom
   * score needs CAP_SYS_RESOURCE in the initial one. */
  if (p->oom_score_adj.set &&
      hr_oom_score_adj_write(0, (int)p->oom_score_adj.v, &err) < 0)
    child_fail(a, 1, &err);
  if (hr_rlimits_apply(p->rlimits, p->n_rlimits, &err) < 0) {
    hr_error_wrap(&err, "process.rlimits");
    child_fail(a, 1, &err);
  }
  if (join_namespaces(a->ns, &err) < 0)
    child_fail(a, 1, &err);
  /* not the caller's session keyring; ENOSYS/EPERM are fine */
  (void)syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL);

  if (p->terminal && hr_terminal_setup(a->console_fd, p, &err) < 0) {
    hr_error_wrap(&err, "terminal");
    child_fail(a, 1, &err);
  }
  _cleanup_free_ char *exe = NULL;
  int code;
  if (hr_process_prepare(p, a->seccomp, &exe, &code, &err) < 0)
    child_fail(a, code, &err);
  prctl(PR_SET_PDEATHSIG, 0);
  /* only stdio and --preserve-fds reach the program; the sync socket is
   * close-on-exec, so the parent sees EOF once execve succeeded */
  hr_process_exec(p, a->seccomp, exe, 3 + a->preserve_fds, &code, &err);
  child_fail(a, code, &err);
}

/* ---- the parent --------------------------------------------------------- */

static int check_status(const struct hr_exec_opts *o, struct exec_run *r,
                        hr_error_t *err) {
  enum hr_status st = hr_state_status(o->g->root, &r->st);
  if (st == HR_STATUS_STOPPED)
    return hr_error_set(err, 0, "cannot exec in a stopped container");
  if (st == HR_STATUS_PAUSED && !o->ignore_paused)
    return hr_error_set(err, 0,
                        "cannot exec in a paused container (use "
                        "--ignore-paused to override)");
  if (hr_state_pidfd(&r->st, &r->init_pidfd, err) < 0) {
    hr_error_free(err);
    return hr_error_set(err, 0, "cannot exec in a stopped container");
  }
  return 0;
}

static bool same_file(int a, int b) {
  struct stat sa, sb;
  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_ino == sb.st_ino &&
         sa.st_dev == sb.st_dev;
}

/* Open the init's namespaces through its /proc directory, checked against
 * the pidfd so a reused pid can never hand us another process's. */
static int open_namespaces(struct exec_run *r, hr_error_t *err) {
  char dir[32];
  snprintf(dir, sizeof(dir), "/proc/%d", r->st.pid);
  r->procfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (r->procfd < 0 ||
      syscall(SYS_pidfd_send_signal, r->init_pidfd, 0, NULL, 0) < 0)
    return hr_error_set(err, 0, "cannot exec in a stopped container");
  for (size_t i = 0; i < N_NS; i++) {
    char rel[32], self_path[64];
    snprintf(rel, sizeof(rel), "ns/%s", ns_table[i].name);
    _cleanup_close_ int fd = openat(r->procfd, rel, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT && ns_table[i].flag == CLONE_NEWTIME)
        continue; /* a kernel without time namespaces */
      if (errno == ESRCH || errno == ENOENT)
        return hr_error_set(err, 0, "cannot exec in a stopped container");
      return hr_error_set(err, errno, "open %s/%s", dir, rel);
    }
    snprintf(self_path, sizeof(self_path), "/proc/self/%s", rel);
    _cleanup_close_ int self = open(self_path, O_RDONLY | O_CLOEXEC);
    if (self >= 0 && same_file(fd, self))
      continue; /* shared with us: nothing to join */
    r->ns[i] = hr_steal_fd(fd);
  }
  return 0;
}

/* An LSM label the host cannot apply is an error, never dropped. */
static int check_unsupported(const struct hr_process *p, hr_error_t *err) {
  return hr_lsm_check_process(p, "/sys", err);
}

static int check_terminal(const struct hr_exec_opts *o,
                          const struct hr_process *p, hr_error_t *err) {
  if (o->detach && p->terminal && !o->console_socket)
    return hr_error_set(err, 0,
                        "cannot allocate tty if hrun will detach without "
                        "setting console socket (--console-socket)");
  if ((!o->detach || !p->terminal) && o->console_socket)
    return hr_error_set(err, 0,
                        "cannot use console socket if hrun will not detach "
                        "or allocate tty");
  return 0;
}

static int open_cgroup(struct exec_run *r, hr_error_t *err) {
  if (!r->st.cgroup_path)
    return 0;
  if (hr_cgroup_open(r->st.cgroup_mount, HR_CGROUP_UNIFIED, r->st.cgroup_path,
                     &r->cg, err) < 0)
    return hr_error_wrap(err, "container cgroup");
  return 0;
}

static int open_console(const struct hr_exec_opts *o, struct exec_run *r,
                        hr_error_t *err) {
  if (!r->proc.terminal)
    return 0;
  if (o->console_socket)
    return hr_console_socket_connect(o->console_socket, &r->console_fd, err);
  /* foreground without a console socket: hrun proxies the pty itself */
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return hr_error_set(err, errno, "terminal: socketpair");
  r->tty_sock = sv[0];
  r->console_fd = sv[1];
  return 0;
}

static void kill_and_reap(int pidfd) {
  syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
  siginfo_t si;
  waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED);
}

/* Clone the child and drive it until execve. *pid gets its pid. */
static int start(const struct hr_exec_opts *o, struct exec_run *r, pid_t *pid,
                 int *exit_code, hr_error_t *err) {
  if (hr_sync_socketpair(r->sync, err) < 0)
    return -1;
  /* cached now: the child may not see the host's /proc */
  (void)hr_caps_last_cap();
  /* setns(CLONE_NEWPID) only moves our future children; our own later
   * children (LeakSanitizer's tracer at exit, for one) must not land in
   * the container, so the old pid namespace is restored after the clone */
  _cleanup_close_ int own_pidns = -1;
  if (r->ns[NS_PID] >= 0) {
    own_pidns = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
    if (own_pidns < 0)
      return hr_error_set(err, errno, "open own pid namespace");
    if (setns(r->ns[NS_PID], CLONE_NEWPID) < 0)
      return hr_error_set(err, errno, "join the container's pid namespace");
  }
  bool in_cgroup = false;
  *pid = hr_clone(0, r->cg.dirfd, &r->pidfd, &in_cgroup);
  if (*pid != 0 && own_pidns >= 0 && setns(own_pidns, CLONE_NEWPID) < 0 &&
      *pid > 0)
    return hr_error_set(err, errno, "restore own pid namespace");
  if (*pid < 0) {
    if (errno == ENOMEM && r->ns[NS_PID] >= 0) /* pid namespace is dying */
      return hr_error_set(err, 0, "cannot exec in a stopped container");
    return hr_error_set(err, errno, "clone the exec process");
  }
  if (*pid == 0) {
    close(r->sync[0]);
    if (r->tty_sock >= 0)
      close(r->tty_sock);
    struct exec_child a = {
        .p = &r->proc,
        .ns = r->ns,
        .sync_fd = r->sync[1],
        .console_fd = r->console_fd,
        .seccomp = r->have_prog ? &r->prog : NULL,
        .preserve_fds = o->preserve_fds,
    };
    exec_child(&a);
  }
  /* before the first goto: a jump past a cleanup variable's initializer
   * would free an uninitialized pointer at "fail" */
  char type;
  size_t len = 0;
  _cleanup_free_ char *payload = NULL;
  closep(&r->sync[1]);
  closep(&r->console_fd);
  if (!in_cgroup && r->cg.path && hr_cgroup_enter(&r->cg, *pid, err) < 0)
    goto fail;
  if (hr_sync_send(r->sync[0], HR_SYNC_START, NULL, 0, err) < 0)
    goto fail;
  /* EOF: the sync socket closed at execve; a message: setup failed */
  if (hr_sync_recv(r->sync[0], &type, &payload, &len, err) < 0)
    goto fail;
  if (type == HR_SYNC_ERROR) {
    hr_sync_decode_error(payload, len, exit_code, err);
    goto fail;
  }
  if (type != 0) {
    hr_error_set(err, 0, "exec process sent unexpected '%c'", type);
    goto fail;
  }
  return 0;
fail:
  kill_and_reap(r->pidfd);
  return -1;
}

static int prepare(const struct hr_exec_opts *o, struct exec_run *r,
                   hr_error_t *err) {
  if (hr_state_load(o->g->root, o->id, &r->st, err) < 0)
    return -1;
  r->have_state = true;
  if (check_status(o, r, err) < 0 || open_namespaces(r, err) < 0)
    return -1;
  /* the config as created: with the profile create applied, if any */
  if (hr_profile_state_config_load(&r->st, &r->cfg, err) < 0)
    return hr_error_wrap(err, "bundle %s", r->st.bundle);
  if (hr_exec_build_process(o, &r->cfg, &r->proc, err) < 0 ||
      check_unsupported(&r->proc, err) < 0 ||
      check_terminal(o, &r->proc, err) < 0)
    return -1;
  hr_caps_warn_unapplied(&r->proc.caps, "process.capabilities");
  /* the container's filter: its linux.seccomp, else the default profile
   * unless the container opted out */
  if (hr_seccomp_prepare_cached(&r->cfg, o->g->root, &r->prog, &r->have_prog,
                                err) < 0)
    return -1;
  if (open_cgroup(r, err) < 0 || open_console(o, r, err) < 0)
    return -1;
  return 0;
}

int hr_container_exec(const struct hr_exec_opts *o, int *exit_code,
                      hr_error_t *err) {
  *exit_code = 1;
  struct exec_run r;
  run_init(&r);
  int ret = -1;
  int code = 1;
  pid_t pid = 0;
  _cleanup_close_ int master = -1;

  if (prepare(o, &r, err) < 0)
    goto out;
  /* before the child exists, so no signal for it is lost */
  sigset_t set;
  if (!o->detach)
    hr_forward_signals_block(&set);
  if (start(o, &r, &pid, &code, err) < 0) {
    *exit_code = code ? code : 1;
    goto out;
  }
  if (r.tty_sock >= 0 && hr_pty_recv_master(r.tty_sock, &master, err) < 0) {
    kill_and_reap(r.pidfd);
    goto out;
  }
  if (o->pid_file && hr_pid_file_write(o->pid_file, pid, err) < 0) {
    kill_and_reap(r.pidfd);
    goto out;
  }
  if (o->detach) {
    *exit_code = 0;
    ret = 0;
    goto out;
  }
  ret = hr_exec_wait(r.pidfd, master, exit_code, err);
  if (ret < 0)
    *exit_code = 1;
out:
  run_free(&r);
  return ret;
}
