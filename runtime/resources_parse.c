/* PLACEHOLDER: replaced by the cgroup work (issue 4). Rejects everything so
 * no limit is ever silently dropped. */
#include <stdlib.h>

#include "hrun/resources.h"

int hr_resources_parse(json_t *obj, const char *path, struct hr_resources *out,
                       hr_error_t *err) {
  (void)obj;
  (void)out;
  return hr_error_set(err, 0, "%s: not supported yet", path);
}
void hr_resources_free(struct hr_resources *r) { (void)r; }
bool hr_resources_any(const struct hr_resources *r) {
  (void)r;
  return false;
}
