/* Attach clients of the monitor (attach.h). */
#include "attach.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include "error.h"
#include "watch.h"

/* A client that does not read its output loses the connection rather
 * than making the monitor hold unbounded memory. */
#define OUT_MAX (1024 * 1024)
/* How long the exiting monitor tries to hand a client its last output. */
#define FINISH_MS 200

struct attach_client
{
  struct watch w;
  struct attach_hub *hub;
  struct attach_client *next;
  int fd;
  size_t inlen;
  unsigned char in[5 + ATTACH_FRAME_MAX];
  char *out;
  size_t outlen, outcap;
};

struct attach_hub
{
  struct watch w_stdin;
  int epfd, kind;
  int stdin_fd;         /* -1: none, or closed by stdin-once */
  bool stdin_once, tty;
  int tty_fd;
  char *pending;        /* stdin bytes the container has not taken yet */
  size_t pendlen;
  bool paused;          /* clients not read while pending */
  bool closed_once;
  struct attach_client *clients, *dead;
};

struct attach_hub *
attach_hub_new (int epfd, int kind, int stdin_fd, bool stdin_once, int tty_fd)
{
  struct attach_hub *h = calloc (1, sizeof (*h));

  if (h == NULL)
    return NULL;
  h->epfd = epfd;
  h->kind = kind;
  h->w_stdin.kind = kind;
  h->w_stdin.obj = h;
  h->tty = tty_fd >= 0;
  h->tty_fd = tty_fd;
  h->stdin_once = stdin_once && !h->tty; /* as Docker: a terminal's stdin stays open */
  h->stdin_fd = stdin_fd;
  /* The pty master is already watched for output: a second descriptor
   * for it lets us wait for it to take input too. */
  if (h->tty && stdin_fd >= 0)
    h->stdin_fd = fcntl (stdin_fd, F_DUPFD_CLOEXEC, 3);
  return h;
}

