/* The loopback interface of a new network namespace. */
#ifndef HRUN_LOOPBACK_H
#define HRUN_LOOPBACK_H

#include "hrun/error.h"

/* Bring "lo" up in the caller's network namespace. */
int hr_loopback_up(hr_error_t *err);

#endif
