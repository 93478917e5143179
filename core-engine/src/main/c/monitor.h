/* The monitor: what the supervising shim runs after `create` succeeded
 * (control socket, CRI log, exit record). The supervisor execs it as a
 * separate small binary (podlab-shim-monitor, built with musl and embedded
 * in podlab-shim) and hands over its state as arguments, one KEY=VALUE
 * each; descriptors are inherited (not close-on-exec):
 *   dir=PATH dirfd=FD id=ID init=PID listen=FD sync=FD report=FD log=FD
 *   [log-path=PATH] stdout=FD [stderr=FD] [oom-counter=PATH [oom-base=N]]
 *   [cgroup=PATH]...
 * In OCI mode (oci.h) `oci-runtime=PATH oci-root=PATH` replace sync= and
 * report=: start runs `RUNTIME start ID`.
 * The blocked signal mask (SIGCHLD, SIGTERM, ...) and the ignored SIGPIPE
 * are inherited too, so nothing that happens during the exec is lost. */
#ifndef SHIM_MONITOR_H
#define SHIM_MONITOR_H

#define MONITOR_ARGV0 "podlab-shim-monitor"

/* Never returns but for bad arguments (exit status 2). */
int monitor_main (int argc, char **argv);

#endif
