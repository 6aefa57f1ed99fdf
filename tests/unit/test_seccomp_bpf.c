/* Architectures this host cannot run (aarch64, arm) and x32 corners: run
 * the compiled program in a small classic-BPF interpreter with synthetic
 * seccomp_data, so the -ENOSYS stub's regions are checked everywhere. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hrun/cleanup.h"
#include "hrun/seccomp.h"
#include "unit.h"

#define BAD 0xdeadbeefu

/* Returns the filter's verdict, BAD on an instruction it does not know or
 * a jump out of the program. */
static uint32_t run_bpf(const struct hr_seccomp_program *p,
                        const struct seccomp_data *d) {
  uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = {0};
  for (size_t pc = 0; pc < p->len; pc++) {
    const struct sock_filter *f = &p->insns[pc];
    uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k;
    switch (f->code) {
    case BPF_LD | BPF_W | BPF_ABS:
      if (f->k > sizeof(*d) - 4 || f->k % 4)
        return BAD;
      memcpy(&a, (const char *)d + f->k, 4);
      continue;
    case BPF_LD | BPF_MEM:
      a = mem[f->k % BPF_MEMWORDS];
      continue;
    case BPF_LDX | BPF_MEM:
      x = mem[f->k % BPF_MEMWORDS];
      continue;
    case BPF_ST:
      mem[f->k % BPF_MEMWORDS] = a;
      continue;
    case BPF_STX:
      mem[f->k % BPF_MEMWORDS] = x;
      continue;
    case BPF_ALU | BPF_AND | BPF_K:
      a &= f->k;
      continue;
    case BPF_MISC | BPF_TAX:
      x = a;
      continue;
    case BPF_MISC | BPF_TXA:
      a = x;
      continue;
    case BPF_RET | BPF_K:
      return f->k;
    case BPF_JMP | BPF_JA:
      pc += f->k;
      continue;
    }
    if (BPF_CLASS(f->code) != BPF_JMP)
      return BAD;
    bool t;
    switch (BPF_OP(f->code)) {
    case BPF_JEQ:
      t = a == src;
      break;
    case BPF_JGT:
      t = a > src;
      break;
    case BPF_JGE:
      t = a >= src;
      break;
    case BPF_JSET:
      t = (a & src) != 0;
      break;
    default:
      return BAD;
    }
    pc += t ? f->jt : f->jf;
  }
  return BAD;
}

static uint32_t verdict(const struct hr_seccomp_program *p, uint32_t arch,
                        int nr, uint64_t arg0) {
  struct seccomp_data d = {.nr = nr, .arch = arch};
  d.args[0] = arg0;
  return run_bpf(p, &d);
}

#define ERRNO(e) (SECCOMP_RET_ERRNO | (e))
#define ALLOW SECCOMP_RET_ALLOW

static int compile_default_for(const uint32_t *archs, size_t n,
                               struct hr_seccomp_program *p) {
  _cleanup_error_ hr_error_t err = NULL;
  struct hr_seccomp s;
  if (hr_seccomp_default(&s, &err) < 0) {
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
    return -1;
  }
  uint32_t *copy = calloc(n, sizeof(*copy));
  memcpy(copy, archs, n * sizeof(*copy));
  free(s.archs);
  s.archs = copy;
  s.n_archs = n;
  int r = hr_seccomp_compile(&s, 0, p, &err);
  hr_seccomp_free(&s);
  if (r < 0)
    unit_fail(__FILE__, __LINE__, "%s", hr_error_msg(err));
  return r;
}

