/* The guest side of the QEMU plumbing test (tests/vm): a plain test program,
 * not the guest client. Linked -static; runs as the only process of the
 * initramfs (started by /init).
 *
 *   guest_echo PORT
 *
 * PORT is a device (/dev/vportNpM) or a port name (org.ktsnap.wire), looked
 * up under /sys/class/virtio-ports/{*}/name. The exchange, one line each:
 *
 *   host  -> "KTSNAP-HOST hello"
 *   for i in 1..ROUNDS:
 *     guest -> "KTSNAP-VM ping <i>"
 *     host  -> "KTSNAP-HOST pong <i>"        (the host may pause the VM first)
 *     guest -> "KTSNAP-VM got <that line>"
 *   guest -> "KTSNAP-VM bye"
 *
 * The host speaks first because the guest cannot tell whether the host side
 * of the chardev is connected yet (QEMU drops what the guest writes before
 * then); what the host writes waits in the socket until the guest opens the
 * port. Until the host has connected, read() returns 0: retry. Exit status 0
 * when every step went as above; the reason on stderr (the console) if not. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { ROUNDS = 3, LINE_MAX_ = 256, WAIT_SECONDS = 60 };

static int fail(const char *what) {
  fprintf(stderr, "guest_echo: %s: %s\n", what, errno ? strerror(errno) : "unexpected");
  return 1;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Finds /dev/vportNpM of the port called name; 0 on success. */
static int find_port(const char *name, char *dev, size_t size) {
  DIR *d = opendir("/sys/class/virtio-ports");
  if (!d)
    return -1;
  struct dirent *e;
  int found = -1;
  while (found != 0 && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.')
      continue;
    char path[512], got[128] = {0};
    snprintf(path, sizeof path, "/sys/class/virtio-ports/%s/name", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f)
      continue;
    if (fgets(got, sizeof got, f)) {
      got[strcspn(got, "\n")] = '\0';
      if (strcmp(got, name) == 0) {
        snprintf(dev, size, "/dev/%s", e->d_name);
        found = 0;
      }
    }
    fclose(f);
  }
  closedir(d);
  return found;
}

/* Reads one line (without its '\n') into buf. Retries while the host is not
 * connected (read() == 0), up to WAIT_SECONDS. 0 on success. */
static char pending[1024];
static size_t npending;

static int read_line(int fd, char *buf, size_t size) {
  double deadline = now() + WAIT_SECONDS;
  for (;;) {
    char *nl = memchr(pending, '\n', npending);
    if (nl) {
      size_t len = (size_t)(nl - pending);
      if (len >= size)
        return errno = EMSGSIZE, -1;
      memcpy(buf, pending, len);
      buf[len] = '\0';
      npending -= len + 1;
      memmove(pending, nl + 1, npending);
      return 0;
    }
    if (npending == sizeof pending)
      return errno = EMSGSIZE, -1;
    ssize_t n = read(fd, pending + npending, sizeof pending - npending);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return -1;
    if (n == 0) {
      if (now() > deadline)
        return errno = ETIMEDOUT, -1;
      usleep(20000);
      continue;
    }
    npending += (size_t)n;
  }
}

static int write_line(int fd, const char *line) {
  char buf[LINE_MAX_ + 2];
  int len = snprintf(buf, sizeof buf, "%s\n", line);
  if (len < 0 || (size_t)len >= sizeof buf)
    return errno = EMSGSIZE, -1;
  for (int off = 0; off < len;) {
    ssize_t n = write(fd, buf + off, (size_t)(len - off));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return -1;
    off += (int)n;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: guest_echo /dev/vportNpM | PORT-NAME\n");
    return 2;
  }
  char dev[300];
  if (argv[1][0] == '/') {
    snprintf(dev, sizeof dev, "%s", argv[1]);
  } else if (find_port(argv[1], dev, sizeof dev) != 0) {
    errno = ENOENT;
    return fail(argv[1]);
  }
  int fd = open(dev, O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return fail(dev);
  fprintf(stderr, "guest_echo: opened %s\n", dev);

  char line[LINE_MAX_], out[LINE_MAX_ + 32];
  errno = 0;
  if (read_line(fd, line, sizeof line) != 0)
    return fail("reading the host's hello");
  if (strcmp(line, "KTSNAP-HOST hello") != 0)
    return fprintf(stderr, "guest_echo: bad hello '%s'\n", line), 1;

  for (int i = 1; i <= ROUNDS; ++i) {
    char want[64];
    snprintf(out, sizeof out, "KTSNAP-VM ping %d", i);
    if (write_line(fd, out) != 0)
      return fail("writing a ping");
    errno = 0;
    if (read_line(fd, line, sizeof line) != 0)
      return fail("reading a pong");
    snprintf(want, sizeof want, "KTSNAP-HOST pong %d", i);
    if (strcmp(line, want) != 0)
      return fprintf(stderr, "guest_echo: round %d: got '%s', want '%s'\n", i, line, want), 1;
    snprintf(out, sizeof out, "KTSNAP-VM got %s", line);
    if (write_line(fd, out) != 0)
      return fail("writing what it got");
    fprintf(stderr, "guest_echo: round %d ok\n", i);
  }
  if (write_line(fd, "KTSNAP-VM bye") != 0)
    return fail("writing bye");
  close(fd);
  return 0;
}
