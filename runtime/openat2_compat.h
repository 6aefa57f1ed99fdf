/* openat2(2) and struct open_how where the libc headers lack them (internal
 * to runtime/). */
#ifndef HRUN_OPENAT2_COMPAT_H
#define HRUN_OPENAT2_COMPAT_H

#include <sys/syscall.h>

#if defined(__has_include)
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define HR_HAVE_OPEN_HOW 1
#endif
#endif
#ifndef HR_HAVE_OPEN_HOW
struct open_how {
  unsigned long long flags, mode, resolve;
};
#endif
#ifndef RESOLVE_NO_XDEV
#define RESOLVE_NO_XDEV 0x01
#endif
#ifndef RESOLVE_NO_MAGICLINKS
#define RESOLVE_NO_MAGICLINKS 0x02
#endif
#ifndef RESOLVE_BENEATH
#define RESOLVE_BENEATH 0x08
#endif
#ifndef RESOLVE_IN_ROOT
#define RESOLVE_IN_ROOT 0x10
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#endif
