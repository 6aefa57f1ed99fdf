/* `hrun audit`: check a parsed config against the hardened baseline -- the
 * Kubernetes Pod Security "restricted" standard and the runtime items of
 * the CIS Docker Benchmark, section 5. Pure logic on struct hr_config: no
 * system calls, so unit tests run it on fixtures. */
#ifndef HRUN_AUDIT_H
#define HRUN_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "hrun/config.h"
#include "hrun/error.h"

struct hr_audit_item {
  const char *id;    /* stable, for scripts: "capabilities" */
  const char *title; /* "capabilities dropped" */
  const char *ref;   /* "PSS restricted: capabilities; CIS 5.3" */
  bool pass;
  char *reason;    /* what was found, one line */
  const char *fix; /* what to change; NULL when passing */
};

struct hr_audit_report {
  struct hr_audit_item *items;
  size_t n_items;
  size_t n_passed;
  int score; /* 0..100, passed items as a percentage, rounded down */
};

/* Run every check. Fails only on allocation failure. */
int hr_audit_config(const struct hr_config *cfg, struct hr_audit_report *out,
                    hr_error_t *err);
void hr_audit_report_free(struct hr_audit_report *r);

/* The item with this id, or NULL. */
const struct hr_audit_item *hr_audit_find(const struct hr_audit_report *r,
                                          const char *id);

/* "PASS  capabilities dropped: ..." lines and a closing score line. */
void hr_audit_print_text(const struct hr_audit_report *r, const char *bundle,
                         FILE *f);
/* {"bundle":..,"score":..,"passed":..,"total":..,"items":[{"id",..}]} */
json_t *hr_audit_to_json(const struct hr_audit_report *r, const char *bundle);

#endif
