/* Foreground `run`: forward signals to the init and collect its exit. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/container.h"

/* Signals that are delivered by the kernel for faults in hrun itself, or
 * that cannot be caught, are not forwarded. */
static bool forwardable(int sig) {
  return sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD &&
         sig != SIGSEGV && sig != SIGBUS && sig != SIGFPE && sig != SIGILL &&
         sig != SIGSYS && sig != SIGTRAP;
}

int hr_forward_signals_block(sigset_t *set) {
  sigemptyset(set);
  for (int s = 1; s < NSIG; s++)
    if (forwardable(s) && s != 32 && s != 33) /* glibc-internal RT signals */
      sigaddset(set, s);
  return sigprocmask(SIG_BLOCK, set, NULL);
}

int hr_container_wait(struct hr_container *c, int *exit_code,
                      hr_error_t *err) {
  return hr_pidfd_wait(c->pidfd, exit_code, err);
}

int hr_pidfd_wait(int pidfd, int *exit_code, hr_error_t *err) {
  sigset_t set;
  hr_forward_signals_block(&set);
  _cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  if (sfd < 0)
    return hr_error_set(err, errno, "signalfd");
  struct pollfd pfd[2] = {{.fd = pidfd, .events = POLLIN},
                          {.fd = sfd, .events = POLLIN}};
  for (;;) {
    if (poll(pfd, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return hr_error_set(err, errno, "poll");
    }
    if (pfd[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof(si)) == sizeof(si))
        syscall(SYS_pidfd_send_signal, pidfd, (int)si.ssi_signo, NULL, 0);
    }
    if (pfd[0].revents & (POLLIN | POLLHUP)) {
      siginfo_t si;
      memset(&si, 0, sizeof(si));
      if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED) < 0)
        return hr_error_set(err, errno, "wait for the container process");
      *exit_code = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
      return 0;
    }
  }
}
