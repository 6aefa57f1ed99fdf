/* rtnetlink helpers (raw netlink sockets, no library). */
#ifndef HRUN_NETLINK_H
#define HRUN_NETLINK_H

#include "hrun/error.h"

/* Bring the loopback interface up in the caller's network namespace
 * (RTM_NEWLINK with IFF_UP) and wait for the kernel's ACK. */
int hr_netlink_lo_up(hr_error_t *err);

#endif
