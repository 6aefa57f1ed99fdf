/* The built-in default profile: it parses, the embedded copy is the file
 * in profiles/, and, loaded in a forked child with no_new_privs, it allows
 * and denies what it promises. The host runs tests as root, so every
 * probe is harmless even if the filter let it through (mount on a missing
 * path, bpf with a bad command, clone children exit at once). */
#include <errno.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/seccomp.h"
#include "unit.h"

#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#define X32 0x40000000L
#define INSTALL_FAILED 250

TEST(seccomp_default_parses) {
  _cleanup_error_ hr_error_t err = NULL;
  struct hr_seccomp s;
  CHECK_INT(hr_seccomp_default(&s, &err), 0);
  if (err) {
    CHECK_STR(hr_error_msg(err), "");
    return;
  }
  CHECK_INT(s.default_action, SCMP_ACT_ERRNO(0));
  CHECK(s.default_errno_ret.set);
  CHECK_INT(s.default_errno_ret.v, EPERM);
  CHECK(s.n_rules > 20);
  CHECK(s.n_archs >= 1);
  CHECK_INT(s.archs[0], seccomp_arch_native());
#if defined(__x86_64__)
  CHECK_INT(s.n_archs, 3);
  CHECK_INT(s.archs[1], SCMP_ARCH_X86);
  CHECK_INT(s.archs[2], SCMP_ARCH_X32);
#elif defined(__aarch64__)
  CHECK_INT(s.n_archs, 2);
  CHECK_INT(s.archs[1], SCMP_ARCH_ARM);
#endif
  hr_seccomp_free(&s);
}

TEST(seccomp_default_embedded_matches_file) {
  /* make has no dependency from the .S on the JSON: catch a stale copy */
  size_t len;
  const char *text = hr_seccomp_default_json(&len);
  _cleanup_free_ char *file =
      unit_read_file("../profiles/seccomp-default.json");
  CHECK(file != NULL);
  if (file) {
    CHECK_INT(len, strlen(file));
    CHECK(len == strlen(file) && memcmp(text, file, len) == 0);
  }
}

static void child_exit(int code) {
  syscall(SYS_exit_group, code);
  abort();
}

struct probe {
  const char *what;
  long nr, a[5];
  int want;     /* errno, 0 = success */
  int want_alt; /* also fine (e.g. the kernel's own answer), -1 = none */
};

/* One child per probe: a failing probe cannot mask another. A clone that
 * got through returns 0 in its child, which leaves at once. */
static int run_probe(const struct hr_seccomp_program *p,
                     const struct probe *pr) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    hr_error_t err = NULL;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
        hr_seccomp_install(p, &err) < 0)
      child_exit(INSTALL_FAILED);
    errno = 0;
    long r =
        syscall(pr->nr, pr->a[0], pr->a[1], pr->a[2], pr->a[3], pr->a[4], 0);
    if (r == 0 && (pr->nr == SYS_clone))
      child_exit(0); /* the clone child, or the parent of nothing */
    int e = r < 0 ? errno : 0;
    if (r > 0 && pr->nr == SYS_clone)
      while (waitpid((pid_t)r, NULL, __WALL) < 0 && errno == EINTR)
        ;
    if (r >= 0 && pr->nr == SYS_socket)
      close((int)r);
    child_exit(e);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  if (!WIFEXITED(st))
    return 1000 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  return WEXITSTATUS(st);
}

static void check_probes(const struct hr_seccomp_program *p,
                         const struct probe *pr, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int got = run_probe(p, &pr[i]);
    if (got != pr[i].want && got != pr[i].want_alt)
      unit_fail(__FILE__, __LINE__, "%s: got %d, want %d", pr[i].what, got,
                pr[i].want);
  }
}

static int compile_default(uint64_t caps, int default_errno,
                           struct hr_seccomp_program *p) {
  _cleanup_error_ hr_error_t err = NULL;
  struct hr_seccomp s;
  if (hr_seccomp_default(&s, &err) < 0) {
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
    return -1;
  }
  if (default_errno)
    s.default_errno_ret.v = (uint64_t)default_errno;
  int r = hr_seccomp_compile(&s, caps, p, &err);
  hr_seccomp_free(&s);
  if (r < 0)
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
  return r;
}

#define MISSING "/proc/self/hrun-no-such-dir"
#define NEW_FLAGS (CLONE_NEWUSER | SIGCHLD)