static void
set_events (struct attach_hub *h, int fd, struct watch *w, uint32_t events)
{
  struct epoll_event ev = { .events = events, .data.ptr = w };

  if (epoll_ctl (h->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 && errno == ENOENT)
    epoll_ctl (h->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void
client_events (struct attach_client *c)
{
  set_events (c->hub, c->fd, &c->w, (c->hub->paused ? 0 : EPOLLIN) | (c->outlen ? EPOLLOUT : 0));
}

static void
close_stdin (struct attach_hub *h)
{
  if (h->stdin_fd < 0)
    return;
  epoll_ctl (h->epfd, EPOLL_CTL_DEL, h->stdin_fd, NULL);
  close (h->stdin_fd);
  h->stdin_fd = -1;
  free (h->pending);
  h->pending = NULL;
  h->pendlen = 0;
}

static void
resume_clients (struct attach_hub *h, bool paused)
{
  if (h->paused == paused)
    return;
  h->paused = paused;
  for (struct attach_client *c = h->clients; c; c = c->next)
    client_events (c);
}

static void
client_drop (struct attach_client *c)
{
  struct attach_hub *h = c->hub;

  for (struct attach_client **pp = &h->clients; *pp; pp = &(*pp)->next)
    if (*pp == c)
      {
        *pp = c->next;
        break;
      }
  epoll_ctl (h->epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close (c->fd);
  c->fd = -1;
  c->next = h->dead;
  h->dead = c;
  /* stdin-once: the first client to go takes the container's stdin along. */
  if (h->stdin_once && !h->closed_once)
    {
      h->closed_once = true;
      close_stdin (h);
    }
}

void
attach_reap (struct attach_hub *h)
{
  while (h && h->dead)
    {
      struct attach_client *c = h->dead;
      h->dead = c->next;
      free (c->out);
      free (c);
    }
}

/* Writes what it can now, keeps the rest; false when the client is too
 * far behind (it is dropped). */
static bool
client_send (struct attach_client *c, const void *a, size_t alen, const void *b, size_t blen)
{
  size_t done = 0, total = alen + blen;

  if (c->outlen == 0)
    {
      struct iovec iov[2] = { { (void *) a, alen }, { (void *) b, blen } };
      struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2 };
      ssize_t r = sendmsg (c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (r < 0 && errno != EAGAIN && errno != EINTR)
        return false;
      done = r > 0 ? (size_t) r : 0;
      if (done == total)
        return true;
    }
  if (c->outlen + total - done > OUT_MAX)
    return false;
  if (c->outlen + total - done > c->outcap)
    {
      size_t cap = c->outcap ? c->outcap : 4096;
      char *n;
      while (cap < c->outlen + total - done)
        cap *= 2;
      n = realloc (c->out, cap);
      if (n == NULL)
        return false;
      c->out = n;
      c->outcap = cap;
    }
  for (size_t i = done; i < total; i++)
    c->out[c->outlen++] = i < alen ? ((const char *) a)[i] : ((const char *) b)[i - alen];
  client_events (c);
  return true;
}

static bool
client_frame (struct attach_client *c, char type, const char *data, size_t len)
{
  unsigned char head[5] = { (unsigned char) type, (unsigned char) (len >> 24), (unsigned char) (len >> 16),
                            (unsigned char) (len >> 8), (unsigned char) len };

  return client_send (c, head, sizeof (head), data, len);
}

void
attach_output (void *hub, const struct log_stream *s, const char *data, size_t len)
{
  struct attach_hub *h = hub;
  char type = strcmp (s->name, "stderr") == 0 ? 'e' : 'o';

  for (struct attach_client *c = h->clients, *next; c; c = next)
    {
      next = c->next;
      if (!client_frame (c, type, data, len))
        client_drop (c);
    }
}

static void
flush_out (struct attach_client *c)
{
  ssize_t r = send (c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);

  if (r < 0 && errno != EAGAIN && errno != EINTR)
    {
      client_drop (c);
      return;
    }
  if (r > 0)
    {
      memmove (c->out, c->out + r, c->outlen - (size_t) r);
      c->outlen -= (size_t) r;
    }
  client_events (c);
}

static void
flush_stdin (struct attach_hub *h)
{
  while (h->pendlen > 0 && h->stdin_fd >= 0)
    {
      ssize_t r = write (h->stdin_fd, h->pending, h->pendlen);
      if (r < 0 && (errno == EAGAIN || errno == EINTR))
        break;
      if (r <= 0)
        {
          /* EPIPE: the container closed its stdin; what is left is lost. */
          h->pendlen = 0;
          break;
        }
      memmove (h->pending, h->pending + r, h->pendlen - (size_t) r);
      h->pendlen -= (size_t) r;
    }
  if (h->pendlen > 0 && h->stdin_fd >= 0)
    {
      set_events (h, h->stdin_fd, &h->w_stdin, EPOLLOUT);
      resume_clients (h, true);
    }
  else
    {
      if (h->stdin_fd >= 0)
        epoll_ctl (h->epfd, EPOLL_CTL_DEL, h->stdin_fd, NULL);
      resume_clients (h, false);
    }
}

static void
stdin_write (struct attach_hub *h, const unsigned char *data, size_t len)
{
  char *n;

  if (h->stdin_fd < 0 || len == 0)
    return; /* no stdin (or closed): input is dropped, as for a closed pipe */
  n = realloc (h->pending, h->pendlen + len);
  if (n == NULL)
    return;
  h->pending = n;
  memcpy (h->pending + h->pendlen, data, len);
  h->pendlen += len;
  flush_stdin (h);
}

/* One complete frame from a client; false for a protocol error. */
static bool
client_input (struct attach_client *c, unsigned char type, const unsigned char *p, size_t len)
{
  struct attach_hub *h = c->hub;

  switch (type)
    {
    case 'i':
      stdin_write (h, p, len);
      return true;
    case 'c':
      if (h->stdin_once && !h->closed_once)
        {
          h->closed_once = true;
          close_stdin (h);
        }
      return true;
    case 'r':
      if (len != 4)
        return false;
      if (h->tty)
        {
          struct winsize ws = { .ws_row = (unsigned short) (p[0] << 8 | p[1]),
                                .ws_col = (unsigned short) (p[2] << 8 | p[3]) };
          ioctl (h->tty_fd, TIOCSWINSZ, &ws);
        }
      return true;
    default:
      return false;
    }
}

static void
client_read (struct attach_client *c)
{
  ssize_t r = read (c->fd, c->in + c->inlen, sizeof (c->in) - c->inlen);
  size_t off = 0;

  if (r < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (r <= 0)
    {
      client_drop (c);
      return;
    }
  c->inlen += (size_t) r;
  while (c->inlen - off >= 5)
    {
      const unsigned char *f = c->in + off;
      size_t len = (size_t) f[1] << 24 | (size_t) f[2] << 16 | (size_t) f[3] << 8 | f[4];
      if (len > ATTACH_FRAME_MAX)
        {
          client_drop (c);
          return;
        }
      if (c->inlen - off < 5 + len)
        break;
      if (!client_input (c, f[0], f + 5, len))
        {
          client_drop (c);
          return;
        }
      off += 5 + len;
    }
  memmove (c->in, c->in + off, c->inlen - off);
  c->inlen -= off;
}

void
attach_event (struct attach_hub *h, void *obj, uint32_t events)
{
  if (obj == h)
    {
      flush_stdin (h);
      return;
    }
  struct attach_client *c = obj;
  if (c->fd < 0)
    return; /* dropped earlier in this batch */
  if (events & EPOLLOUT)
    flush_out (c);
  if (c->fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
    client_read (c);
}

int
attach_add (struct attach_hub *h, int fd)
{
  struct attach_client *c = calloc (1, sizeof (*c));

  if (c == NULL)
    {
      close (fd);
      return -1;
    }
  c->hub = h;
  c->fd = fd;
  c->w.kind = h->kind;
  c->w.obj = c;
  c->next = h->clients;
  h->clients = c;
  if (!client_send (c, "ok\n", 3, NULL, 0))
    {
      client_drop (c);
      return 0;
    }
  client_events (c);
  return 0;
}

void
attach_finish (struct attach_hub *h, const char *record)
{
  if (h == NULL)
    return;
  while (h->clients)
    {
      struct attach_client *c = h->clients;
      if (client_frame (c, 'x', record, strlen (record)))
        {
          /* Last words: wait a little for a slow reader to take them. */
          int64_t left = FINISH_MS;
          while (c->outlen > 0 && left > 0)
            {
              struct pollfd p = { .fd = c->fd, .events = POLLOUT };
              if (poll (&p, 1, 20) < 0)
                break;
              left -= 20;
              ssize_t r = send (c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
              if (r < 0 && errno != EAGAIN && errno != EINTR)
                break;
              if (r > 0)
                {
                  memmove (c->out, c->out + r, c->outlen - (size_t) r);
                  c->outlen -= (size_t) r;
                }
            }
        }
      client_drop (c);
    }
  attach_reap (h);
}
