/* Defence against overwriting the runtime through /proc/self/exe
 * (CVE-2019-5736): commands that put a process into a container first
 * re-exec hrun from a sealed memfd copy of itself, so the exe link a
 * container can reach points at memory nothing can write. */
#ifndef HRUN_SELF_EXE_H
#define HRUN_SELF_EXE_H

#include <stdbool.h>

#include "hrun/error.h"

/* For create/run/exec: returns 0 when already running from a sealed memfd
 * (or for other commands); otherwise re-execs and does not return. */
int hr_self_exe_protect(const char *cmd, char **argv, hr_error_t *err);
/* A sealed memfd copy of the executable open at self, in *out: the ELF
 * header, program headers and segments (what exec maps), not the debug
 * sections after them; a file that is not ELF64 is copied whole. */
int hr_self_exe_copy(int self, int *out, hr_error_t *err);
/* True when fd is a memfd sealed against writes, growth and shrinking. */
bool hr_self_exe_is_sealed(int fd);

#endif
