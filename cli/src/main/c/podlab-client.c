/*
 * podlab-client: the fast path of the podlab command (see docs/cli-relay.md).
 *
 * A JVM costs ~100 ms of CPU before the first line of a command runs. The engine service is a JVM that is
 * already warm, so for the commands that only talk to it (ps, get, logs, play FILE, ...) this small static
 * program sends the command line, the working directory and a few environment variables over the engine's
 * relay socket (mode 0600, beside its API socket), copies back what the command prints and exits with its
 * status. Whenever the relay is absent or declines (interactive verbs, another engine's options, no engine
 * running yet), it executes the JVM launcher with the same arguments instead, so behaviour never differs.
 *
 * Request:  "PLC1", u32 length (big-endian), then entries of one tag byte and a NUL-terminated string:
 *           'c' working directory, 'e' NAME=VALUE, 't' isatty of stdin/stdout/stderr as "010", 'a' argument.
 * Replies:  frames of one tag byte, u32 length, payload: '1' stdout bytes, '2' stderr bytes,
 *           'x' exit status (u32), 'f' fallback to the JVM (payload: why, shown with PODLAB_CLIENT_DEBUG).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef PODLAB_FALLBACK
#define PODLAB_FALLBACK "/opt/podlab/bin/podlab"
#endif
#define DEFAULT_RELAY "/run/podlab/podlab-cli.sock"
#define MAX_REQUEST (4u << 20)

/* The environment the engine-side command may consult; everything else stays with the client. */
static const char *const forwarded_env[] = { "PODLAB_ROOT", "NO_COLOR", "TERM", "COLUMNS", NULL };

struct buffer
{
  char *data;
  size_t len, cap;
};

