/* Parser of the launch plan (docs/shim.md, "Launch plan format"). */
#include "plan.h"
#include "oci.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

const char *const cap_names[] = {
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
  "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
  "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
  "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
};
const int cap_names_count = (int) (sizeof (cap_names) / sizeof (cap_names[0]));

static const char *const ns_names[NS_COUNT] = {
  [NS_PID] = "pid", [NS_MOUNT] = "mount", [NS_UTS] = "uts",
  [NS_IPC] = "ipc", [NS_NET] = "network", [NS_CGROUP] = "cgroup",
};

const char *
ns_type_name (enum ns_type t)
{
  return ns_names[t];
}

static const struct
{
  const char *name;
  int resource;
} rlimit_names[] = {
  { "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_STACK", RLIMIT_STACK },
  { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS }, { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
};

static const struct
{
  const char *name;
  unsigned long flags;
  unsigned long propagation;
  bool bind;
} mount_flag_names[] = {
  { "ro", MS_RDONLY, 0, false },
  { "nosuid", MS_NOSUID, 0, false },
  { "nodev", MS_NODEV, 0, false },
  { "noexec", MS_NOEXEC, 0, false },
  { "bind", 0, 0, true },
  { "rbind", MS_REC, 0, true },
  { "private", 0, MS_PRIVATE, false },
  { "rprivate", 0, MS_PRIVATE | MS_REC, false },
  { "slave", 0, MS_SLAVE, false },
  { "rslave", 0, MS_SLAVE | MS_REC, false },
  { "shared", 0, MS_SHARED, false },
  { "rshared", 0, MS_SHARED | MS_REC, false },
  { "noatime", MS_NOATIME, 0, false },
  { "relatime", MS_RELATIME, 0, false },
  { "strictatime", MS_STRICTATIME, 0, false },
  { "nodiratime", MS_NODIRATIME, 0, false },
  { "sync", MS_SYNCHRONOUS, 0, false },
  { "dirsync", MS_DIRSYNC, 0, false },
};

static const char *const sc_action_names[] = {
  [SC_ALLOW] = "allow", [SC_ERRNO] = "errno", [SC_KILL_THREAD] = "kill-thread",
  [SC_KILL_PROCESS] = "kill-process", [SC_TRAP] = "trap", [SC_LOG] = "log",
};

static const char *const sc_op_names[] = {
  [SC_NE] = "ne", [SC_LT] = "lt", [SC_LE] = "le", [SC_EQ] = "eq",
  [SC_GE] = "ge", [SC_GT] = "gt", [SC_MASKED_EQ] = "masked_eq",
};

/* Grow a dynamic array so that one more element fits. */
static int
grow (void *arrayp, size_t n, size_t elem)
{
  void **array = arrayp;
  void *p;

  /* Capacities are powers of two, so growth happens when n is one. */
  if (n != 0 && (n & (n - 1)) != 0)
    return 0;
  p = realloc (*array, (n ? n * 2 : 1) * elem);
  if (p == NULL)
    return -1;
  *array = p;
  return 0;
}

#define PUSH(arr, n, item)                                        \
  (grow (&(arr), (n), sizeof (*(arr))) < 0 ? -1 : ((arr)[(n)++] = (item), 0))

struct parser
{
  struct plan *plan;
  enum plan_kind kind;
  int line;
  char **tok;
  size_t ntok;
  struct shim_error *err;
};

static int
perr (struct parser *p, const char *fmt, const char *arg)
{
  char what[300];

  snprintf (what, sizeof (what), fmt, arg);
  return shim_error_set (p->err, EINVAL, "failed to parse plan line %d: %s", p->line, what);
}

static int
hexval (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Decode %XX escapes in place; the lone token %00 is the empty string. */
static int
decode (struct parser *p, char *s)
{
  char *r = s, *w = s;

  if (strcmp (s, "%00") == 0)
    {
      *s = '\0';
      return 0;
    }
  while (*r)
    {
      if (*r == '%')
        {
          int hi = hexval (r[1]), lo = hi < 0 ? -1 : hexval (r[2]);
          if (hi < 0 || lo < 0)
            return perr (p, "bad escape in \"%s\"", s);
          if (hi == 0 && lo == 0)
            return perr (p, "%%00 inside an argument%s", "");
          *w++ = (char) (hi * 16 + lo);
          r += 3;
        }
      else
        *w++ = *r++;
    }
  *w = '\0';
  return 0;
}

static int
tokenize (struct parser *p, char *line)
{
  char *s = line;

  p->ntok = 0;
  for (;;)
    {
      char *sp = strchr (s, ' ');
      if (sp)
        *sp = '\0';
      if (*s == '\0')
        return perr (p, "empty argument (write %%00)%s", "");
      if (PUSH (p->tok, p->ntok, s) < 0)
        return shim_fail (p->err, ENOMEM, "parse plan");
      if (sp == NULL)
        break;
      s = sp + 1;
    }
  for (size_t i = 0; i < p->ntok; i++)
    if (decode (p, p->tok[i]) < 0)
      return -1;
  return 0;
}

static int
want_args (struct parser *p, size_t min, size_t max)
{
  size_t n = p->ntok - 1;

  if (n < min || n > max)
    return perr (p, "wrong number of arguments for \"%s\"", p->tok[0]);
  return 0;
}

static int
parse_ulong (struct parser *p, const char *s, int base, unsigned long long max, unsigned long long *out)
{
  char *end;

  errno = 0;
  if (*s == '\0' || *s == '-' || *s == '+')
    return perr (p, "bad number \"%s\"", s);
  *out = strtoull (s, &end, base);
  if (errno || *end || *out > max)
    return perr (p, "bad number \"%s\"", s);
  return 0;
}

static int
parse_int (struct parser *p, const char *s, long min, long max, long *out)
{
  char *end;

  errno = 0;
  if (*s == '\0')
    return perr (p, "bad number \"%s\"", s);
  *out = strtol (s, &end, 10);
  if (errno || *end || *out < min || *out > max)
    return perr (p, "bad number \"%s\"", s);
  return 0;
}

static int
parse_mode (struct parser *p, const char *s, mode_t *out)
{
  unsigned long long v;

  if (parse_ulong (p, s, 8, 07777, &v) < 0)
    return -1;
  *out = (mode_t) v;
  return 0;
}

static int
parse_id (struct parser *p, const char *s, unsigned int *out)
{
  unsigned long long v;

  if (parse_ulong (p, s, 10, UINT_MAX - 1, &v) < 0)
    return -1;
  *out = (unsigned int) v;
  return 0;
}

static int
need_abs (struct parser *p, const char *path)
{
  if (path[0] != '/')
    return perr (p, "path \"%s\" is not absolute", path);
  return 0;
}

static int
push_fs (struct parser *p, struct fs_op *op)
{
  op->line = p->line;
  if (PUSH (p->plan->fs, p->plan->nfs, *op) < 0)
    return shim_fail (p->err, ENOMEM, "parse plan");
  return 0;
}

static int
d_mount (struct parser *p)
{
  struct fs_op op = { .kind = FS_MOUNT };
  char *flags, *f, *save = NULL;

  if (want_args (p, 4, 5) < 0)
    return -1;
  op.source = p->tok[1];
  op.path = p->tok[2];
  op.fstype = p->tok[3];
  op.data = p->ntok > 5 && p->tok[5][0] ? p->tok[5] : NULL;
  if (need_abs (p, op.path) < 0)
    return -1;
  flags = p->tok[4];
  if (strcmp (flags, "-") != 0)
    for (f = strtok_r (flags, ",", &save); f; f = strtok_r (NULL, ",", &save))
      {
        size_t i, n = sizeof (mount_flag_names) / sizeof (mount_flag_names[0]);
        for (i = 0; i < n; i++)
          if (strcmp (f, mount_flag_names[i].name) == 0)
            break;
        if (i == n)
          return perr (p, "unknown mount flag \"%s\"", f);
        op.flags |= mount_flag_names[i].flags;
        op.propagation |= mount_flag_names[i].propagation;
        op.bind |= mount_flag_names[i].bind;
      }
  op.readonly = (op.flags & MS_RDONLY) != 0;
  return push_fs (p, &op);
}

static int
d_device (struct parser *p)
{
  struct fs_op op = { .kind = FS_DEVICE };

  if (want_args (p, 7, 7) < 0)
    return -1;
  op.path = p->tok[1];
  if (need_abs (p, op.path) < 0)
    return -1;
  if (strcmp (p->tok[2], "c") == 0)
    op.devtype = S_IFCHR;
  else if (strcmp (p->tok[2], "b") == 0)
    op.devtype = S_IFBLK;
  else
    return perr (p, "unknown device type \"%s\"", p->tok[2]);
  if (parse_id (p, p->tok[3], &op.major) < 0 || parse_id (p, p->tok[4], &op.minor) < 0
      || parse_mode (p, p->tok[5], &op.mode) < 0 || parse_id (p, p->tok[6], &op.uid) < 0
      || parse_id (p, p->tok[7], &op.gid) < 0)
    return -1;
  return push_fs (p, &op);
}

static int
d_path_op (struct parser *p, enum fs_kind kind)
{
  struct fs_op op = { .kind = kind };

  if (kind == FS_MKDIR)
    {
      if (want_args (p, 2, 2) < 0 || parse_mode (p, p->tok[2], &op.mode) < 0)
        return -1;
    }
  else if (want_args (p, 1, 1) < 0)
    return -1;
  op.path = p->tok[1];
  if (need_abs (p, op.path) < 0)
    return -1;
  return push_fs (p, &op);
}

static int
d_symlink (struct parser *p)
{
  struct fs_op op = { .kind = FS_SYMLINK };

  if (want_args (p, 2, 2) < 0)
    return -1;
  op.target = p->tok[1];
  op.path = p->tok[2];
  if (need_abs (p, op.path) < 0)
    return -1;
  return push_fs (p, &op);
}

static int
d_namespace (struct parser *p)
{
  int t;

  if (want_args (p, 1, 2) < 0)
    return -1;
  for (t = 0; t < NS_COUNT; t++)
    if (strcmp (p->tok[1], ns_names[t]) == 0)
      break;
  if (t == NS_COUNT)
    return perr (p, "unknown namespace type \"%s\"", p->tok[1]);
  p->plan->ns[t].requested = true;
  p->plan->ns[t].path = p->ntok > 2 ? p->tok[2] : NULL;
  return 0;
}

static int
d_user (struct parser *p)
{
  struct plan *pl = p->plan;

  if (want_args (p, 2, 65536) < 0)
    return -1;
  if (parse_id (p, p->tok[1], &pl->uid) < 0 || parse_id (p, p->tok[2], &pl->gid) < 0)
    return -1;
  free (pl->gids);
  pl->gids = NULL;
  pl->ngids = 0;
  for (size_t i = 3; i < p->ntok; i++)
    {
      gid_t g;
      if (parse_id (p, p->tok[i], &g) < 0)
        return -1;
      if (PUSH (pl->gids, pl->ngids, g) < 0)
        return shim_fail (p->err, ENOMEM, "parse plan");
    }
  pl->has_user = true;
  return 0;
}

static int
parse_rlim (struct parser *p, const char *s, rlim_t *out)
{
  unsigned long long v;

  if (strcmp (s, "unlimited") == 0)
    {
      *out = RLIM_INFINITY;
      return 0;
    }
  if (parse_ulong (p, s, 10, ULLONG_MAX, &v) < 0)
    return -1;
  *out = (rlim_t) v;
  return 0;
}

static int
d_rlimit (struct parser *p)
{
  struct rlimit_req r = { 0 };
  size_t i, n = sizeof (rlimit_names) / sizeof (rlimit_names[0]);

  if (want_args (p, 3, 3) < 0)
    return -1;
  for (i = 0; i < n; i++)
    if (strcmp (p->tok[1], rlimit_names[i].name) == 0)
      break;
  if (i == n)
    return perr (p, "unknown rlimit \"%s\"", p->tok[1]);
  r.name = rlimit_names[i].name;
  r.resource = rlimit_names[i].resource;
  if (parse_rlim (p, p->tok[2], &r.soft) < 0 || parse_rlim (p, p->tok[3], &r.hard) < 0)
    return -1;
  if (r.soft > r.hard)
    return perr (p, "soft limit above hard limit for %s", r.name);
  if (PUSH (p->plan->rlimits, p->plan->nrlimits, r) < 0)
    return shim_fail (p->err, ENOMEM, "parse plan");
  return 0;
}

static int
d_cap (struct parser *p)
{
  static const char *const sets[CAPSET_COUNT] = {
    [CAPSET_BOUNDING] = "bounding", [CAPSET_EFFECTIVE] = "effective",
    [CAPSET_PERMITTED] = "permitted", [CAPSET_INHERITABLE] = "inheritable",
    [CAPSET_AMBIENT] = "ambient",
  };
  int s;

  if (want_args (p, 1, 64) < 0)
    return -1;
  for (s = 0; s < CAPSET_COUNT; s++)
    if (strcmp (p->tok[1], sets[s]) == 0)
      break;
  if (s == CAPSET_COUNT)
    return perr (p, "unknown capability set \"%s\"", p->tok[1]);
  for (size_t i = 2; i < p->ntok; i++)
    {
      int c;
      for (c = 0; c < cap_names_count; c++)
        if (strcmp (p->tok[i], cap_names[c]) == 0)
          break;
      if (c == cap_names_count)
        return perr (p, "unknown capability \"%s\"", p->tok[i]);
      p->plan->caps[s] |= 1ULL << c;
    }
  return 0;
}

static int
parse_sc_action (struct parser *p, const char *s, enum sc_action *out)
{
  for (int a = 0; a <= SC_LOG; a++)
    if (strcmp (s, sc_action_names[a]) == 0)
      {
        *out = (enum sc_action) a;
        return 0;
      }
  return perr (p, "unknown seccomp action \"%s\"", s);
}

static int
d_seccomp_default (struct parser *p)
{
  long e = 0;

  if (want_args (p, 1, 2) < 0 || parse_sc_action (p, p->tok[1], &p->plan->sc_default) < 0)
    return -1;
  if (p->ntok > 2 && parse_int (p, p->tok[2], 0, 4095, &e) < 0)
    return -1;
  p->plan->sc_default_errno = (int) e;
  p->plan->has_seccomp = true;
  return 0;
}

static int
d_seccomp (struct parser *p)
{
  struct sc_rule r = { .line = p->line };
  long e;
  size_t i;

  if (want_args (p, 3, 3 + SC_MAX_ARGS * 4) < 0 || parse_sc_action (p, p->tok[1], &r.action) < 0
      || parse_int (p, p->tok[2], 0, 4095, &e) < 0)
    return -1;
  r.errnum = (int) e;
  r.syscall = p->tok[3];
  for (i = 4; i < p->ntok;)
    {
      struct sc_cond *c;
      unsigned long long v;
      int op;

      if (r.ncond == SC_MAX_ARGS || i + 3 > p->ntok)
        return perr (p, "bad seccomp condition for \"%s\"", r.syscall);
      c = &r.cond[r.ncond++];
      if (parse_ulong (p, p->tok[i], 10, SC_MAX_ARGS - 1, &v) < 0)
        return -1;
      c->index = (unsigned int) v;
      for (op = 0; op <= SC_MASKED_EQ; op++)
        if (strcmp (p->tok[i + 1], sc_op_names[op]) == 0)
          break;
      if (op > SC_MASKED_EQ)
        return perr (p, "unknown seccomp operator \"%s\"", p->tok[i + 1]);
      c->op = (enum sc_op) op;
      if (parse_ulong (p, p->tok[i + 2], 10, ULLONG_MAX, &v) < 0)
        return -1;
      c->value = v;
      i += 3;
      if (c->op == SC_MASKED_EQ)
        {
          if (i >= p->ntok || parse_ulong (p, p->tok[i], 10, ULLONG_MAX, &v) < 0)
            return perr (p, "masked_eq needs a mask and a value for \"%s\"", r.syscall);
          c->value2 = v;
          i++;
        }
    }
  if (PUSH (p->plan->sc_rules, p->plan->nsc_rules, r) < 0)
    return shim_fail (p->err, ENOMEM, "parse plan");
  return 0;
}

/* Directives of a container plan that make no sense for exec. */
static bool
exec_allowed (const char *d)
{
  static const char *const ok[] = {
    "version", "id", "args", "env", "cwd", "user", "cap", "no-new-privileges",
    "seccomp", "seccomp-default", "seccomp-arch", "seccomp-bpf", "rlimit", "umask", "terminal",
    "cgroup", NULL,
  };
  for (int i = 0; ok[i]; i++)
    if (strcmp (d, ok[i]) == 0)
      return true;
  return false;
}

static int
directive (struct parser *p)
{
  struct plan *pl = p->plan;
  const char *d = p->tok[0];
  long v;

  if (p->kind == PLAN_EXEC && !exec_allowed (d))
    {
      if (strcmp (d, "rootfs") == 0 || strcmp (d, "mount") == 0 || strcmp (d, "namespace") == 0
          || strcmp (d, "hostname") == 0 || strcmp (d, "readonly-rootfs") == 0 || strcmp (d, "mkdir") == 0
          || strcmp (d, "device") == 0 || strcmp (d, "symlink") == 0 || strcmp (d, "masked") == 0
          || strcmp (d, "readonly") == 0 || strcmp (d, "sysctl") == 0 || strcmp (d, "log") == 0
          || strcmp (d, "oom-counter") == 0 || strcmp (d, "oom-score-adj") == 0 || strcmp (d, "oci-runtime") == 0
          || strcmp (d, "oci-root") == 0 || strcmp (d, "stdin") == 0 || strcmp (d, "stdin-once") == 0)
        return perr (p, "directive \"%s\" is not allowed in an exec plan", d);
    }

  if (strcmp (d, "version") == 0)
    {
      if (want_args (p, 1, 1) < 0)
        return -1;
      if (strcmp (p->tok[1], "1") != 0)
        return perr (p, "unsupported version \"%s\"", p->tok[1]);
      return 0;
    }
  if (strcmp (d, "id") == 0)
    return want_args (p, 1, 1) < 0 ? -1 : (pl->id = p->tok[1], 0);
  if (strcmp (d, "rootfs") == 0)
    return want_args (p, 1, 1) < 0 || need_abs (p, p->tok[1]) < 0 ? -1 : (pl->rootfs = p->tok[1], 0);
  if (strcmp (d, "readonly-rootfs") == 0)
    return want_args (p, 0, 0) < 0 ? -1 : (pl->readonly_rootfs = true, 0);
  if (strcmp (d, "namespace") == 0)
    return d_namespace (p);
  if (strcmp (d, "hostname") == 0)
    return want_args (p, 1, 1) < 0 ? -1 : (pl->hostname = p->tok[1], 0);
  if (strcmp (d, "mount") == 0)
    return d_mount (p);
  if (strcmp (d, "mkdir") == 0)
    return d_path_op (p, FS_MKDIR);
  if (strcmp (d, "device") == 0)
    return d_device (p);
  if (strcmp (d, "symlink") == 0)
    return d_symlink (p);
  if (strcmp (d, "masked") == 0)
    return d_path_op (p, FS_MASKED);
  if (strcmp (d, "readonly") == 0)
    return d_path_op (p, FS_READONLY);
  if (strcmp (d, "sysctl") == 0)
    {
      struct sysctl_kv kv;
      if (want_args (p, 2, 2) < 0)
        return -1;
      kv.key = p->tok[1];
      kv.value = p->tok[2];
      if (strstr (kv.key, "..") || strchr (kv.key, '/'))
        return perr (p, "bad sysctl key \"%s\"", kv.key);
      return PUSH (pl->sysctls, pl->nsysctls, kv) < 0 ? shim_fail (p->err, ENOMEM, "parse plan") : 0;
    }
  if (strcmp (d, "cwd") == 0)
    return want_args (p, 1, 1) < 0 || need_abs (p, p->tok[1]) < 0 ? -1 : (pl->cwd = p->tok[1], 0);
  if (strcmp (d, "env") == 0)
    {
      if (want_args (p, 1, 1) < 0)
        return -1;
      if (strchr (p->tok[1], '=') == NULL)
        return perr (p, "env \"%s\" has no '='", p->tok[1]);
      return PUSH (pl->env, pl->nenv, p->tok[1]) < 0 ? shim_fail (p->err, ENOMEM, "parse plan") : 0;
    }
  if (strcmp (d, "args") == 0)
    {
      if (want_args (p, 1, SIZE_MAX) < 0)
        return -1;
      if (p->tok[1][0] == '\0')
        return perr (p, "empty command%s", "");
      pl->nargs = 0;
      for (size_t i = 1; i < p->ntok; i++)
        if (PUSH (pl->args, pl->nargs, p->tok[i]) < 0)
          return shim_fail (p->err, ENOMEM, "parse plan");
      return 0;
    }
  if (strcmp (d, "user") == 0)
    return d_user (p);
  if (strcmp (d, "umask") == 0)
    return want_args (p, 1, 1) < 0 ? -1 : parse_mode (p, p->tok[1], &pl->umask);
  if (strcmp (d, "rlimit") == 0)
    return d_rlimit (p);
  if (strcmp (d, "cap") == 0)
    return d_cap (p);
  if (strcmp (d, "no-new-privileges") == 0)
    return want_args (p, 0, 0) < 0 ? -1 : (pl->no_new_privs = true, 0);
  if (strcmp (d, "oom-score-adj") == 0)
    {
      if (want_args (p, 1, 1) < 0 || parse_int (p, p->tok[1], -1000, 1000, &v) < 0)
        return -1;
      pl->has_oom_score_adj = true;
      pl->oom_score_adj = (int) v;
      return 0;
    }
  if (strcmp (d, "seccomp-default") == 0)
    return d_seccomp_default (p);
  if (strcmp (d, "seccomp-arch") == 0)
    return want_args (p, 1, 1) < 0 ? -1
           : PUSH (pl->sc_arches, pl->nsc_arches, p->tok[1]) < 0 ? shim_fail (p->err, ENOMEM, "parse plan") : 0;
  if (strcmp (d, "seccomp") == 0)
    return d_seccomp (p);
  if (strcmp (d, "seccomp-bpf") == 0)
    return want_args (p, 1, 1) < 0 || need_abs (p, p->tok[1]) < 0 ? -1 : (pl->sc_bpf_path = p->tok[1], 0);
  if (strcmp (d, "cgroup") == 0)
    return want_args (p, 1, 1) < 0 || need_abs (p, p->tok[1]) < 0 ? -1
           : PUSH (pl->cgroups, pl->ncgroups, p->tok[1]) < 0 ? shim_fail (p->err, ENOMEM, "parse plan") : 0;
  if (strcmp (d, "oom-counter") == 0)
    {
      if (want_args (p, 2, 2) < 0 || need_abs (p, p->tok[1]) < 0)
        return -1;
      if (strcmp (p->tok[2], "v1") == 0)
        pl->oom_counter_version = 1;
      else if (strcmp (p->tok[2], "v2") == 0)
        pl->oom_counter_version = 2;
      else
        return perr (p, "unknown cgroup version \"%s\"", p->tok[2]);
      pl->oom_counter = p->tok[1];
      return 0;
    }
  if (strcmp (d, "terminal") == 0)
    return want_args (p, 0, 0) < 0 ? -1 : (pl->terminal = true, 0);
  if (strcmp (d, "stdin") == 0)
    return want_args (p, 0, 0) < 0 ? -1 : (pl->stdin_open = true, 0);
  if (strcmp (d, "stdin-once") == 0)
    return want_args (p, 0, 0) < 0 ? -1 : (pl->stdin_open = pl->stdin_once = true, 0);
  if (strcmp (d, "log") == 0)
    return want_args (p, 1, 1) < 0 || need_abs (p, p->tok[1]) < 0 ? -1 : (pl->log = p->tok[1], 0);
  if (strcmp (d, "oci-runtime") == 0)
    return want_args (p, 1, 1) < 0 || need_abs (p, p->tok[1]) < 0 ? -1 : (pl->oci_runtime = p->tok[1], 0);
  if (strcmp (d, "oci-root") == 0)
    return want_args (p, 1, 1) < 0 || need_abs (p, p->tok[1]) < 0 ? -1 : (pl->oci_root = p->tok[1], 0);
  return perr (p, "unknown directive \"%s\"", d);
}

/* NULL-terminate a string array (the terminator is not counted). */
static int
terminate (char ***arr, size_t n)
{
  char **p = realloc (*arr, (n + 1) * sizeof (char *));

  if (p == NULL)
    return -1;
  p[n] = NULL;
  *arr = p;
  return 0;
}

static void
parser_cleanup (struct parser *p)
{
  free (p->tok);
}

int
plan_load (const char *path, enum plan_kind kind, struct plan *plan, struct shim_error *err)
{
  struct parser p __attribute__ ((cleanup (parser_cleanup))) = { .plan = plan, .kind = kind, .err = err };
  char *line, *next;
  bool seen_version = false;

  memset (plan, 0, sizeof (*plan));
  plan->umask = 022;
  if (read_file_at (AT_FDCWD, path, &plan->buffer, NULL, err) < 0)
    return -1;
  for (line = plan->buffer; line; line = next)
    {
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      p.line++;
      if (*line == '\0' || *line == '#')
        continue;
      if (tokenize (&p, line) < 0)
        return -1;
      if (!seen_version && strcmp (p.tok[0], "version") != 0)
        return perr (&p, "the first directive must be \"version 1\"%s", "");
      seen_version = true;
      if (directive (&p) < 0)
        return -1;
    }
  if (!seen_version)
    return shim_error_set (err, EINVAL, "failed to parse plan: \"version 1\" missing");
  if (plan->oci_runtime || plan->oci_root)
    return oci_plan_check (plan, err);
  if (plan->nargs == 0)
    return shim_error_set (err, EINVAL, "failed to parse plan: no \"args\"");
  if (kind == PLAN_CREATE && plan->rootfs == NULL)
    return shim_error_set (err, EINVAL, "failed to parse plan: no \"rootfs\"");
  /* Without a mount namespace the mounts would land in the host's. */
  if (kind == PLAN_CREATE && !plan->ns[NS_MOUNT].requested)
    return shim_error_set (err, EINVAL, "failed to parse plan: a \"namespace mount\" is required");
  if (terminate (&plan->env, plan->nenv) < 0 || terminate (&plan->args, plan->nargs) < 0)
    return shim_fail (err, ENOMEM, "parse plan");
  return 0;
}
