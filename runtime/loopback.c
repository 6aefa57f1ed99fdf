/* A new network namespace has lo down; runc and crun bring it up before the
 * process starts, and so do we. Setting one flag on one interface is an
 * ioctl: no netlink conversation, so no netlink library. */
#include "hrun/loopback.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "hrun/cleanup.h"

int hr_loopback_up(hr_error_t *err) {
  _cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return hr_error_set(err, errno, "socket");
  struct ifreq ifr = {.ifr_name = "lo"};
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
    return hr_error_set(err, errno, "read the flags of lo");
  if (ifr.ifr_flags & IFF_UP)
    return 0;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
    return hr_error_set(err, errno, "set IFF_UP on lo");
  return 0;
}
