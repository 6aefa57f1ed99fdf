/* Messages between hrun and the container init over a SOCK_SEQPACKET
 * socketpair: one type byte, then an optional payload. */
#ifndef HRUN_SYNC_H
#define HRUN_SYNC_H

#include <stddef.h>

#include "hrun/error.h"

#define HR_SYNC_MAX_PAYLOAD (256 * 1024)

int hr_sync_socketpair(int fds[2], hr_error_t *err);
int hr_sync_send(int fd, char type, const void *payload, size_t len,
                 hr_error_t *err);
/* An error from the init: exit code, errno and message. */
void hr_sync_send_error(int fd, int code, hr_error_t e);
/* Receive one message. *payload (NUL-terminated, malloc'd) may be NULL.
 * EOF gives type 0. */
int hr_sync_recv(int fd, char *type, char **payload, size_t *len,
                 hr_error_t *err);
/* Receive and demand `type`; an error message from the peer becomes *err
 * (with its exit code in *code when code != NULL). */
int hr_sync_expect(int fd, char type, char **payload, hr_error_t *err);
int hr_sync_decode_error(const char *payload, size_t len, int *code,
                         hr_error_t *err);

#endif
