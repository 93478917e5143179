/* The launch plan (docs/shim.md): parsed once, then only read. All strings
 * point into the buffer the plan was read into (decoded in place). */
#ifndef SHIM_PLAN_H
#define SHIM_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "error.h"

enum ns_type
{
  NS_PID,
  NS_MOUNT,
  NS_UTS,
  NS_IPC,
  NS_NET,
  NS_CGROUP,
  NS_COUNT
};

struct ns_request
{
  bool requested;
  const char *path;  /* NULL: make a new one */
};

enum fs_kind
{
  FS_MOUNT,
  FS_MKDIR,
  FS_DEVICE,
  FS_SYMLINK,
  FS_MASKED,
  FS_READONLY
};

struct fs_op
{
  enum fs_kind kind;
  int line;
  const char *path;        /* destination inside the container */
  /* mount */
  const char *source;
  const char *fstype;
  const char *data;
  unsigned long flags;     /* MS_* except propagation */
  unsigned long propagation;
  bool bind;
  bool readonly;
  /* mkdir, device */
  mode_t mode;
  /* device */
  mode_t devtype;          /* S_IFCHR or S_IFBLK */
  unsigned int major, minor;
  uid_t uid;
  gid_t gid;
  /* symlink */
  const char *target;
};

struct sysctl_kv
{
  const char *key;
  const char *value;
};

struct rlimit_req
{
  const char *name;
  int resource;
  rlim_t soft, hard;
};

enum cap_set
{
  CAPSET_BOUNDING,
  CAPSET_EFFECTIVE,
  CAPSET_PERMITTED,
  CAPSET_INHERITABLE,
  CAPSET_AMBIENT,
  CAPSET_COUNT
};

enum sc_action
{
  SC_ALLOW,
  SC_ERRNO,
  SC_KILL_THREAD,
  SC_KILL_PROCESS,
  SC_TRAP,
  SC_LOG
};

enum sc_op
{
  SC_NE,
  SC_LT,
  SC_LE,
  SC_EQ,
  SC_GE,
  SC_GT,
  SC_MASKED_EQ
};

#define SC_MAX_ARGS 6

struct sc_cond
{
  unsigned int index;
  enum sc_op op;
  uint64_t value, value2;
};

struct sc_rule
{
  int line;
  enum sc_action action;
  int errnum;
  const char *syscall;
  int ncond;
  struct sc_cond cond[SC_MAX_ARGS];
};

struct plan
{
  char *buffer;
  const char *id;
  const char *rootfs;
  bool readonly_rootfs;
  struct ns_request ns[NS_COUNT];
  const char *hostname;

  struct fs_op *fs;
  size_t nfs;
  struct sysctl_kv *sysctls;
  size_t nsysctls;

  const char *cwd;
  char **env;        /* NULL terminated */
  size_t nenv;
  char **args;       /* NULL terminated */
  size_t nargs;

  bool has_user;
  uid_t uid;
  gid_t gid;
  gid_t *gids;
  size_t ngids;
  mode_t umask;

  struct rlimit_req *rlimits;
  size_t nrlimits;
  uint64_t caps[CAPSET_COUNT];
  bool no_new_privs;
  bool has_oom_score_adj;
  int oom_score_adj;

  bool has_seccomp;
  enum sc_action sc_default;
  int sc_default_errno;
  const char **sc_arches;
  size_t nsc_arches;
  struct sc_rule *sc_rules;
  size_t nsc_rules;
  const char *sc_bpf_path;  /* cache of the compiled filter, or NULL */

  const char **cgroups;
  size_t ncgroups;
  const char *oom_counter;
  int oom_counter_version;  /* 1 or 2 */
  bool terminal;
  bool stdin_open;   /* `stdin`: a pipe (or the pty) to the container's stdin, for attach */
  bool stdin_once;   /* `stdin-once`: closed when the first attach detaches */
  const char *log;

  /* OCI mode (oci.h): an OCI runtime creates the container, the shim only
   * supervises it. */
  const char *oci_runtime;  /* the runtime binary, or NULL */
  const char *oci_root;     /* its --root state directory */
};

enum plan_kind
{
  PLAN_CREATE,
  PLAN_EXEC
};

int plan_load (const char *path, enum plan_kind kind, struct plan *plan, struct shim_error *err);

/* Capability names CAP_CHOWN..CAP_CHECKPOINT_RESTORE, indexed by number. */
extern const char *const cap_names[];
extern const int cap_names_count;

const char *ns_type_name (enum ns_type t);

#endif
