/* Name tables for linux.seccomp: actions, architectures, capabilities. */
#include <ctype.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <string.h>

#include "hrun/seccomp.h"

static const struct {
  const char *name;
  uint32_t action;
} actions[] = {
    /* runc maps SCMP_ACT_KILL to kill-thread, as libseccomp does. */
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
};

int hr_seccomp_action_from_name(const char *name, uint32_t *action) {
  for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
    if (strcmp(name, actions[i].name) == 0) {
      *action = actions[i].action;
      return 0;
    }
  return -1;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64", so every architecture the
 * installed libseccomp knows is accepted without a table of our own. */
int hr_seccomp_arch_from_name(const char *name, uint32_t *arch) {
  static const char prefix[] = "SCMP_ARCH_";
  char lower[32];
  if (strncmp(name, prefix, sizeof(prefix) - 1) != 0)
    return -1;
  const char *rest = name + sizeof(prefix) - 1;
  size_t n = strlen(rest);
  if (n == 0 || n >= sizeof(lower))
    return -1;
  for (size_t i = 0; i <= n; i++) {
    /* Only upper-case letters, digits and '_' as in the OCI spelling. */
    if (rest[i] && !isupper((unsigned char)rest[i]) &&
        !isdigit((unsigned char)rest[i]) && rest[i] != '_')
      return -1;
    lower[i] = (char)tolower((unsigned char)rest[i]);
  }
  if (strcmp(lower, "native") == 0)
    return -1;
  uint32_t a = seccomp_arch_resolve_name(lower);
  if (a == 0)
    return -1;
  *arch = a;
  return 0;
}

#define CAP(x)                                                                 \
  { #x, x }
static const struct {
  const char *name;
  int cap;
} caps[] = {
    CAP(CAP_CHOWN),
    CAP(CAP_DAC_OVERRIDE),
    CAP(CAP_DAC_READ_SEARCH),
    CAP(CAP_FOWNER),
    CAP(CAP_FSETID),
    CAP(CAP_KILL),
    CAP(CAP_SETGID),
    CAP(CAP_SETUID),
    CAP(CAP_SETPCAP),
    CAP(CAP_LINUX_IMMUTABLE),
    CAP(CAP_NET_BIND_SERVICE),
    CAP(CAP_NET_BROADCAST),
    CAP(CAP_NET_ADMIN),
    CAP(CAP_NET_RAW),
    CAP(CAP_IPC_LOCK),
    CAP(CAP_IPC_OWNER),
    CAP(CAP_SYS_MODULE),
    CAP(CAP_SYS_RAWIO),
    CAP(CAP_SYS_CHROOT),
    CAP(CAP_SYS_PTRACE),
    CAP(CAP_SYS_PACCT),
    CAP(CAP_SYS_ADMIN),
    CAP(CAP_SYS_BOOT),
    CAP(CAP_SYS_NICE),
    CAP(CAP_SYS_RESOURCE),
    CAP(CAP_SYS_TIME),
    CAP(CAP_SYS_TTY_CONFIG),
    CAP(CAP_MKNOD),
    CAP(CAP_LEASE),
    CAP(CAP_AUDIT_WRITE),
    CAP(CAP_AUDIT_CONTROL),
    CAP(CAP_SETFCAP),
    CAP(CAP_MAC_OVERRIDE),
    CAP(CAP_MAC_ADMIN),
    CAP(CAP_SYSLOG),
    CAP(CAP_WAKE_ALARM),
    CAP(CAP_BLOCK_SUSPEND),
    CAP(CAP_AUDIT_READ),
    CAP(CAP_PERFMON),
    CAP(CAP_BPF),
    CAP(CAP_CHECKPOINT_RESTORE),
};
#undef CAP

int hr_seccomp_cap_from_name(const char *name) {
  for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
    if (strcmp(name, caps[i].name) == 0)
      return caps[i].cap;
  return -1;
}
