#include "namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static const int ns_clone[NS_COUNT] = {
  [NS_PID] = CLONE_NEWPID, [NS_MOUNT] = CLONE_NEWNS, [NS_UTS] = CLONE_NEWUTS,
  [NS_IPC] = CLONE_NEWIPC, [NS_NET] = CLONE_NEWNET, [NS_CGROUP] = CLONE_NEWCGROUP,
};

unsigned long
ns_clone_flags (const struct plan *plan)
{
  unsigned long flags = 0;

  for (int t = 0; t < NS_COUNT; t++)
    if (t != NS_CGROUP && plan->ns[t].requested && plan->ns[t].path == NULL)
      flags |= (unsigned long) ns_clone[t];
  return flags;
}

static int
join (const char *path, int nstype, const char *name, struct shim_error *err)
{
  cleanup_fd int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return shim_fail (err, errno, "open %s namespace `%s`", name, path);
  if (setns (fd, nstype) < 0)
    return shim_fail (err, errno, "join %s namespace `%s`", name, path);
  return 0;
}

int
ns_join_pid (const struct plan *plan, struct shim_error *err)
{
  if (plan->ns[NS_PID].requested && plan->ns[NS_PID].path)
    return join (plan->ns[NS_PID].path, CLONE_NEWPID, "pid", err);
  return 0;
}

int
ns_enter (const struct plan *plan, struct shim_error *err)
{
  /* Mount last: joining it changes what the other paths resolve to. */
  static const int order[] = { NS_NET, NS_IPC, NS_UTS, NS_CGROUP, NS_MOUNT };
  int fds[NS_COUNT];
  int ret = 0;

  for (int t = 0; t < NS_COUNT; t++)
    fds[t] = -1;
  /* Open everything first, for the same reason. */
  for (size_t i = 0; i < sizeof (order) / sizeof (order[0]) && ret == 0; i++)
    {
      int t = order[i];
      if (!plan->ns[t].requested || plan->ns[t].path == NULL)
        continue;
      fds[t] = open (plan->ns[t].path, O_RDONLY | O_CLOEXEC);
      if (fds[t] < 0)
        ret = shim_fail (err, errno, "open %s namespace `%s`", ns_type_name (t), plan->ns[t].path);
    }
  for (size_t i = 0; i < sizeof (order) / sizeof (order[0]) && ret == 0; i++)
    {
      int t = order[i];
      if (fds[t] >= 0 && setns (fds[t], ns_clone[t]) < 0)
        ret = shim_fail (err, errno, "join %s namespace `%s`", ns_type_name (t), plan->ns[t].path);
    }
  for (int t = 0; t < NS_COUNT; t++)
    if (fds[t] >= 0)
      close (fds[t]);
  if (ret < 0)
    return ret;
  if (plan->ns[NS_CGROUP].requested && plan->ns[NS_CGROUP].path == NULL && unshare (CLONE_NEWCGROUP) < 0)
    return shim_fail (err, errno, "unshare the cgroup namespace");
  return 0;
}

int
ns_join_process (pid_t pid, int *cgroupns_fd, struct shim_error *err)
{
  static const struct
  {
    const char *file;
    int flag;
  } kinds[] = {
    { "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS }, { "uts", CLONE_NEWUTS },
    { "ipc", CLONE_NEWIPC }, { "net", CLONE_NEWNET }, { "pid", CLONE_NEWPID },
    { "cgroup", CLONE_NEWCGROUP },
  };
  cleanup_fd int pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  int flags = 0;

  /* The pidfd pins the process: a recycled pid cannot slip in between the
   * comparison below and the join. */
  if (pidfd < 0)
    return shim_fail (err, errno, "open container init %d", pid);
  for (size_t i = 0; i < sizeof (kinds) / sizeof (kinds[0]); i++)
    {
      char path[64];
      struct stat theirs, ours;

      snprintf (path, sizeof (path), "/proc/%d/ns/%s", pid, kinds[i].file);
      if (stat (path, &theirs) < 0)
        {
          if (errno == ENOENT)
            continue; /* namespace type not supported by this kernel */
          return shim_fail (err, errno, "stat `%s`", path);
        }
      snprintf (path, sizeof (path), "/proc/self/ns/%s", kinds[i].file);
      if (stat (path, &ours) < 0)
        return shim_fail (err, errno, "stat `%s`", path);
      if (theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev)
        flags |= kinds[i].flag;
    }
  *cgroupns_fd = -1;
  if (flags & CLONE_NEWCGROUP)
    {
      char path[64];
      snprintf (path, sizeof (path), "/proc/%d/ns/cgroup", pid);
      *cgroupns_fd = open (path, O_RDONLY | O_CLOEXEC);
      if (*cgroupns_fd < 0)
        return shim_fail (err, errno, "open `%s`", path);
      flags &= ~CLONE_NEWCGROUP;
    }
  /* One setns with a pidfd joins all of them atomically. */
  if (flags && setns (pidfd, flags) < 0)
    return shim_fail (err, errno, "join the namespaces of container init %d", pid);
  return 0;
}
