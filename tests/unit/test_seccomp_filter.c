/* Behavioural seccomp tests: compile a profile, load it in a forked child
 * (no_new_privs first, so no privilege is needed) and watch what the
 * syscalls do. The child reports through its exit status only. */
#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/seccomp.h"
#include "unit.h"

#define INSTALL_FAILED 250

static int compile_text(const char *text, uint64_t caps,
                        struct hr_seccomp_program *p, hr_error_t *err) {
  json_error_t jerr;
  _cleanup_json_ json_t *j = json_loads(text, 0, &jerr);
  if (!j)
    return hr_error_set(err, 0, "test JSON: %s", jerr.text);
  struct hr_seccomp s;
  if (hr_seccomp_parse(j, "linux.seccomp", &s, err) < 0)
    return -1;
  int r = hr_seccomp_compile(&s, caps, p, err);
  hr_seccomp_free(&s);
  return r;
}

/* errno of a raw syscall, 0 if it succeeded. */
static int sc_errno(long nr, long a0, long a1, long a2, long a3, long a4) {
  errno = 0;
  long r = syscall(nr, a0, a1, a2, a3, a4, 0);
  return r < 0 ? errno : 0;
}

typedef int (*probe_fn)(void);

/* The raw syscall: _exit is intercepted by LeakSanitizer, whose leak check
 * needs syscalls the filters under test deny. */
static void child_exit(int code) {
  syscall(SYS_exit_group, code);
  abort();
}

/* Runs probe under the filter in a child; returns its wait status. */
static int run_filtered(const struct hr_seccomp_program *p, probe_fn probe) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    hr_error_t err = NULL;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        hr_seccomp_install(p, &err) < 0)
      child_exit(INSTALL_FAILED);
    child_exit(probe());
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return status;
}

#define CHECK_EXIT(status, code)                                               \
  do {                                                                         \
    int _st = (status);                                                        \
    CHECK(WIFEXITED(_st));                                                     \
    if (WIFEXITED(_st))                                                        \
      CHECK_INT(WEXITSTATUS(_st), (code));                                     \
  } while (0)

/* Compiles or fails the test. */
#define COMPILE(text, caps, prog)                                              \
  do {                                                                         \
    _cleanup_error_ hr_error_t _e = NULL;                                      \
    if (compile_text((text), (caps), (prog), &_e) < 0) {                       \
      unit_fail(__FILE__, __LINE__, "compile: %s", hr_error_msg(_e));          \
      return;                                                                  \
    }                                                                          \
  } while (0)

static int probe_getcwd(void) {
  char buf[256];
  return sc_errno(SYS_getcwd, (long)buf, sizeof(buf), 0, 0, 0);
}
static int probe_getpid(void) { return sc_errno(SYS_getpid, 0, 0, 0, 0, 0); }
static int probe_getppid(void) { return sc_errno(SYS_getppid, 0, 0, 0, 0, 0); }

TEST(seccomp_filter_errno_rule) {
  struct hr_seccomp_program p;
  COMPILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
          "{\"names\": [\"getcwd\", \"no_such_syscall_xyz\"], "
          "\"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 42}]}",
          0, &p);
  CHECK(p.len > 0);
  CHECK_EXIT(run_filtered(&p, probe_getcwd), 42);
  CHECK_EXIT(run_filtered(&p, probe_getpid), 0);
  hr_seccomp_program_free(&p);
  CHECK(p.insns == NULL);
}

TEST(seccomp_filter_errno_defaults_to_eperm) {
  struct hr_seccomp_program p;
  COMPILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
          "{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
          0, &p);
  CHECK_EXIT(run_filtered(&p, probe_getcwd), EPERM);
  hr_seccomp_program_free(&p);
}

static int probe_nr_1000(void) { return sc_errno(1000, 0, 0, 0, 0, 0); }

TEST(seccomp_filter_default_errno) {
  struct hr_seccomp_program p;
  /* getppid is below the highest named syscall: the default errno. 1000
   * is above it: ENOSYS from the stub, so libc would fall back. */
  COMPILE("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 13,"
          " \"syscalls\": [{\"names\": [\"exit_group\", \"exit\", "
          "\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
          0, &p);
  CHECK_EXIT(run_filtered(&p, probe_getpid), 0);
  CHECK_EXIT(run_filtered(&p, probe_getppid), EACCES);
  CHECK_EXIT(run_filtered(&p, probe_getcwd), EACCES);
  CHECK_EXIT(run_filtered(&p, probe_nr_1000), ENOSYS);
  hr_seccomp_program_free(&p);
}

static int probe_fchmodat2(void) {
  /* 452 on x86_64 and the asm-generic tables; above the profile's max */
  return sc_errno(452, -1, 0, 0, 0, 0);
}

TEST(seccomp_filter_enosys_above_highest_named) {
  struct hr_seccomp_program p;
  COMPILE("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
          "{\"names\": [\"exit_group\", \"getpid\"], "
          "\"action\": \"SCMP_ACT_ALLOW\"}, "
          "{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
          0, &p);
  CHECK_EXIT(run_filtered(&p, probe_fchmodat2), ENOSYS);
  CHECK_EXIT(run_filtered(&p, probe_nr_1000), ENOSYS);
  CHECK_EXIT(run_filtered(&p, probe_getppid), EPERM);
  hr_seccomp_program_free(&p);
  /* defaultErrnoRet ENOSYS: no stub needed; KILL default: stub present */
  struct hr_seccomp_program q;
  COMPILE("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
          " \"syscalls\": [{\"names\": [\"exit_group\", \"getpid\"], "
          "\"action\": \"SCMP_ACT_ALLOW\"}]}",
          0, &q);
  CHECK_EXIT(run_filtered(&q, probe_getppid), ENOSYS);
  CHECK_EXIT(run_filtered(&q, probe_getpid), 0);
  hr_seccomp_program_free(&q);
  /* permissive default: no stub, unknown numbers reach the kernel */
  struct hr_seccomp_program r;
  COMPILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
          "{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_KILL\"}]}",
          0, &r);
  CHECK_EXIT(run_filtered(&r, probe_nr_1000), ENOSYS);
  hr_seccomp_program_free(&r);
}