TEST(seccomp_default_behaviour_unprivileged) {
  struct hr_seccomp_program p;
  if (compile_default(0, 0, &p) < 0)
    return;
  const struct probe probes[] = {
    {"getpid", SYS_getpid, {0}, 0, -1},
    {"unshare(CLONE_NEWUSER)", SYS_unshare, {CLONE_NEWUSER}, EPERM, -1},
    {"mount",
     SYS_mount,
     {(long)"none", (long)MISSING, (long)"tmpfs"},
     EPERM,
     -1},
    {"umount2", SYS_umount2, {(long)MISSING, 0}, EPERM, -1},
    {"setns", SYS_setns, {-1, 0}, EPERM, -1},
    {"keyctl", SYS_keyctl, {0 /* GET_KEYRING_ID */, -3}, EPERM, -1},
    {"add_key", SYS_add_key, {0}, EPERM, -1},
    {"bpf", SYS_bpf, {-1, 0, 0}, EPERM, -1},
    {"perf_event_open", SYS_perf_event_open, {0}, EPERM, -1},
    {"ptrace", SYS_ptrace, {0xdead}, EPERM, -1},
    {"userfaultfd", SYS_userfaultfd, {0}, EPERM, -1},
    {"io_uring_setup", SYS_io_uring_setup, {0}, EPERM, -1},
    {"kexec_load", SYS_kexec_load, {0}, EPERM, -1},
    {"init_module", SYS_init_module, {0}, EPERM, -1},
    {"socket(AF_ALG)", SYS_socket, {AF_ALG, SOCK_SEQPACKET, 0}, EPERM, -1},
    {"socket(AF_VSOCK)", SYS_socket, {AF_VSOCK, SOCK_STREAM, 0}, EPERM, -1},
    /* the high half is dropped by the kernel's int: must not slip by */
    {"socket(AF_ALG | 1<<32)",
     SYS_socket,
     {(long)(0x100000000L | AF_ALG), SOCK_SEQPACKET, 0},
     EPERM,
     -1},
    {"socket(AF_INET, SOCK_STREAM)",
     SYS_socket,
     {AF_INET, SOCK_STREAM, 0},
     0,
     -1},
    {"socket(AF_UNIX)", SYS_socket, {AF_UNIX, SOCK_DGRAM, 0}, 0, -1},
    {"socket(AF_NETLINK)", SYS_socket, {AF_NETLINK, SOCK_RAW, 0}, 0, -1},
    {"clone3", SYS_clone3, {0, 0}, ENOSYS, -1},
    {"clone(CLONE_NEWUSER)", SYS_clone, {NEW_FLAGS}, EPERM, -1},
    {"clone(1<<32 | CLONE_NEWNET)",
     SYS_clone,
     {(long)(0x100000000L | CLONE_NEWNET | SIGCHLD)},
     EPERM,
     -1},
    {"clone(SIGCHLD) (fork)", SYS_clone, {SIGCHLD}, 0, -1},
    {"personality(0xffffffff)", SYS_personality, {0xffffffffL}, 0, -1},
    {"personality(PER_LINUX)", SYS_personality, {0}, 0, -1},
    {"personality(0x0040000)", SYS_personality, {0x0040000}, EPERM, -1},
    {"syscall 1000", 1000, {0}, ENOSYS, -1},
    {"syscall 457 (newer than the profile)", 457, {0}, ENOSYS, -1},
#if defined(__x86_64__)
    {"x32 keyctl", X32 | 250, {0}, EPERM, -1},
    {"x32 mount", X32 | 165, {0}, EPERM, -1},
    /* allowed by the filter; ENOSYS when the kernel has x32 off */
    {"x32 getpid", X32 | 39, {0}, 0, ENOSYS},
    {"x32 1000", X32 | 1000, {0}, ENOSYS, -1},
#endif
  };
  check_probes(&p, probes, sizeof(probes) / sizeof(probes[0]));
  hr_seccomp_program_free(&p);
}

