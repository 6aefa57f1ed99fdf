/* rtnetlink, one request and its ACK, without a library: a new network
 * namespace has lo down; runc brings it up in the init, and so do we. */
#include "hrun/netlink.h"

#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "hrun/cleanup.h"

/* Send one request and wait for its ACK: the NLMSG_ERROR answering our
 * sequence number, error 0 on success. */
static int rtnl_request(struct nlmsghdr *nlh, const char *what,
                        hr_error_t *err) {
  _cleanup_close_ int fd =
      socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0)
    return hr_error_set(err, errno, "%s: netlink socket", what);
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ssize_t n;
  do
    n = sendto(fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&kernel,
               sizeof(kernel));
  while (n < 0 && errno == EINTR);
  if (n != (ssize_t)nlh->nlmsg_len)
    return hr_error_set(err, n < 0 ? errno : EIO, "%s: netlink send", what);
  union {
    char buf[8192];
    struct nlmsghdr align;
  } resp;
  for (;;) {
    n = recv(fd, resp.buf, sizeof(resp.buf), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return hr_error_set(err, n < 0 ? errno : EIO, "%s: netlink receive",
                          what);
    int len = (int)n;
    /* glibc's NLMSG_OK compares the u32 nlmsg_len with the int len; clang
     * (make asan, make fuzz) flags that under -Wsign-compare */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-compare"
    for (struct nlmsghdr *h = &resp.align; NLMSG_OK(h, len);
         h = NLMSG_NEXT(h, len)) {
#pragma GCC diagnostic pop
      if (h->nlmsg_seq != nlh->nlmsg_seq)
        continue;
      if (h->nlmsg_type != NLMSG_ERROR)
        continue;
      if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
        return hr_error_set(err, EIO, "%s: short netlink reply", what);
      const struct nlmsgerr *e = NLMSG_DATA(h);
      if (e->error == 0)
        return 0;
      return hr_error_set(err, -e->error, "%s", what);
    }
  }
}

int hr_netlink_lo_up(hr_error_t *err) {
  /* lo named by IFLA_IFNAME (index 0): no lookup of its index first */
  struct {
    struct nlmsghdr nh;
    struct ifinfomsg ifm;
    struct rtattr name;
    char lo[RTA_ALIGN(sizeof("lo"))];
  } req;
  memset(&req, 0, sizeof(req));
  req.nh.nlmsg_len = sizeof(req);
  req.nh.nlmsg_type = RTM_NEWLINK;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.nh.nlmsg_seq = 1;
  req.ifm.ifi_family = AF_UNSPEC;
  req.ifm.ifi_flags = IFF_UP;
  req.ifm.ifi_change = IFF_UP;
  req.name.rta_type = IFLA_IFNAME;
  req.name.rta_len = RTA_LENGTH(sizeof("lo"));
  memcpy(req.lo, "lo", sizeof("lo"));
  return rtnl_request(&req.nh, "bring up lo", err);
}
