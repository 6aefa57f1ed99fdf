/* Audit output: a text table for people and JSON for scripts. */
#include <string.h>

#include "hrun/audit.h"

void hr_audit_print_text(const struct hr_audit_report *r, const char *bundle,
                         FILE *f) {
  fprintf(f, "audit of %s/config.json against the hardened baseline\n\n",
          bundle);
  for (size_t i = 0; i < r->n_items; i++) {
    const struct hr_audit_item *it = &r->items[i];
    fprintf(f, "%s  %-18s %s: %s\n", it->pass ? "PASS" : "FAIL", it->id,
            it->title, it->reason);
    if (!it->pass)
      fprintf(f, "      %-18s fix: %s\n", "", it->fix);
  }
  fprintf(f, "\nscore: %d%% (%zu of %zu passed)\n", r->score, r->n_passed,
          r->n_items);
}

json_t *hr_audit_to_json(const struct hr_audit_report *r, const char *bundle) {
  json_t *items = json_array();
  if (!items)
    return NULL;
  for (size_t i = 0; i < r->n_items; i++) {
    const struct hr_audit_item *it = &r->items[i];
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", it->id, "title",
                          it->title, "result", it->pass ? "pass" : "fail",
                          "reason", it->reason, "reference", it->ref);
    if (o && it->fix && json_object_set_new(o, "fix", json_string(it->fix)))
      json_decref(o), o = NULL;
    if (!o || json_array_append_new(items, o) < 0) {
      json_decref(items);
      return NULL;
    }
  }
  return json_pack("{s:s,s:i,s:i,s:i,s:o}", "bundle", bundle, "score", r->score,
                   "passed", (int)r->n_passed, "total", (int)r->n_items,
                   "items", items);
}
