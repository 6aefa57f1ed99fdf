/* process.terminal: the init makes a pty, hands the master to whoever
 * listens on --console-socket, and takes the slave as its stdio. */
#ifndef HRUN_TERMINAL_H
#define HRUN_TERMINAL_H

#include "hrun/config.h"
#include "hrun/error.h"

/* Connect to the AF_UNIX SOCK_STREAM socket at path (--console-socket);
 * *fd is close-on-exec. */
int hr_console_socket_connect(const char *path, int *fd, hr_error_t *err);

/* In the init, after pivot_root (the container's /dev/pts is mounted):
 * open /dev/ptmx, unlock it, open the slave (TIOCGPTPEER, else by name),
 * set the window size from process.consoleSize, send the master over
 * console_sock (SCM_RIGHTS, payload = the slave's name "/dev/pts/N", as
 * consumers need a non-empty payload), close the master, become a session
 * leader (setsid unless already one), make the slave the controlling
 * terminal and dup it onto 0, 1 and 2. console_sock is left open. */
int hr_terminal_setup(int console_sock, const struct hr_process *p,
                      hr_error_t *err);

/* The same with the ptmx path given (tests use the host's /dev/ptmx).
 * If pts_name is not NULL it receives the slave's name (malloc'd), e.g. to
 * bind-mount it onto /dev/console. */
int hr_terminal_setup_at(const char *ptmx, int console_sock,
                         const struct hr_process *p, char **pts_name,
                         hr_error_t *err);

#endif
