/* Finding the program to exec, the way runc and execvp do. */
#ifndef HRUN_INIT_EXEC_H
#define HRUN_INIT_EXEC_H

#include "hrun/config.h"
#include "hrun/error.h"

/* Resolve args[0] against PATH from the process env (a default PATH when
 * unset). Errors use runc's words: exec: "x": executable file not found
 * in $PATH. */
int hr_exec_lookup(const struct hr_process *p, char **out, hr_error_t *err);

#endif
