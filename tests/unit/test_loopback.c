/* hr_loopback_up in a network namespace made by a forked child. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hrun/cleanup.h"
#include "hrun/loopback.h"
#include "unit.h"

static int lo_flags(void) {
  _cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr = {0};
  strcpy(ifr.ifr_name, "lo");
  if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
    return -1;
  return ifr.ifr_flags;
}

static void lo_up_child(int fd, void *arg) {
  if (unshare(CLONE_NEWNET) < 0) {
    dprintf(fd, "skip: unshare: %s", strerror(errno));
    return;
  }
  int before = lo_flags();
  hr_error_t err = NULL;
  if (hr_loopback_up(&err) < 0) {
    dprintf(fd, "error: %s", hr_error_msg(err));
    return;
  }
  int after = lo_flags();
  dprintf(fd, "before %s, after %s",
          before >= 0 && (before & IFF_UP) ? "up" : "down",
          after >= 0 && (after & IFF_UP) ? "up" : "down");
}

TEST(loopback_up_in_new_netns) {
  _cleanup_free_ char *out = unit_in_child(lo_up_child, NULL);
  if (strncmp(out, "skip:", 5) == 0) {
    fprintf(stderr, "  skipped: %s\n", out);
    return;
  }
  CHECK_STR(out, "before down, after up");
}
