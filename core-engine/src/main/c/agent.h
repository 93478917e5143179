/* The guest agent: podlab-shim as PID 1 of a KVM/QEMU micro-VM (docs/kvm.md).
 * It prepares the guest (agent-boot.c), then serves the control protocol on
 * the virtio-serial port "podlab.ctl" and runs every container with the same
 * `create`, control socket and `exec` code as on the host (agent.c). */
#ifndef SHIM_AGENT_H
#define SHIM_AGENT_H

#include <stddef.h>

#include "error.h"

#define AGENT_SHARE "/podlab"           /* the pod's 9p share (mount tag "podlab") */
#define AGENT_RUN "/run/podlab"         /* guest-local container directories */
#define AGENT_CGROUP "/sys/fs/cgroup/podlab"
#define AGENT_PORT_NAME "podlab.ctl"
#define AGENT_PROTOCOL 1

/* Never returns when it works: serves until `shutdown` powers the VM off. */
int agent_main (void);

/* agent-boot.c: modules, mounts, loopback, cgroups; fills *port_fd
 * with the opened control port. */
int agent_boot (int *port_fd, struct shim_error *err);
/* How long each step of agent_boot took, as "name=MS,..." (the first, kernel,
 * is the guest uptime when the agent started): the fifth field of hello. */
const char *agent_boot_phases (void);
/* The `setup` request, served by PID 1 right after the hello (or, for a VM
 * restored from a template, as the first request): the host's clock, a random
 * seed, the hostname, the pod network (empty IP_CIDR: none) and the 9p share.
 * Fills PHASES_OUT with "clock=UPTIME_MS,network=MS,share=MS". */
int agent_setup (long long clock_ns, const char *seed_hex, const char *hostname, const char *ip_cidr,
                 const char *gateway, const char *mac, char *phases_out, size_t size, struct shim_error *err);
/* After the hello: loads the modules tagged "late" in a child at SCHED_IDLE. */
void agent_load_late_modules (void);

/* %XX escaping of protocol tokens (same rules as launch plans). */
char *agent_escape (const char *data, size_t len);
/* Decodes in place; -1 on a malformed escape. */
int agent_unescape (char *s);

#endif
