/* `attach` on the control socket (docs/shim.md): a client is connected to
 * the container's stdin, stdout and stderr while the CRI log keeps being
 * written. After the request line and the answer `ok`, both directions
 * carry frames: one type byte, a 4-byte big-endian length, the payload.
 *   client -> shim: 'i' stdin bytes, 'c' end of the client's stdin,
 *                   'r' resize (rows, cols: 2 bytes big-endian each)
 *   shim -> client: 'o' stdout bytes, 'e' stderr bytes, 'x' the exit
 *                   record when the container has exited (then EOF)
 * Everything here is allocated on the first attach only: an idle shim
 * that nobody attaches to pays nothing. */
#ifndef SHIM_ATTACH_H
#define SHIM_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define ATTACH_FRAME_MAX 32768

struct attach_hub;

/* STDIN_FD: our end of the container's stdin (pipe or pty master), -1
 * for none; TTY_FD: the pty master for resizes, -1 without a terminal.
 * Watches are added to EPFD with `struct watch` kind KIND. */
struct attach_hub *attach_hub_new (int epfd, int kind, int stdin_fd, bool stdin_once, int tty_fd);

/* Takes over FD (a control connection that asked `attach`): answers `ok`
 * and streams from now on. Returns -1 (FD closed) when out of memory. */
int attach_add (struct attach_hub *h, int fd);

/* log_stream tee: output read from the container, to every client. */
void attach_output (void *hub, const struct log_stream *s, const char *data, size_t len);

/* An epoll event of one of the hub's watches. */
void attach_event (struct attach_hub *h, void *obj, uint32_t events);

/* Frees what was dropped during the last epoll batch. */
void attach_reap (struct attach_hub *h);

/* The container exited (all output forwarded): send RECORD as 'x' to
 * every client and close them. */
void attach_finish (struct attach_hub *h, const char *record);

#endif
