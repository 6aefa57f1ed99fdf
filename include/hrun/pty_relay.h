/* The pty relay of a foreground process with process.terminal and no
 * --console-socket (`hrun run`, `hrun exec -t`): hrun holds the pty master,
 * copies its own stdin to the master and the master to its stdout, puts
 * stdin in raw mode while it is a terminal and keeps the pty's window size
 * in step with stdin's, as runc does. The caller owns the poll loop: it
 * polls the two fds hr_pty_relay_pollfds fills and hands their revents to
 * hr_pty_relay_events. stdin may be a pipe or a file as well. */
#ifndef HRUN_PTY_RELAY_H
#define HRUN_PTY_RELAY_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

#include "hrun/error.h"

struct hr_pty_relay {
  int master; /* borrowed; -1: no relay */
  bool stdin_open, master_open;
  bool raw; /* stdin was put in raw mode: saved is restored at stop */
  struct termios saved;
  char in[4096]; /* stdin data not yet taken by the pty */
  size_t in_off, in_len;
};

/* Start relaying master (-1: an inert relay whose pollfds are unused and
 * whose calls do nothing): make it non-blocking, and when stdin is a
 * terminal put it in raw mode and copy its window size to the pty. */
int hr_pty_relay_start(struct hr_pty_relay *r, int master, hr_error_t *err);
/* The pollfds for the master and for stdin (fd -1 when not wanted now). */
void hr_pty_relay_pollfds(const struct hr_pty_relay *r, struct pollfd *pm,
                          struct pollfd *pin);
/* Copy what the revents of those pollfds say is ready. */
void hr_pty_relay_events(struct hr_pty_relay *r, const struct pollfd *pm,
                         const struct pollfd *pin);
/* SIGWINCH: stdin's window size to the pty (the kernel then signals the
 * pty's foreground process group). */
void hr_pty_relay_winch(const struct hr_pty_relay *r);
/* The process is gone: copy what it left in the pty to stdout. */
void hr_pty_relay_drain(struct hr_pty_relay *r);
/* Restore stdin's terminal mode; safe to call more than once. */
void hr_pty_relay_stop(struct hr_pty_relay *r);

/* Receive the pty master that hr_terminal_setup sent over sock
 * (SCM_RIGHTS); *fd is close-on-exec. */
int hr_pty_recv_master(int sock, int *fd, hr_error_t *err);

#endif
