/* OCI hooks: run each hook with the container state on its stdin. */
#ifndef HRUN_HOOKS_H
#define HRUN_HOOKS_H

#include <stddef.h>

#include "hrun/config.h"
#include "hrun/error.h"

/* Run hooks[0..n) in order, stopping at the first failure. Each hook is
 * spawned directly (no shell, no PATH search) with argv = args (or {path}
 * when args is empty) and envp = env (the runtime's environment when env is
 * NULL, as runc does), state_json on its stdin through a pipe, and its
 * stdout and stderr captured (at most 4 KiB each; like runc, they are only
 * reported when the hook fails). The wait uses a pidfd with the hook's
 * timeout; on timeout the hook gets SIGKILL. Errors, phase being the hook
 * kind as spelled in config.json ("createRuntime", "poststart", ...):
 *   createRuntime hook #0 (/path): timed out after 2s
 *   poststart hook #1 (/path): exited with status 3, stderr: ...
 *   prestart hook #0 (/path): killed by signal 9
 *   prestart hook #0 (/path): exec: No such file or directory
 * The caller must not reap children with waitpid(-1) meanwhile. */
int hr_hooks_run(const struct hr_hook *hooks, size_t n, const char *phase,
                 const char *state_json, hr_error_t *err);

#endif
