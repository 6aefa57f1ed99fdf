/* rtnetlink with libmnl: a new network namespace has lo down; runc brings
 * it up in the init, and so do we. */
#include "hrun/netlink.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "hrun/cleanup.h"

static void mnl_closep(struct mnl_socket **nl) {
  if (*nl)
    mnl_socket_close(*nl);
}

/* Send one request and wait for its ACK (or the NLMSG_ERROR that
 * mnl_cb_run turns into errno). */
static int rtnl_request(struct nlmsghdr *nlh, const char *what,
                        hr_error_t *err) {
  _cleanup_(mnl_closep) struct mnl_socket *nl =
      mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!nl)
    return hr_error_set(err, errno, "%s: netlink socket", what);
  if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
    return hr_error_set(err, errno, "%s: netlink bind", what);
  unsigned portid = mnl_socket_get_portid(nl);
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
    return hr_error_set(err, errno, "%s: netlink send", what);

  _cleanup_free_ char *buf = malloc(MNL_SOCKET_BUFFER_SIZE);
  if (!buf)
    return hr_error_set(err, errno, "%s", what);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl, buf, MNL_SOCKET_BUFFER_SIZE);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return hr_error_set(err, errno, "%s: netlink receive", what);
    }
    int r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL, NULL);
    if (r == MNL_CB_ERROR)
      return hr_error_set(err, errno, "%s", what);
    if (r == MNL_CB_STOP)
      return 0; /* the ACK (an NLMSG_ERROR with error 0) */
  }
}

int hr_netlink_lo_up(hr_error_t *err) {
  union {
    char buf[256];
    struct nlmsghdr align;
  } req;
  struct nlmsghdr *nlh = mnl_nlmsg_put_header(req.buf);
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = (unsigned)time(NULL);
  struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
  ifm->ifi_family = AF_UNSPEC;
  unsigned idx = if_nametoindex("lo");
  ifm->ifi_index = idx ? (int)idx : 1; /* lo is always 1 in a new netns */
  ifm->ifi_flags = IFF_UP;
  ifm->ifi_change = IFF_UP;
  return rtnl_request(nlh, "bring up lo", err);
}
