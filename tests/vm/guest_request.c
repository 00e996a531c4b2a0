/* The guest side of the QEMU snapshot-request test (tests/vm,
 * docs/VM-TESTS.md): sends snapshot requests to the host through the guest
 * client's C ABI (ktsnap_guest_*), compiled into this static program (see
 * tests/vm/CMakeLists.txt). Started by /init when the kernel command line
 * has ktsnap.mode=request.
 *
 *   guest_request DEV TAG:KIND ...
 *
 * DEV is the port's device (/dev/vportNpM) or its name. KIND is capture,
 * watch or a number; TAG is everything before the last ':'. The requests go
 * out in order, each with ktstr's 30 s deadline; one line per request on
 * stdout (the console):
 *
 *   KTSNAP-REQ tag=<tag> id=<n> outcome=ok|host-error|transport-error reason=<text>
 *
 * then "KTSNAP-REQ done replies=<r> of <n>". Exit 0 when every request got
 * a reply (ok or host-error), 1 otherwise, 2 on a usage error.
 *
 * Before the first request the program waits (up to 60 s) until the host
 * side of the port is connected: the virtio-console driver reports POLLHUP
 * while it is not, and QEMU drops what the guest writes until then. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ktsnap.h"

enum { WAIT_CONNECTED_MS = 60000, MAX_ARG = 256 };

static int usage(void) {
  fprintf(stderr, "usage: guest_request DEV TAG:KIND ...   (KIND: capture, watch or a number)\n");
  return 2;
}

static int parse_kind(const char *s, uint32_t *kind) {
  if (strcmp(s, "capture") == 0) {
    *kind = KTSNAP_SNAPSHOT_KIND_CAPTURE;
    return 0;
  }
  if (strcmp(s, "watch") == 0) {
    *kind = KTSNAP_SNAPSHOT_KIND_WATCH;
    return 0;
  }
  char *end = NULL;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || !end || *end || end == s || v == 0 || v > 0xFFFFFFFFul)
    return -1;
  *kind = (uint32_t)v;
  return 0;
}

/* Waits until poll() stops reporting a hang-up (the host side connected). */
static void wait_connected(int fd) {
  for (int waited = 0; waited < WAIT_CONNECTED_MS; waited += 50) {
    struct pollfd p = {fd, POLLOUT, 0};
    int r = poll(&p, 1, 0);
    if (r >= 0 && !(p.revents & POLLHUP))
      return;
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  fprintf(stderr, "guest_request: the host side of the port is still not connected; sending anyway\n");
}

static const char *outcome_name(uint32_t o) {
  switch (o) {
    case KTSNAP_GUEST_OUTCOME_OK: return "ok";
    case KTSNAP_GUEST_OUTCOME_HOST_ERROR: return "host-error";
    case KTSNAP_GUEST_OUTCOME_TRANSPORT_ERROR: return "transport-error";
    default: return "not-sent";
  }
}

int main(int argc, char **argv) {
  if (argc < 3)
    return usage();
  /* Check every argument before anything is sent. */
  for (int i = 2; i < argc; i++) {
    const char *colon = strrchr(argv[i], ':');
    uint32_t kind;
    if (!colon || colon == argv[i] || strlen(argv[i]) >= MAX_ARG || parse_kind(colon + 1, &kind) != 0) {
      fprintf(stderr, "guest_request: '%s' is not TAG:KIND\n", argv[i]);
      return usage();
    }
  }

  const char *dev = argv[1];
  ktsnap_guest *g = NULL;
  ktsnap_status st;
  if (strchr(dev, '/')) {
    int fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
      fprintf(stderr, "guest_request: cannot open %s: %s\n", dev, strerror(errno));
      return 1;
    }
    wait_connected(fd);
    ktsnap_guest_opts o = KTSNAP_GUEST_OPTS_INIT;
    o.flags = KTSNAP_GUEST_OWN_FD;
    st = ktsnap_guest_open_fd(&g, fd, &o);
    if (st != KTSNAP_OK)
      close(fd);
  } else {
    st = ktsnap_guest_open(&g, dev, NULL);
  }
  if (st != KTSNAP_OK) {
    fprintf(stderr, "guest_request: %s: %s\n", ktsnap_status_str(st), ktsnap_last_error());
    return 1;
  }

  int replies = 0, n = argc - 2;
  for (int i = 2; i < argc; i++) {
    char tag[MAX_ARG];
    const char *colon = strrchr(argv[i], ':');
    size_t len = (size_t)(colon - argv[i]);
    memcpy(tag, argv[i], len);
    tag[len] = '\0';
    uint32_t kind = 0;
    parse_kind(colon + 1, &kind);

    ktsnap_guest_reply r;
    memset(&r, 0, sizeof r);
    r.sz = sizeof r;
    st = ktsnap_guest_request(g, kind, tag, KTSNAP_SNAPSHOT_TIMEOUT_NS, &r);
    if (r.outcome == KTSNAP_GUEST_OUTCOME_OK || r.outcome == KTSNAP_GUEST_OUTCOME_HOST_ERROR)
      replies++;
    const char *reason = r.outcome == KTSNAP_GUEST_OUTCOME_NONE ? ktsnap_last_error() : r.reason;
    printf("KTSNAP-REQ tag=%s id=%u outcome=%s reason=%s\n", tag, (unsigned)r.request_id, outcome_name(r.outcome),
           reason ? reason : "");
    fflush(stdout);
    (void)st;
  }
  printf("KTSNAP-REQ done replies=%d of %d\n", replies, n);
  fflush(stdout);
  ktsnap_guest_free(g);
  return replies == n ? 0 : 1;
}