TEST(seccomp_bpf_arm_and_aarch64) {
  /* Little-endian arches can share one filter with x86_64. */
  static const uint32_t archs[] = {SCMP_ARCH_AARCH64, SCMP_ARCH_ARM};
  struct hr_seccomp_program p;
  if (compile_default_for(archs, 2, &p) < 0)
    return;
  const uint32_t A64 = AUDIT_ARCH_AARCH64, A32 = AUDIT_ARCH_ARM;
  CHECK_INT(verdict(&p, A64, 172 /* getpid */, 0), ALLOW);
  CHECK_INT(verdict(&p, A64, 219 /* keyctl */, 0), ERRNO(EPERM));
  CHECK_INT(verdict(&p, A64, 40 /* mount */, 0), ERRNO(EPERM));
  CHECK_INT(verdict(&p, A64, 435 /* clone3 */, 0), ERRNO(ENOSYS));
  CHECK_INT(verdict(&p, A64, 1000, 0), ERRNO(ENOSYS));
  CHECK_INT(verdict(&p, A64, 0xf0005, 0), ERRNO(ENOSYS));
  CHECK_INT(verdict(&p, A32, 20 /* getpid */, 0), ALLOW);
  CHECK_INT(verdict(&p, A32, 311 /* keyctl */, 0), ERRNO(EPERM));
  CHECK_INT(verdict(&p, A32, 1000, 0), ERRNO(ENOSYS));
  /* ARM private syscalls: set_tls is named; beyond it is unknown, below
   * it (usr26 = 0xf0003) known but not allowed */
  CHECK_INT(verdict(&p, A32, 0xf0005, 0), ALLOW);
  CHECK_INT(verdict(&p, A32, 0xf0002 /* cacheflush */, 0), ALLOW);
  CHECK_INT(verdict(&p, A32, 0xf0003, 0), ERRNO(EPERM));
  CHECK_INT(verdict(&p, A32, 0xf0007, 0), ERRNO(ENOSYS));
  /* native x86_64 still there */
  CHECK_INT(verdict(&p, AUDIT_ARCH_X86_64, 39, 0), ALLOW);
  CHECK_INT(verdict(&p, AUDIT_ARCH_X86_64, 1000, 0), ERRNO(ENOSYS));
  /* an architecture not in the filter: libseccomp's bad-arch action */
  CHECK_INT(verdict(&p, AUDIT_ARCH_I386, 20, 0), SECCOMP_RET_KILL_THREAD);
  hr_seccomp_program_free(&p);
}

TEST(seccomp_bpf_x86_family) {
  static const uint32_t archs[] = {SCMP_ARCH_X86, SCMP_ARCH_X32};
  struct hr_seccomp_program p;
  if (compile_default_for(archs, 2, &p) < 0)
    return;
  const uint32_t X64 = AUDIT_ARCH_X86_64, X32B = 0x40000000;
  CHECK_INT(verdict(&p, X64, 39, 0), ALLOW);
  CHECK_INT(verdict(&p, X64, 250 /* keyctl */, 0), ERRNO(EPERM));
  CHECK_INT(verdict(&p, X64, 457, 0), ERRNO(ENOSYS));
  CHECK_INT(verdict(&p, X64, 0x3fffffff, 0), ERRNO(ENOSYS));
  /* x32: shared numbers, then the x32-only 512..547 block */
  CHECK_INT(verdict(&p, X64, X32B | 39, 0), ALLOW);
  CHECK_INT(verdict(&p, X64, X32B | 250, 0), ERRNO(EPERM));
  CHECK_INT(verdict(&p, X64, X32B | 457, 0), ERRNO(ENOSYS));
  CHECK_INT(verdict(&p, X64, X32B | 512 /* rt_sigaction */, 0), ALLOW);
  CHECK_INT(verdict(&p, X64, X32B | 520 /* execve */, 0), ALLOW);
  CHECK_INT(verdict(&p, X64, X32B | 600, 0), ERRNO(ENOSYS));
  /* i386 */
  CHECK_INT(verdict(&p, AUDIT_ARCH_I386, 20, 0), ALLOW);
  CHECK_INT(verdict(&p, AUDIT_ARCH_I386, 288 /* keyctl */, 0), ERRNO(EPERM));
  CHECK_INT(verdict(&p, AUDIT_ARCH_I386, 136, 0x40000), ERRNO(EPERM));
  CHECK_INT(verdict(&p, AUDIT_ARCH_I386, 136, 0xffffffff), ALLOW);
  CHECK_INT(verdict(&p, AUDIT_ARCH_I386, 1000, 0), ERRNO(ENOSYS));
  hr_seccomp_program_free(&p);
}

TEST(seccomp_bpf_x86_64_without_x32) {
  /* x32 numbers must reach libseccomp's bad-arch handling, not ENOSYS */
  static const uint32_t archs[] = {SCMP_ARCH_X86_64};
  struct hr_seccomp_program p;
  if (compile_default_for(archs, 1, &p) < 0)
    return;
  CHECK_INT(verdict(&p, AUDIT_ARCH_X86_64, 1000, 0), ERRNO(ENOSYS));
  CHECK(verdict(&p, AUDIT_ARCH_X86_64, 0x40000000 | 600, 0) != ERRNO(ENOSYS));
  CHECK(verdict(&p, AUDIT_ARCH_X86_64, 0x40000000 | 39, 0) != ALLOW);
  hr_seccomp_program_free(&p);
}
