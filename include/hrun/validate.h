/* Small validators shared by the CLI and the config parser. */
#ifndef HRUN_VALIDATE_H
#define HRUN_VALIDATE_H

#include "hrun/error.h"

/* runc's container id rule: [A-Za-z0-9_+.-]+, not "." or "..", and at most
 * 255 bytes (NAME_MAX: the id is a directory name). */
int hr_validate_id(const char *id, hr_error_t *err);

/* Signal by name ("KILL", "SIGKILL", "sigkill", "RTMIN+3") or number. */
int hr_parse_signal(const char *s, int *sig, hr_error_t *err);

#endif
