/* What an epoll event of the monitor points at (epoll_event.data.ptr):
 * a kind to dispatch on and the object it concerns. Shared so that event
 * sources kept in their own files (attach.c) register the same way. */
#ifndef SHIM_WATCH_H
#define SHIM_WATCH_H

struct watch
{
  int kind;
  void *obj;
};

#endif
