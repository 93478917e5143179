/* Guest preparation by the agent (PID 1 of the VM): the file systems every
 * container needs, the kernel modules listed in the initramfs, loopback, the
 * 9p share and the cgroup2 tree, then the control port. */
#include "agent.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/random.h>
#include <net/if_arp.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>

#include <stdbool.h>

#include "report.h"

#define MODULE_LIST "/etc/podlab/modules"

static char phases[256];
static size_t phases_len;
static long long phase_start_ms;

static long long
uptime_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_BOOTTIME, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Records that the step NAME ended now; the host shows these in the trace. */
static void
phase_done (const char *name)
{
  long long now = uptime_ms ();
  int n = snprintf (phases + phases_len, sizeof (phases) - phases_len, "%s%s=%lld", phases_len ? "," : "", name,
                    now - phase_start_ms);

  if (n > 0 && (size_t) n < sizeof (phases) - phases_len)
    phases_len += (size_t) n;
  phase_start_ms = now;
}

const char *
agent_boot_phases (void)
{
  return phases;
}

static void
pause_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  nanosleep (&ts, NULL);
}

static int
do_mount (const char *src, const char *dst, const char *type, unsigned long flags, const char *data,
          struct shim_error *err)
{
  mkdir (dst, 0755);
  if (mount (src, dst, type, flags, data) < 0)
    return shim_fail (err, errno, "mount %s on %s", type, dst);
  return 0;
}

/* Module parameters come on the kernel command line as MODULE.KEY=VALUE; the
 * kernel leaves them to whoever loads the module (modprobe does the same). */
static char *
module_params (const char *cmdline, const char *module)
{
  size_t mlen = strlen (module);
  cleanup_free char *copy = strdup (cmdline);
  struct linebuf out = { 0 };
  char *save = NULL;

  if (copy == NULL)
    return NULL;
  for (char *tok = strtok_r (copy, " \n", &save); tok; tok = strtok_r (NULL, " \n", &save))
    if (strncmp (tok, module, mlen) == 0 && tok[mlen] == '.')
      {
        if (out.len)
          linebuf_append (&out, " ", 1);
        linebuf_append (&out, tok + mlen + 1, strlen (tok + mlen + 1));
      }
  linebuf_append (&out, "", 1);
  return out.data;
}

/* Modules tagged "late", opened before the agent leaves the initramfs (their
 * files stay behind) and loaded after the hello. */
#define MAX_LATE 8
static int late_fd[MAX_LATE];
static char late_name[MAX_LATE][64];
static int nlate;
/* Set by podlab.template=1: the late modules are not loaded. */
static bool skip_late;

/* Loads the modules of MODULE_LIST whose tag is in TAGS ("" is the untagged
 * ones, loaded first; "net" those only a pod network needs), and opens those
 * tagged "late" for agent_load_late_modules. Lines are "PATH[ TAG]". */
static int
load_modules (const char *cmdline, const char *const *tags, struct shim_error *err)
{
  cleanup_free char *list = NULL;
  char *save = NULL;
  size_t len;

  if (read_file_at (AT_FDCWD, MODULE_LIST, &list, &len, err) < 0)
    return errno == ENOENT ? 0 : -1;
  for (char *path = strtok_r (list, "\n", &save); path; path = strtok_r (NULL, "\n", &save))
    {
      char name[64];
      char *tag = strchr (path, ' ');
      const char *base;
      cleanup_fd int fd = -1;
      cleanup_free char *params = NULL;
      bool wanted = false;
      size_t i;

      bool late;

      if (tag)
        *tag++ = '\0';
      late = tag && strcmp (tag, "late") == 0;
      for (i = 0; tags[i]; i++)
        wanted |= strcmp (tags[i], tag ? tag : "") == 0;
      if (!wanted && !late)
        continue;
      base = strrchr (path, '/');
      fd = open (path, O_RDONLY | O_CLOEXEC);

      base = base ? base + 1 : path;
      for (i = 0; base[i] && base[i] != '.' && i < sizeof (name) - 1; i++)
        name[i] = base[i] == '-' ? '_' : base[i];
      name[i] = '\0';
      if (fd < 0)
        return shim_fail (err, errno, "open module %s", path);
      if (late)
        {
          if (nlate < MAX_LATE)
            {
              late_fd[nlate] = steal_fd (&fd);
              snprintf (late_name[nlate++], sizeof (late_name[0]), "%s", name);
            }
          continue;
        }
      params = module_params (cmdline, name);
      if (syscall (SYS_finit_module, fd, params ? params : "", 0) < 0 && errno != EEXIST)
        return shim_fail (err, errno, "load module %s", name);
    }
  return 0;
}

