#include "security.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>

static void
fmt_rlim (char *buf, size_t len, rlim_t v)
{
  if (v == RLIM_INFINITY)
    snprintf (buf, len, "unlimited");
  else
    snprintf (buf, len, "%llu", (unsigned long long) v);
}

int
rlimits_apply (const struct plan *plan, warn_fn warn, void *ctx, struct shim_error *err)
{
  for (size_t i = 0; i < plan->nrlimits; i++)
    {
      const struct rlimit_req *r = &plan->rlimits[i];
      struct rlimit cur, want = { .rlim_cur = r->soft, .rlim_max = r->hard };

      if (getrlimit (r->resource, &cur) < 0)
        return shim_fail (err, errno, "get rlimit %s", r->name);
      /* Raising a hard limit needs CAP_SYS_RESOURCE, which a shim may
       * lack: honour what can be honoured and say so. */
      if (cur.rlim_max != RLIM_INFINITY && (want.rlim_max == RLIM_INFINITY || want.rlim_max > cur.rlim_max))
        {
          char msg[200], a[24], b[24];
          fmt_rlim (a, sizeof (a), want.rlim_max);
          fmt_rlim (b, sizeof (b), cur.rlim_max);
          snprintf (msg, sizeof (msg), "rlimit %s: hard limit %s above the current %s, clamped", r->name, a, b);
          warn (ctx, msg);
          want.rlim_max = cur.rlim_max;
          if (want.rlim_cur == RLIM_INFINITY || want.rlim_cur > want.rlim_max)
            want.rlim_cur = want.rlim_max;
        }
      if (setrlimit (r->resource, &want) < 0)
        return shim_fail (err, errno, "set rlimit %s", r->name);
    }
  return 0;
}

int
oom_score_adj_apply (const struct plan *plan, warn_fn warn, void *ctx, struct shim_error *err)
{
  cleanup_fd int fd = -1;
  char v[16];

  if (!plan->has_oom_score_adj)
    return 0;
  fd = open ("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return shim_fail (err, errno, "open `/proc/self/oom_score_adj`");
  snprintf (v, sizeof (v), "%d", plan->oom_score_adj);
  if (write_all (fd, v, strlen (v)) < 0)
    {
      char msg[160];
      /* Lowering it needs CAP_SYS_RESOURCE: not worth failing for. */
      if (errno != EACCES && errno != EPERM)
        return shim_fail (err, errno, "write oom_score_adj %s", v);
      snprintf (msg, sizeof (msg), "oom-score-adj %s refused: %s", v, strerror (errno));
      warn (ctx, msg);
    }
  return 0;
}

static int
capget_self (uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2];

  if (syscall (SYS_capget, &hdr, data) < 0)
    return -1;
  *eff = data[0].effective | (uint64_t) data[1].effective << 32;
  *perm = data[0].permitted | (uint64_t) data[1].permitted << 32;
  *inh = data[0].inheritable | (uint64_t) data[1].inheritable << 32;
  return 0;
}

int
caps_check (uint64_t caps[CAPSET_COUNT], warn_fn warn, void *ctx, struct shim_error *err)
{
  uint64_t eff, perm, inh, missing = 0;

  if (capget_self (&eff, &perm, &inh) < 0)
    return shim_fail (err, errno, "read the shim's capabilities");
  for (int s = 0; s < CAPSET_COUNT; s++)
    {
      if (s == CAPSET_BOUNDING)
        continue; /* not holding one there only means nothing to drop */
      missing |= caps[s] & ~perm;
      caps[s] &= perm;
    }
  for (int c = 0; c < 64; c++)
    if (missing & (1ULL << c))
      {
        char msg[120];
        snprintf (msg, sizeof (msg), "cap %s: not held by the shim, left out",
                  c < cap_names_count ? cap_names[c] : "?");
        warn (ctx, msg);
      }
  return 0;
}

static int
seccomp_apply (const struct sock_fprog *prog, struct step *s, struct shim_error *err)
{
  int r;

  step_begin (s);
  r = (int) syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog);
  step_end (s);
  if (r < 0)
    return shim_fail (err, errno, "load the seccomp filter");
  return 0;
}

int
privileges_drop (const struct plan *plan, const uint64_t caps[CAPSET_COUNT], const struct sock_fprog *filter,
                 struct step *seccomp_step, struct shim_error *err)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2];
  uid_t uid = plan->has_user ? plan->uid : 0;
  gid_t gid = plan->has_user ? plan->gid : 0;

  /* Bounding set first: dropping needs CAP_SETPCAP, which goes next. */
  for (int c = 0; c < 64; c++)
    {
      int r = prctl (PR_CAPBSET_READ, c, 0, 0, 0);
      if (r < 0)
        break; /* past the kernel's last capability */
      if (r == 1 && !(caps[CAPSET_BOUNDING] & (1ULL << c)) && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
        return shim_fail (err, errno, "drop %s from the bounding set", c < cap_names_count ? cap_names[c] : "capability");
    }
  /* Keep the permitted set across the uid change; capset trims it below. */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return shim_fail (err, errno, "set keepcaps");
  if (setgroups (plan->ngids, plan->gids) < 0)
    return shim_fail (err, errno, "set supplementary groups");
  if (setresgid (gid, gid, gid) < 0)
    return shim_fail (err, errno, "set gid %u", gid);
  if (setresuid (uid, uid, uid) < 0)
    return shim_fail (err, errno, "set uid %u", uid);
  /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: do it
   * while we still have it. */
  if (filter && !plan->no_new_privs && seccomp_apply (filter, seccomp_step, err) < 0)
    return -1;

  memset (data, 0, sizeof (data));
  data[0].effective = (uint32_t) caps[CAPSET_EFFECTIVE];
  data[1].effective = (uint32_t) (caps[CAPSET_EFFECTIVE] >> 32);
  data[0].permitted = (uint32_t) caps[CAPSET_PERMITTED];
  data[1].permitted = (uint32_t) (caps[CAPSET_PERMITTED] >> 32);
  data[0].inheritable = (uint32_t) caps[CAPSET_INHERITABLE];
  data[1].inheritable = (uint32_t) (caps[CAPSET_INHERITABLE] >> 32);
  if (syscall (SYS_capset, &hdr, data) < 0)
    return shim_fail (err, errno, "set capabilities");
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return shim_fail (err, errno, "clear the ambient capabilities");
  for (int c = 0; c < 64; c++)
    if ((caps[CAPSET_AMBIENT] & (1ULL << c)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
      return shim_fail (err, errno, "raise ambient %s", c < cap_names_count ? cap_names[c] : "capability");
  if (plan->no_new_privs && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return shim_fail (err, errno, "set no_new_privs");
  /* Last: from here on, only what the filter allows (execve) runs. */
  if (filter && plan->no_new_privs && seccomp_apply (filter, seccomp_step, err) < 0)
    return -1;
  return 0;
}
