/* PLACEHOLDER: replaced by the seccomp work. Rejects everything so a filter
 * is never silently dropped. */
#include "hrun/seccomp.h"

int hr_seccomp_parse(json_t *obj, const char *path, struct hr_seccomp *out,
                     hr_error_t *err) {
  (void)obj;
  (void)out;
  return hr_error_set(err, 0, "%s: not supported yet", path);
}
void hr_seccomp_free(struct hr_seccomp *s) { (void)s; }