static int
loopback_up (struct shim_error *err)
{
  cleanup_fd int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr = { 0 };

  strcpy (ifr.ifr_name, "lo");
  if (s < 0 || ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    return shim_fail (err, errno, "read the flags of lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    return shim_fail (err, errno, "bring lo up");
  return 0;
}

/* Copies the value of KEY (e.g. "podlab.ip=") on the command line into OUT. */
static bool
cmdline_value (const char *cmdline, const char *key, char *out, size_t size)
{
  const char *p = strstr (cmdline, key);
  size_t n = 0;

  if (p == NULL || (p != cmdline && p[-1] != ' '))
    return false;
  p += strlen (key);
  while (p[n] && p[n] != ' ' && p[n] != '\n' && n < size - 1)
    {
      out[n] = p[n];
      n++;
    }
  out[n] = '\0';
  return n > 0;
}

static void
set_sin (struct sockaddr *sa, in_addr_t addr)
{
  struct sockaddr_in *sin = (struct sockaddr_in *) sa;

  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = addr;
}

/* The pod's network: eth0 (virtio-net on a tap the host mirrors to the
 * pod's CNI interface) gets the pod's MAC (a VM restored from a template
 * carries the template's), the pod IP and the default route. */
static int
pod_network (const char *ip_cidr, const char *gw, const char *mac, struct shim_error *err)
{
  char ip[64];
  char *slash;
  struct in_addr addr, gateway;
  int prefix;
  unsigned int m[6];
  cleanup_fd int s = -1;
  struct ifreq ifr = { 0 };

  snprintf (ip, sizeof (ip), "%s", ip_cidr);
  slash = strchr (ip, '/');
  prefix = slash ? atoi (slash + 1) : 32;
  if (slash)
    *slash = '\0';
  if (inet_pton (AF_INET, ip, &addr) != 1 || prefix < 0 || prefix > 32)
    return shim_error_set (err, EINVAL, "failed to configure eth0: bad address \"%s\"", ip_cidr);
  s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  strcpy (ifr.ifr_name, "eth0");
  /* The driver registers eth0 right after probing: wait a little for it. */
  for (int tries = 0; ioctl (s, SIOCGIFFLAGS, &ifr) < 0; tries++)
    {
      if (tries > 100)
        return shim_fail (err, errno, "find eth0");
      pause_ms (20);
    }
  if (*mac)
    {
      struct ifreq hw = { 0 };

      if (sscanf (mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
        return shim_error_set (err, EINVAL, "failed to configure eth0: bad MAC address \"%s\"", mac);
      strcpy (hw.ifr_name, "eth0");
      hw.ifr_hwaddr.sa_family = ARPHRD_ETHER;
      for (int i = 0; i < 6; i++)
        hw.ifr_hwaddr.sa_data[i] = (char) m[i];
      if (ioctl (s, SIOCSIFHWADDR, &hw) < 0)
        return shim_fail (err, errno, "set the MAC address of eth0 to %s", mac);
    }
  set_sin (&ifr.ifr_addr, addr.s_addr);
  if (ioctl (s, SIOCSIFADDR, &ifr) < 0)
    return shim_fail (err, errno, "set the address of eth0 to %s", ip);
  set_sin (&ifr.ifr_netmask, prefix == 0 ? 0 : htonl (~0U << (32 - prefix)));
  if (ioctl (s, SIOCSIFNETMASK, &ifr) < 0)
    return shim_fail (err, errno, "set the netmask of eth0");
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    return shim_fail (err, errno, "read the flags of eth0");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    return shim_fail (err, errno, "bring eth0 up");
  if (*gw)
    {
      struct rtentry rt = { 0 };

      if (inet_pton (AF_INET, gw, &gateway) != 1)
        return shim_error_set (err, EINVAL, "failed to configure eth0: bad gateway \"%s\"", gw);
      set_sin (&rt.rt_dst, 0);
      set_sin (&rt.rt_genmask, 0);
      set_sin (&rt.rt_gateway, gateway.s_addr);
      rt.rt_flags = RTF_UP | RTF_GATEWAY;
      rt.rt_dev = ifr.ifr_name;
      if (ioctl (s, SIOCADDRT, &rt) < 0 && errno != EEXIST)
        return shim_fail (err, errno, "add the default route via %s", gw);
    }
  return 0;
}

/* The virtio-serial port named AGENT_PORT_NAME, as /dev/vportNpM. The driver
 * creates ports after probing, so wait a little for it. */
static int
open_port (struct shim_error *err)
{
  for (int tries = 0; tries < 200; tries++)
    {
      DIR *d = opendir ("/sys/class/virtio-ports");
      struct dirent *e;

      while (d && (e = readdir (d)))
        {
          char path[300], *name = NULL;
          size_t len;
          struct shim_error ignored;

          if (e->d_name[0] == '.')
            continue;
          snprintf (path, sizeof (path), "/sys/class/virtio-ports/%s/name", e->d_name);
          if (read_file_at (AT_FDCWD, path, &name, &len, &ignored) == 0
              && strncmp (name, AGENT_PORT_NAME, strlen (AGENT_PORT_NAME)) == 0)
            {
              int fd;

              free (name);
              snprintf (path, sizeof (path), "/dev/%s", e->d_name);
              closedir (d);
              fd = open (path, O_RDWR | O_CLOEXEC);
              if (fd < 0)
                return shim_fail (err, errno, "open control port %s", path);
              return fd;
            }
          free (name);
        }
      if (d)
        closedir (d);
      pause_ms (25);
    }
  return shim_error_set (err, ENODEV, "failed to find the virtio-serial port %s", AGENT_PORT_NAME);
}

static int
mount_share (struct shim_error *err)
{
  /* The 9p transport registers its mount tag when the device is probed: retry briefly. */
  for (int tries = 0;; tries++)
    {
      mkdir (AGENT_SHARE, 0755);
      if (mount ("podlab", AGENT_SHARE, "9p", MS_NOSUID | MS_NODEV,
                 "trans=virtio,version=9p2000.L,cache=mmap,msize=262144,access=client")
          == 0)
        return 0;
      if (errno != ENOENT || tries > 100)
        return shim_fail (err, errno, "mount the 9p share on %s", AGENT_SHARE);
      pause_ms (20);
    }
}

/* pivot_root(2) refuses the initramfs (rootfs has no parent mount), so every
 * container create would fail: move to a tmpfs root first, as switch_root
 * does, with only the agent binary in it (modules are loaded by then). */
static int
leave_initramfs (struct shim_error *err)
{
  cleanup_free char *self = NULL;
  cleanup_fd int fd = -1;
  size_t len;

  if (read_file_at (AT_FDCWD, "/init", &self, &len, err) < 0
      || do_mount ("tmpfs", "/newroot", "tmpfs", 0, "mode=0755", err) < 0)
    return -1;
  fd = open ("/newroot/init", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
  if (fd < 0 || write_all (fd, self, len) < 0)
    return shim_fail (err, errno, "copy the agent to /newroot");
  if (chdir ("/newroot") < 0 || mount (".", "/", NULL, MS_MOVE, NULL) < 0 || chroot (".") < 0 || chdir ("/") < 0)
    return shim_fail (err, errno, "switch the root to a tmpfs");
  return 0;
}

void
agent_load_late_modules (void)
{
  struct sched_param idle = { 0 };
  struct shim_error err;
  cleanup_free char *cmdline = NULL;
  size_t len;
  pid_t pid;

  if (nlate == 0)
    return;
  if (skip_late)
    {
      for (int i = 0; i < nlate; i++)
        close (late_fd[i]);
      nlate = 0;
      return;
    }
  pid = fork ();
  if (pid != 0)
    {
      for (int i = 0; i < nlate; i++)
        close (late_fd[i]);
      nlate = 0;
      return;
    }
  /* Only on a CPU nobody else wants: containers start first. */
  sched_setscheduler (0, SCHED_IDLE, &idle);
  if (read_file_at (AT_FDCWD, "/proc/cmdline", &cmdline, &len, &err) < 0)
    cmdline = strdup ("");
  for (int i = 0; i < nlate; i++)
    {
      cleanup_free char *params = module_params (cmdline ? cmdline : "", late_name[i]);
      if (syscall (SYS_finit_module, late_fd[i], params ? params : "", 0) < 0 && errno != EEXIST)
        dprintf (2, "podlab-agent: failed to load module %s: %s\n", late_name[i], strerror (errno));
    }
  /* Free page reporting hands back free blocks of 2^order pages; the balloon
   * sets order 9 (2 MiB) when it registers. 32 KiB blocks give the host ~5 MiB
   * more of the boot's freed pages (docs/benchmarks.md). */
  if (write_file_at (AT_FDCWD, "/sys/module/page_reporting/parameters/page_reporting_order", "3", &err) < 0)
    dprintf (2, "podlab-agent: %s\n", err.msg);
  _exit (0);
}

int
agent_boot (int *port_fd, struct shim_error *err)
{
  static const char controllers[] = "+memory +pids +cpu";
  static const char *const base[] = { "", NULL }, *const with_net[] = { "", "net", NULL };
  cleanup_free char *cmdline = NULL;
  char flag[8];
  size_t len;
  int fd;

  phase_done ("kernel");
  if (do_mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0
      || read_file_at (AT_FDCWD, "/proc/cmdline", &cmdline, &len, err) < 0)
    return -1;
  /* A template VM is snapshotted after the hello and every VM restored from
   * it starts there: it has no balloon (see docs/kvm.md, "Templates"). */
  skip_late = cmdline_value (cmdline, "podlab.template=", flag, sizeof (flag)) && strcmp (flag, "1") == 0;
  if (load_modules (cmdline, cmdline_value (cmdline, "podlab.net=", flag, sizeof (flag)) && strcmp (flag, "1") == 0
                                 ? with_net
                                 : base,
                    err)
      < 0)
    return -1;
  phase_done ("modules");
  umount2 ("/proc", MNT_DETACH);
  if (leave_initramfs (err) < 0
      || do_mount ("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0
      || do_mount ("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0
      || do_mount ("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", err) < 0
      || do_mount ("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666", err) < 0
      || do_mount ("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", err) < 0
      || do_mount ("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", err) < 0
      || do_mount ("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", err) < 0
      || do_mount ("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0)
    return -1;
  phase_done ("mounts");
  if (loopback_up (err) < 0)
    return -1;
  mkdir (AGENT_RUN, 0700);
  /* Containers get their limits in children of AGENT_CGROUP (the root
   * cgroup may hold processes and still delegate controllers). */
  if (write_file_at (AT_FDCWD, "/sys/fs/cgroup/cgroup.subtree_control", controllers, err) < 0)
    return -1;
  if (mkdir (AGENT_CGROUP, 0755) < 0 && errno != EEXIST)
    return shim_fail (err, errno, "create cgroup %s", AGENT_CGROUP);
  if (write_file_at (AT_FDCWD, AGENT_CGROUP "/cgroup.subtree_control", controllers, err) < 0)
    return -1;
  phase_done ("cgroups");
  fd = open_port (err);
  if (fd < 0)
    return -1;
  phase_done ("port");
  *port_fd = fd;
  return 0;
}

/* Mixes SEED (hex) into the guest's pool and reseeds the kernel's generator
 * at once: VMs restored from one template would otherwise all draw the same
 * random numbers from the same generator state. */
static int
reseed (const char *seed_hex, struct shim_error *err)
{
  struct
  {
    struct rand_pool_info info;
    unsigned char bytes[64];
  } in = { 0 };
  size_t n = strlen (seed_hex) / 2;
  cleanup_fd int fd = -1;

  if (n == 0 || n > sizeof (in.bytes) || strlen (seed_hex) % 2)
    return shim_error_set (err, EINVAL, "failed to seed the guest's random generator: bad seed length");
  for (size_t i = 0; i < n; i++)
    {
      unsigned int byte;
      if (sscanf (seed_hex + 2 * i, "%2x", &byte) != 1)
        return shim_error_set (err, EINVAL, "failed to seed the guest's random generator: bad seed");
      in.bytes[i] = (unsigned char) byte;
    }
  in.info.entropy_count = (int) n * 8;
  in.info.buf_size = (int) n;
  fd = open ("/dev/urandom", O_RDWR | O_CLOEXEC);
  if (fd < 0 || ioctl (fd, RNDADDENTROPY, &in) < 0 || ioctl (fd, RNDRESEEDCRNG) < 0)
    return shim_fail (err, errno, "seed the guest's random generator");
  return 0;
}

int
agent_setup (long long clock_ns, const char *seed_hex, const char *hostname, const char *ip_cidr,
             const char *gateway, const char *mac, char *phases_out, size_t size, struct shim_error *err)
{
  static bool done;
  struct timespec ts = { clock_ns / 1000000000LL, clock_ns % 1000000000LL };
  long long t0 = uptime_ms (), t1, t2;

  if (done)
    return shim_error_set (err, EEXIST, "failed to set the guest up: it was set up already");
  if (clock_ns <= 0 || clock_settime (CLOCK_REALTIME, &ts) < 0)
    return shim_error_set (err, clock_ns <= 0 ? EINVAL : errno, "failed to set the guest clock: %s",
                           clock_ns <= 0 ? "bad time" : strerror (errno));
  if (reseed (seed_hex, err) < 0)
    return -1;
  if (*hostname && sethostname (hostname, strlen (hostname)) < 0)
    return shim_fail (err, errno, "set the hostname to %s", hostname);
  if (*ip_cidr && pod_network (ip_cidr, gateway, mac, err) < 0)
    return -1;
  t1 = uptime_ms ();
  if (mount_share (err) < 0)
    return -1;
  t2 = uptime_ms ();
  done = true;
  snprintf (phases_out, size, "clock=%lld,network=%lld,share=%lld", t0, t1 - t0, t2 - t1);
  return 0;
}
