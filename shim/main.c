/* hrun-shim: the parent of a detached container's init (see
 * include/hrun/monitor.h). Started by hrun, which execs it in place of the
 * process that created the container:
 *     hrun-shim --root ROOT --id ID
 * Its stdio is /dev/null; errors go to the container's event log. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/monitor.h"
#include "hrun/state.h"
#include "hrun/validate.h"

static void log_error(const char *root, const char *id, const char *msg) {
  fprintf(stderr, "hrun-shim: %s\n", msg);
  _cleanup_close_ int dirfd = -1;
  if (hr_state_dir_open(root, id, &dirfd, NULL) < 0)
    return;
  _cleanup_json_ json_t *j = json_pack("{s:s}", "message", msg);
  _cleanup_free_ char *data = j ? json_dumps(j, JSON_COMPACT) : NULL;
  if (data)
    hr_event_log_append(dirfd, "error", id, data, NULL);
}

int main(int argc, char **argv) {
  const char *root = NULL, *id = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--root"))
      root = argv[i + 1];
    else if (!strcmp(argv[i], "--id"))
      id = argv[i + 1];
  }
  if (!root || !id || argc != 5 || hr_validate_id(id, NULL) < 0) {
    fputs("usage: hrun-shim --root ROOT --id ID (started by hrun run -d)\n",
          stderr);
    return 2;
  }
  _cleanup_error_ hr_error_t err = NULL;
  if (hr_shim_run(root, id, &err) < 0) {
    log_error(root, id, hr_error_msg(err));
    return 1;
  }
  return 0;
}