static void __attribute__ ((noreturn, format (printf, 1, 2)))
fail (const char *fmt, ...)
{
  va_list ap;
  fputs ("podlab: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  exit (125);
}

/* Hands the command to the JVM launcher with PODLAB_DIRECT=mark; never returns. */
static void __attribute__ ((noreturn))
exec_launcher (char **argv, const char *mark, const char *why)
{
  const char *target = getenv ("PODLAB_CLIENT_FALLBACK");
  if (target == NULL || *target == '\0')
    target = PODLAB_FALLBACK;
  if (getenv ("PODLAB_CLIENT_DEBUG") != NULL)
    fprintf (stderr, "podlab-client: running %s: %s\n", target, why);
  if (setenv ("PODLAB_DIRECT", mark, 1) < 0)
    fail ("failed to set PODLAB_DIRECT: %s", strerror (errno));
  argv[0] = (char *) target;
  execv (target, argv);
  fail ("failed to run %s: %s", target, strerror (errno));
}

static void __attribute__ ((noreturn))
fallback (char **argv, const char *why)
{
  exec_launcher (argv, "1", why);
}

static int
append (struct buffer *b, const void *data, size_t len)
{
  if (b->len + len > MAX_REQUEST)
    return -1;
  if (b->len + len > b->cap)
    {
      size_t cap = b->cap ? b->cap : 4096;
      while (cap < b->len + len)
        cap *= 2;
      char *grown = realloc (b->data, cap);
      if (grown == NULL)
        return -1;
      b->data = grown;
      b->cap = cap;
    }
  memcpy (b->data + b->len, data, len);
  b->len += len;
  return 0;
}

static int
append_entry (struct buffer *b, char tag, const char *value)
{
  if (append (b, &tag, 1) < 0)
    return -1;
  return append (b, value, strlen (value) + 1);
}

static void
put_u32 (unsigned char *p, uint32_t v)
{
  p[0] = v >> 24;
  p[1] = v >> 16;
  p[2] = v >> 8;
  p[3] = v;
}

static uint32_t
get_u32 (const unsigned char *p)
{
  return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static int
write_all (int fd, const void *data, size_t len)
{
  const char *p = data;
  while (len > 0)
    {
      ssize_t n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      p += n;
      len -= n;
    }
  return 0;
}

/* Reads exactly len bytes; 0 on success, 1 at a clean end of stream before any byte, -1 on error. */
static int
read_all (int fd, void *data, size_t len)
{
  char *p = data;
  size_t done = 0;
  while (done < len)
    {
      ssize_t n = read (fd, p + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return -1;
      if (n == 0)
        return done == 0 ? 1 : -1;
      done += n;
    }
  return 0;
}

static const char *
relay_path (char *buf, size_t size)
{
  const char *path = getenv ("PODLAB_CLI_SOCKET");
  if (path != NULL && *path != '\0')
    return path;
  const char *root = getenv ("PODLAB_ROOT");
  if (root != NULL && *root != '\0')
    {
      /* A state root given in the environment brings its own socket inside it (as the JVM client does). */
      if ((size_t) snprintf (buf, size, "%s/podlab-cli.sock", root) >= size)
        return NULL;
      return buf;
    }
  return DEFAULT_RELAY;
}

static int
connect_relay (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen (path) >= sizeof (addr.sun_path))
    return -1;
  strcpy (addr.sun_path, path);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return -1;
  if (connect (fd, (struct sockaddr *) &addr, sizeof (addr)) < 0)
    {
      close (fd);
      return -1;
    }
  return fd;
}

static int
build_request (struct buffer *req, int argc, char **argv)
{
  char cwd[4096];
  char ttys[4] = { isatty (0) ? '1' : '0', isatty (1) ? '1' : '0', isatty (2) ? '1' : '0', '\0' };
  unsigned char header[8] = { 'P', 'L', 'C', '1' };

  if (getcwd (cwd, sizeof (cwd)) == NULL)
    return -1;
  if (append (req, header, sizeof (header)) < 0 || append_entry (req, 'c', cwd) < 0 || append_entry (req, 't', ttys) < 0)
    return -1;
  for (const char *const *name = forwarded_env; *name != NULL; name++)
    {
      const char *value = getenv (*name);
      char entry[4096];
      if (value == NULL)
        continue;
      if ((size_t) snprintf (entry, sizeof (entry), "%s=%s", *name, value) >= sizeof (entry))
        return -1;
      if (append_entry (req, 'e', entry) < 0)
        return -1;
    }
  for (int i = 1; i < argc; i++)
    if (append_entry (req, 'a', argv[i]) < 0)
      return -1;
  put_u32 ((unsigned char *) req->data + 4, req->len - sizeof (header));
  return 0;
}

int
main (int argc, char **argv)
{
  char path_buf[sizeof (((struct sockaddr_un *) 0)->sun_path)];
  struct buffer req = { 0 };
  const char *config = getenv ("PODLAB_CONFIG");

  /* PODLAB_DIRECT=1 on the way in: someone wants the JVM. A launcher that leads back here marks it 2. */
  const char *direct = getenv ("PODLAB_DIRECT");
  if (direct != NULL && strcmp (direct, "2") == 0)
    fail ("failed to run the JVM launcher: it leads back to podlab-client (check PODLAB_CLIENT_FALLBACK)");
  if (direct != NULL && *direct != '\0')
    exec_launcher (argv, "2", "PODLAB_DIRECT is set");
  if (argc < 2)
    fallback (argv, "no verb");
  if (config != NULL && *config != '\0')
    fallback (argv, "PODLAB_CONFIG names a configuration only the JVM client reads");
  const char *path = relay_path (path_buf, sizeof (path_buf));
  if (path == NULL)
    fallback (argv, "relay socket path too long");
  int fd = connect_relay (path);
  if (fd < 0)
    fallback (argv, "no engine relay answers");
  if (build_request (&req, argc, argv) < 0)
    fallback (argv, "command line too long for the relay");
  if (write_all (fd, req.data, req.len) < 0)
    fallback (argv, "the relay closed before reading the command");
  free (req.data);

  char *payload = NULL;
  size_t payload_cap = 0;
  bool started = false;
  for (;;)
    {
      unsigned char head[5];
      int r = read_all (fd, head, sizeof (head));
      if (r != 0)
        {
          if (!started)
            fallback (argv, "the relay closed without an answer");
          fail ("failed to run the command in the engine: the engine closed the connection before it finished");
        }
      uint32_t len = get_u32 (head + 1);
      if (len > payload_cap)
        {
          free (payload);
          payload = malloc (len);
          if (payload == NULL)
            fail ("failed to read the engine's reply: out of memory for %u bytes", len);
          payload_cap = len;
        }
      if (len > 0 && read_all (fd, payload, len) != 0)
        fail ("failed to read the engine's reply: the connection ended inside a frame");
      switch (head[0])
        {
        case '1':
        case '2':
          started = true;
          /* A closed stdout ends the command as it would end the JVM's: the engine sees the socket close. */
          if (write_all (head[0] == '1' ? 1 : 2, payload, len) < 0)
            return 1;
          break;
        case 'x':
          if (len != 4)
            fail ("failed to read the engine's reply: an exit frame of %u bytes", len);
          return (int) get_u32 ((unsigned char *) payload);
        case 'f':
          if (started)
            fail ("failed to read the engine's reply: a fallback after output");
          close (fd);
          {
            char why[256];
            snprintf (why, sizeof (why), "the engine declined: %.*s", (int) (len < 200 ? len : 200), payload);
            fallback (argv, why);
          }
        default:
          fail ("failed to read the engine's reply: unknown frame '%c'", head[0]);
        }
    }
}
