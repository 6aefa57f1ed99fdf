/* Foreground exec: wait for the process, forwarding signals; with a
 * terminal and no --console-socket, hrun also holds the pty master and
 * relays it to its own stdio (pty_relay.h), as runc does. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/exec.h"
#include "hrun/pty_relay.h"

int hr_exec_wait(int pidfd, int master, int *exit_code, hr_error_t *err) {
  sigset_t set;
  hr_forward_signals_block(&set);
  _cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0)
    return hr_error_set(err, errno, "signalfd");
  struct hr_pty_relay r;
  if (hr_pty_relay_start(&r, master, err) < 0)
    return -1;

  int ret = 0;
  for (;;) {
    struct pollfd pfd[4] = {
        {.fd = pidfd, .events = POLLIN},
        {.fd = sfd, .events = POLLIN},
    };
    hr_pty_relay_pollfds(&r, &pfd[2], &pfd[3]);
    if (poll(pfd, 4, -1) < 0) {
      if (errno == EINTR)
        continue;
      ret = hr_error_set(err, errno, "poll");
      break;
    }
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
      if (si.ssi_signo == SIGWINCH && master >= 0)
        hr_pty_relay_winch(&r);
      else
        syscall(SYS_pidfd_send_signal, pidfd, (int)si.ssi_signo, NULL, 0);
    }
    hr_pty_relay_events(&r, &pfd[2], &pfd[3]);
    if (pfd[0].revents & (POLLIN | POLLHUP)) {
      hr_pty_relay_drain(&r);
      siginfo_t ws;
      memset(&ws, 0, sizeof(ws));
      if (waitid(P_PIDFD, (id_t)pidfd, &ws, WEXITED) < 0)
        ret = hr_error_set(err, errno, "wait for the exec process");
      else
        *exit_code =
            ws.si_code == CLD_EXITED ? ws.si_status : 128 + ws.si_status;
      break;
    }
  }
  hr_pty_relay_stop(&r);
  return ret;
}