TEST(seccomp_default_denials_come_from_the_filter) {
  /* As root, the kernel itself answers EPERM to little of this; a
   * distinctive default errno proves the filter decided. */
  struct hr_seccomp_program p;
  if (compile_default(0, 77, &p) < 0)
    return;
  const struct probe probes[] = {
      {"unshare(0)", SYS_unshare, {0}, 77, -1},
      {"mount",
       SYS_mount,
       {(long)"none", (long)MISSING, (long)"tmpfs"},
       77,
       -1},
      {"bpf", SYS_bpf, {-1, 0, 0}, 77, -1},
      {"socket(AF_ALG)", SYS_socket, {AF_ALG, SOCK_SEQPACKET, 0}, 77, -1},
      {"personality(0x0040000)", SYS_personality, {0x0040000}, 77, -1},
      /* explicitly denied: EPERM whatever the default */
      {"keyctl", SYS_keyctl, {0, -3}, EPERM, -1},
      {"getpid", SYS_getpid, {0}, 0, -1},
  };
  check_probes(&p, probes, sizeof(probes) / sizeof(probes[0]));
  hr_seccomp_program_free(&p);
}

TEST(seccomp_default_behaviour_with_caps) {
  struct hr_seccomp_program p;
  uint64_t caps = (1ull << CAP_SYS_ADMIN) | (1ull << CAP_SYS_PTRACE);
  if (compile_default(caps, 77, &p) < 0)
    return;
  const struct probe probes[] = {
      {"clone3", SYS_clone3, {0, 0}, EINVAL, -1},
      {"unshare(0)", SYS_unshare, {0}, 0, -1},
      {"mount",
       SYS_mount,
       {(long)"none", (long)MISSING, (long)"tmpfs"},
       ENOENT,
       -1},
      {"setns", SYS_setns, {-1, 0}, EBADF, -1},
      {"ptrace", SYS_ptrace, {0xdead}, EIO, ESRCH},
      {"bpf", SYS_bpf, {-1, 0, 0}, EINVAL, -1},
      /* not unlocked by any capability */
      {"keyctl", SYS_keyctl, {0, -3}, EPERM, -1},
      {"init_module", SYS_init_module, {0}, EPERM, -1},
      {"io_uring_setup", SYS_io_uring_setup, {0}, EPERM, -1},
      /* CAP_SYS_BOOT etc. not given */
      {"reboot", SYS_reboot, {0}, 77, -1},
  };
  check_probes(&p, probes, sizeof(probes) / sizeof(probes[0]));
  hr_seccomp_program_free(&p);
}

#if defined(__x86_64__)
/* A 32-bit syscall from 64-bit code: the kernel reports AUDIT_ARCH_I386. */
static long int80(long nr, long a0, long a1) {
  long r;
  __asm__ volatile("int $0x80"
                   : "=a"(r)
                   : "0"(nr), "b"(a0), "c"(a1)
                   : "memory", "r8", "r9", "r10", "r11");
  return r;
}

static int int80_probe(long nr, long a0) {
  long r = int80(nr, a0, 0);
  return r < 0 && r > -4096 ? (int)-r : 0;
}

TEST(seccomp_default_behaviour_i386) {
  /* ia32 emulation may be off: probe it in a child without a filter */
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0)
    child_exit(int80(20 /* getpid */, 0, 0) == getpid() ? 0 : 1);
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return; /* no ia32 syscalls on this kernel: nothing to test */
  struct hr_seccomp_program p;
  if (compile_default(0, 0, &p) < 0)
    return;
  static const struct {
    long nr, a0;
    int want;
  } cases[] = {
      {20, 0, 0},                  /* getpid */
      {288, 0, EPERM},             /* keyctl */
      {21, 0, EPERM},              /* mount */
      {310, CLONE_NEWUSER, EPERM}, /* unshare */
      {136, 0x0040000, EPERM},     /* personality */
      {435, 0, ENOSYS},            /* clone3 */
      {1000, 0, ENOSYS},           /* unknown */
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
      hr_error_t err = NULL;
      if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
          hr_seccomp_install(&p, &err) < 0)
        child_exit(INSTALL_FAILED);
      child_exit(int80_probe(cases[i].nr, cases[i].a0));
    }
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st));
    if (WIFEXITED(st) && WEXITSTATUS(st) != cases[i].want)
      unit_fail(__FILE__, __LINE__, "i386 syscall %ld: got %d, want %d",
                cases[i].nr, WEXITSTATUS(st), cases[i].want);
  }
  hr_seccomp_program_free(&p);
}
#endif

TEST(seccomp_default_compiles_fast) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct hr_seccomp_program p;
  if (compile_default(1ull << CAP_SYS_ADMIN, 0, &p) < 0)
    return;
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
  CHECK(p.len > 100 && p.len <= 4096);
  CHECK(ms < 1000); /* typically a few ms; generous for sanitizers */
  hr_seccomp_program_free(&p);
}
