/* Optional scalars: config fields where "unset" differs from zero. */
#ifndef HRUN_OPT_H
#define HRUN_OPT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  bool set;
  int64_t v;
} hr_opt_i64;

typedef struct {
  bool set;
  uint64_t v;
} hr_opt_u64;

#endif