static int probe_personality(void) {
  /* 0xffffffff queries without changing; anything else is refused */
  int e1 = sc_errno(SYS_personality, 0xffffffffL, 0, 0, 0, 0);
  int e2 = sc_errno(SYS_personality, 0x8, 0, 0, 0, 0);
  return e1 == 0 && e2 == EPERM ? 0 : 100 + e1 * 10 + e2;
}

TEST(seccomp_filter_arg_condition) {
  struct hr_seccomp_program p;
  COMPILE("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
          "{\"names\": [\"exit_group\"], \"action\": \"SCMP_ACT_ALLOW\"},"
          "{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", "
          "\"args\": [{\"index\": 0, \"value\": 4294967295, "
          "\"op\": \"SCMP_CMP_EQ\"}]}]}",
          0, &p);
  CHECK_EXIT(run_filtered(&p, probe_personality), 0);
  hr_seccomp_program_free(&p);
}

static int probe_socket(int domain) {
  int fd = socket(domain, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;
  close(fd);
  return 0;
}
static int probe_socket_unix(void) { return probe_socket(AF_UNIX); }
static int probe_socket_inet6(void) {
  int e = probe_socket(AF_INET6);
  /* a host without IPv6 answers EAFNOSUPPORT: also "allowed" */
  return e == EAFNOSUPPORT ? 0 : e;
}
static int probe_socket_netlink(void) { return probe_socket(AF_NETLINK); }

TEST(seccomp_filter_same_arg_twice_is_or) {
  /* runc semantics: two conditions on arg0 become two rules (OR). */
  struct hr_seccomp_program p;
  COMPILE("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": ["
          "{\"names\": [\"exit_group\", \"close\"], "
          "\"action\": \"SCMP_ACT_ALLOW\"},"
          "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", "
          "\"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
          "{\"index\": 0, \"value\": 10, \"op\": \"SCMP_CMP_EQ\"}]}]}",
          0, &p);
  CHECK_EXIT(run_filtered(&p, probe_socket_unix), 0);
  CHECK_EXIT(run_filtered(&p, probe_socket_inet6), 0);
  CHECK_EXIT(run_filtered(&p, probe_socket_netlink), EPERM);
  hr_seccomp_program_free(&p);
}

TEST(seccomp_filter_kill_process) {
  struct hr_seccomp_program p;
  COMPILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
          "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"},"
          "{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_TRAP\"},"
          "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_TRACE\"}]}",
          0, &p);
  int st = run_filtered(&p, probe_getppid);
  CHECK(WIFSIGNALED(st));
  if (WIFSIGNALED(st))
    CHECK_INT(WTERMSIG(st), SIGSYS);
  st = run_filtered(&p, probe_getcwd);
  CHECK(WIFSIGNALED(st));
  if (WIFSIGNALED(st))
    CHECK_INT(WTERMSIG(st), SIGSYS);
  /* TRACE without a tracer: the kernel fails the syscall with ENOSYS */
  CHECK_EXIT(run_filtered(&p, probe_getpid), ENOSYS);
  hr_seccomp_program_free(&p);
}

TEST(seccomp_filter_caps_conditions) {
  static const char *text =
      "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": ["
      "{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\", "
      "\"errnoRet\": 42, \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
      "{\"names\": [\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\", "
      "\"errnoRet\": 43, \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}}]}";
  struct hr_seccomp_program p;
  COMPILE(text, 0, &p);
  CHECK_EXIT(run_filtered(&p, probe_getcwd), 0);
  CHECK_EXIT(run_filtered(&p, probe_getppid), 43);
  hr_seccomp_program_free(&p);
  COMPILE(text, (1ull << CAP_SYS_ADMIN) | (1ull << CAP_CHOWN), &p);
  CHECK_EXIT(run_filtered(&p, probe_getcwd), 42);
  CHECK_EXIT(run_filtered(&p, probe_getppid), 0);
  hr_seccomp_program_free(&p);
}

TEST(seccomp_filter_flags) {
  struct hr_seccomp_program p;
  COMPILE("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": ["
          "\"SECCOMP_FILTER_FLAG_TSYNC\", \"SECCOMP_FILTER_FLAG_LOG\", "
          "\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\"], \"syscalls\": ["
          "{\"names\": [\"getcwd\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
          0, &p);
  /* WAIT_KILLABLE_RECV only goes with a notify listener */
  CHECK_INT(p.flags, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG);
  CHECK_EXIT(run_filtered(&p, probe_getcwd), EPERM);
  hr_seccomp_program_free(&p);
}

TEST(seccomp_install_errors) {
  _cleanup_error_ hr_error_t err = NULL;
  struct hr_seccomp_program empty = {0};
  CHECK_INT(hr_seccomp_install(&empty, &err), -1);
  CHECK_CONTAINS(hr_error_msg(err), "empty filter");
  hr_seccomp_program_free(NULL);
}
