/* Foreground `run`: forward signals to the init and collect its exit
 * (the loop itself is the monitor, runtime/monitor.c). */
#include <signal.h>

#include "hrun/container.h"
#include "hrun/monitor.h"

/* Signals that are delivered by the kernel for faults in hrun itself, or
 * that cannot be caught, are not forwarded. */
static bool forwardable(int sig) {
  return sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD && sig != SIGSEGV &&
         sig != SIGBUS && sig != SIGFPE && sig != SIGILL && sig != SIGSYS &&
         sig != SIGTRAP;
}

int hr_forward_signals_block(sigset_t *set) {
  sigemptyset(set);
  for (int s = 1; s < NSIG; s++)
    if (forwardable(s) && s != 32 && s != 33) /* glibc-internal RT signals */
      sigaddset(set, s);
  return sigprocmask(SIG_BLOCK, set, NULL);
}

int hr_container_wait(struct hr_container *c, int *exit_code, hr_error_t *err) {
  struct hr_exit_record rec;
  if (hr_monitor_container(c, &rec, err) < 0)
    return -1;
  *exit_code = rec.status_known ? rec.exit_code : 1;
  hr_exit_record_free(&rec);
  return 0;
}
