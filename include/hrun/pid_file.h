/* --pid-file for create, run and exec. */
#ifndef HRUN_PID_FILE_H
#define HRUN_PID_FILE_H

#include <sys/types.h>

#include "hrun/error.h"

/* Writes the pid as bare digits (what containerd and podman parse) through
 * a temporary file and rename, so a reader never sees a partial file. */
int hr_pid_file_write(const char *path, pid_t pid, hr_error_t *err);

#endif
