#include "mounts.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

/* mount(2) takes paths; a path inside /proc/self/fd names exactly the
 * object we resolved safely, so nothing can swap a symlink in between. */
#define FD_PATH_LEN 32
static void
fd_path (char buf[FD_PATH_LEN], int fd)
{
  snprintf (buf, FD_PATH_LEN, "/proc/self/fd/%d", fd);
}

/* Resolve PATH (a container path) inside the root: symlinks and ".." can
 * never leave it (the kernel treats rootfd as "/"). */
static int
open_in_root (int rootfd, const char *path, int flags)
{
  struct open_how how = {
    .flags = (uint64_t) (flags | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };

  while (*path == '/')
    path++;
  if (*path == '\0')
    path = ".";
  return (int) syscall (SYS_openat2, rootfd, path, &how, sizeof (how));
}

/* Split "/a/b/c" into a malloc'd parent "/a/b" and a pointer to "c". */
static int
split_path (const char *path, char **parent, const char **base, struct shim_error *err)
{
  const char *slash;
  size_t len = strlen (path);

  /* Trailing slashes carry no meaning here. */
  while (len > 1 && path[len - 1] == '/')
    len--;
  *parent = strndup (path, len);
  if (*parent == NULL)
    return shim_fail (err, ENOMEM, "resolve `%s`", path);
  slash = strrchr (*parent, '/');
  if (slash == NULL || slash[1] == '\0')
    return shim_error_set (err, EINVAL, "failed to resolve `%s`: not a file name", path);
  /* One buffer holds both: "parent\0base". */
  *base = slash + 1;
  (*parent)[slash - *parent] = '\0';
  if (strcmp (*base, "..") == 0 || strcmp (*base, ".") == 0)
    return shim_error_set (err, EINVAL, "failed to resolve `%s`: not a file name", path);
  return 0;
}

/* mkdir -p of a container path; returns an O_PATH fd of the directory. */
static int
mkdir_in_root (int rootfd, const char *path, mode_t mode, struct shim_error *err)
{
  cleanup_free char *copy = strdup (path);
  char *p;

  if (copy == NULL)
    return shim_fail (err, ENOMEM, "create directory `%s`", path);
  /* Walk prefixes: each component is created inside the directory its
   * prefix resolved to, so a symlink met on the way stays inside. */
  for (p = copy;; p++)
    {
      char saved;
      bool last;

      if (*p != '/' && *p != '\0')
        continue;
      last = *p == '\0' || p[strspn (p, "/")] == '\0';
      saved = *p;
      *p = '\0';
      if (*copy != '\0' || last)
        {
          int fd = open_in_root (rootfd, copy, O_PATH | O_DIRECTORY);
          if (fd < 0 && errno == ENOENT)
            {
              char *slash = strrchr (copy, '/');
              cleanup_fd int parentfd = -1;
              if (slash == NULL)
                return shim_error_set (err, EINVAL, "failed to create directory `%s`", path);
              *slash = '\0';
              parentfd = open_in_root (rootfd, copy, O_PATH | O_DIRECTORY);
              *slash = '/';
              if (parentfd < 0)
                return shim_fail (err, errno, "open `%s` in the rootfs", path);
              if (mkdirat (parentfd, slash + 1, last ? mode : 0755) < 0 && errno != EEXIST)
                return shim_fail (err, errno, "create directory `%s`", copy);
              fd = open_in_root (rootfd, copy, O_PATH | O_DIRECTORY);
            }
          if (fd < 0)
            return shim_fail (err, errno, "open directory `%s` in the rootfs", copy);
          if (last)
            return fd;
          close (fd);
        }
      *p = saved;
      if (saved == '\0')
        break;
    }
  return shim_error_set (err, EINVAL, "failed to create directory `%s`", path);
}

/* Open (creating if missing) a mount destination: a directory, or an empty
 * file when the thing mounted there is not a directory. */
static int
open_dest (int rootfd, const char *path, bool dir, struct shim_error *err)
{
  cleanup_free char *parent = NULL;
  cleanup_fd int parentfd = -1;
  const char *base;
  int fd;

  fd = open_in_root (rootfd, path, O_PATH);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return shim_fail (err, errno, "open `%s` in the rootfs", path);
  if (dir)
    return mkdir_in_root (rootfd, path, 0755, err);
  if (split_path (path, &parent, &base, err) < 0)
    return -1;
  parentfd = mkdir_in_root (rootfd, parent, 0755, err);
  if (parentfd < 0)
    return -1;
  {
    /* O_PATH fds cannot create; reopen the parent as a real directory. */
    char fdp[FD_PATH_LEN];
    cleanup_fd int dirfd = -1;
    cleanup_fd int f = -1;
    fd_path (fdp, parentfd);
    dirfd = open (fdp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0)
      return shim_fail (err, errno, "open `%s` in the rootfs", parent);
    f = openat (dirfd, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (f < 0 && errno != EEXIST)
      return shim_fail (err, errno, "create `%s`", path);
  }
  fd = open_in_root (rootfd, path, O_PATH);
  if (fd < 0)
    return shim_fail (err, errno, "open `%s` in the rootfs", path);
  return fd;
}

/* A real (non O_PATH) directory fd of the parent of PATH, created if needed. */
static int
open_parent_dir (int rootfd, const char *path, const char **base, char **parent, struct shim_error *err)
{
  cleanup_fd int pfd = -1;
  char fdp[FD_PATH_LEN];
  int fd;

  if (split_path (path, parent, base, err) < 0)
    return -1;
  pfd = mkdir_in_root (rootfd, *parent, 0755, err);
  if (pfd < 0)
    return -1;
  fd_path (fdp, pfd);
  fd = open (fdp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return shim_fail (err, errno, "open `%s` in the rootfs", *parent);
  return fd;
}

/* Mount flags of an existing mount that a bind remount must keep. */
static unsigned long
mount_flags_of (int fd)
{
  struct statfs st;
  unsigned long f = 0;

  if (fstatfs (fd, &st) < 0)
    return 0;
  if (st.f_flags & ST_NOSUID)
    f |= MS_NOSUID;
  if (st.f_flags & ST_NODEV)
    f |= MS_NODEV;
  if (st.f_flags & ST_NOEXEC)
    f |= MS_NOEXEC;
  if (st.f_flags & ST_NOATIME)
    f |= MS_NOATIME;
  if (st.f_flags & ST_NODIRATIME)
    f |= MS_NODIRATIME;
  if (st.f_flags & ST_RELATIME)
    f |= MS_RELATIME;
  return f;
}

/* After a mount, a fresh lookup is needed to reach the new mount (the old
 * fd still names what lies beneath it). */
static int
remount (int rootfd, const char *path, unsigned long flags, bool keep, struct shim_error *err)
{
  cleanup_fd int fd = open_in_root (rootfd, path, O_PATH);
  char fdp[FD_PATH_LEN];

  if (fd < 0)
    return shim_fail (err, errno, "open `%s` in the rootfs", path);
  fd_path (fdp, fd);
  if (keep)
    flags |= mount_flags_of (fd);
  if (mount (NULL, fdp, NULL, flags, NULL) < 0)
    return shim_fail (err, errno, "remount `%s`", path);
  return 0;
}

static int
do_mount (int rootfd, const struct fs_op *op, struct shim_error *err)
{
  cleanup_fd int fd = -1;
  char fdp[FD_PATH_LEN];
  bool dir = true;

  if (op->bind)
    {
      struct stat st;
      if (stat (op->source, &st) < 0)
        return shim_fail (err, errno, "stat bind source `%s`", op->source);
      dir = S_ISDIR (st.st_mode);
    }
  fd = open_dest (rootfd, op->path, dir, err);
  if (fd < 0)
    return -1;
  fd_path (fdp, fd);
  if (op->bind)
    {
      unsigned long extra = op->flags & ~MS_REC;
      if (mount (op->source, fdp, NULL, MS_BIND | (op->flags & MS_REC), NULL) < 0)
        return shim_fail (err, errno, "bind mount `%s` on `%s`", op->source, op->path);
      /* Flags of a bind mount only take effect through a remount. */
      if (extra && remount (rootfd, op->path, MS_REMOUNT | MS_BIND | extra, false, err) < 0)
        return -1;
    }
  else if (mount (op->source, fdp, op->fstype, op->flags, op->data) < 0)
    return shim_fail (err, errno, "mount %s `%s`", op->fstype, op->path);
  if (op->propagation && remount (rootfd, op->path, op->propagation, false, err) < 0)
    return -1;
  return 0;
}

static int
do_mkdir (int rootfd, const struct fs_op *op, struct shim_error *err)
{
  cleanup_fd int fd = mkdir_in_root (rootfd, op->path, op->mode, err);

  return fd < 0 ? -1 : 0;
}

static int
do_device (int rootfd, const struct fs_op *op, struct shim_error *err)
{
  cleanup_free char *parent = NULL;
  cleanup_fd int dirfd = -1;
  const char *base;

  dirfd = open_parent_dir (rootfd, op->path, &base, &parent, err);
  if (dirfd < 0)
    return -1;
  if (mknodat (dirfd, base, op->devtype | op->mode, makedev (op->major, op->minor)) < 0)
    {
      cleanup_fd int f = -1;
      cleanup_fd int fd = -1;
      char fdp[FD_PATH_LEN];

      if (errno == EEXIST)
        {
          /* Something from the image is in the way: replace it. */
          if (unlinkat (dirfd, base, 0) < 0)
            return shim_fail (err, errno, "replace `%s`", op->path);
          return do_device (rootfd, op, err);
        }
      if (errno != EPERM)
        return shim_fail (err, errno, "create device `%s`", op->path);
      /* mknod refused (e.g. no CAP_MKNOD): bind the host's node instead. */
      f = openat (dirfd, base, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (f < 0)
        return shim_fail (err, errno, "create `%s`", op->path);
      fd = open_in_root (rootfd, op->path, O_PATH);
      if (fd < 0)
        return shim_fail (err, errno, "open `%s` in the rootfs", op->path);
      fd_path (fdp, fd);
      if (mount (op->path, fdp, NULL, MS_BIND, NULL) < 0)
        return shim_fail (err, errno, "bind mount device `%s`", op->path);
      return 0;
    }
  if (fchownat (dirfd, base, op->uid, op->gid, AT_SYMLINK_NOFOLLOW) < 0)
    return shim_fail (err, errno, "chown device `%s`", op->path);
  if (fchmodat (dirfd, base, op->mode, 0) < 0)
    return shim_fail (err, errno, "chmod device `%s`", op->path);
  return 0;
}

static int
do_symlink (int rootfd, const struct fs_op *op, struct shim_error *err)
{
  cleanup_free char *parent = NULL;
  cleanup_fd int dirfd = -1;
  const char *base;

  dirfd = open_parent_dir (rootfd, op->path, &base, &parent, err);
  if (dirfd < 0)
    return -1;
  if (symlinkat (op->target, dirfd, base) < 0)
    {
      char cur[4096];
      ssize_t n;

      /* An identical link (e.g. from the image) is fine. */
      if (errno != EEXIST)
        return shim_fail (err, errno, "create symlink `%s`", op->path);
      n = readlinkat (dirfd, base, cur, sizeof (cur) - 1);
      if (n < 0 || (cur[n] = '\0', strcmp (cur, op->target) != 0))
        return shim_fail (err, EEXIST, "create symlink `%s`", op->path);
    }
  return 0;
}

static int
do_masked (int rootfd, const struct fs_op *op, struct shim_error *err)
{
  cleanup_fd int fd = open_in_root (rootfd, op->path, O_PATH);
  char fdp[FD_PATH_LEN];
  struct stat st;

  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      return shim_fail (err, errno, "open `%s` in the rootfs", op->path);
    }
  if (fstat (fd, &st) < 0)
    return shim_fail (err, errno, "stat `%s`", op->path);
  fd_path (fdp, fd);
  if (S_ISDIR (st.st_mode))
    {
      if (mount ("tmpfs", fdp, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return shim_fail (err, errno, "mask `%s`", op->path);
    }
  else if (mount ("/dev/null", fdp, NULL, MS_BIND, NULL) < 0)
    return shim_fail (err, errno, "mask `%s`", op->path);
  return 0;
}

static int
do_readonly (int rootfd, const struct fs_op *op, struct shim_error *err)
{
  cleanup_fd int fd = open_in_root (rootfd, op->path, O_PATH);
  char fdp[FD_PATH_LEN];

  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      return shim_fail (err, errno, "open `%s` in the rootfs", op->path);
    }
  fd_path (fdp, fd);
  if (mount (fdp, fdp, NULL, MS_BIND | MS_REC, NULL) < 0)
    return shim_fail (err, errno, "bind `%s` read-only", op->path);
  return remount (rootfd, op->path, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC, true, err);
}

static int
do_op (int rootfd, const struct fs_op *op, struct shim_error *err)
{
  switch (op->kind)
    {
    case FS_MOUNT:
      return do_mount (rootfd, op, err);
    case FS_MKDIR:
      return do_mkdir (rootfd, op, err);
    case FS_DEVICE:
      return do_device (rootfd, op, err);
    case FS_SYMLINK:
      return do_symlink (rootfd, op, err);
    case FS_MASKED:
      return do_masked (rootfd, op, err);
    case FS_READONLY:
      return do_readonly (rootfd, op, err);
    }
  return shim_error_set (err, EINVAL, "unknown filesystem directive");
}

static int
pivot (int rootfd, const char *rootfs, struct shim_error *err)
{
  /* pivot_root(".", ".") stacks the old root on top of the new one; the
   * lazy unmount then drops it without needing a directory for it. */
  if (fchdir (rootfd) < 0)
    return shim_fail (err, errno, "chdir to rootfs `%s`", rootfs);
  if (syscall (SYS_pivot_root, ".", ".") < 0)
    return shim_fail (err, errno, "pivot_root to `%s`", rootfs);
  if (umount2 (".", MNT_DETACH) < 0)
    return shim_fail (err, errno, "detach the old root");
  if (chdir ("/") < 0)
    return shim_fail (err, errno, "chdir to `/`");
  return 0;
}

int
mounts_setup (const struct plan *plan, struct mount_steps *steps, struct shim_error *err)
{
  cleanup_fd int rootfd = -1;
  int64_t devtime = 0;

  step_begin (&steps->mounts);
  steps->devices.start = 0;
  /* Nothing we mount may propagate back to the host. */
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return shim_fail (err, errno, "make `/` rprivate");
  /* pivot_root needs the new root to be a mount point. */
  if (mount (plan->rootfs, plan->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return shim_fail (err, errno, "bind mount rootfs `%s`", plan->rootfs);
  rootfd = open (plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return shim_fail (err, errno, "open rootfs `%s`", plan->rootfs);

  for (size_t i = 0; i < plan->nfs; i++)
    {
      const struct fs_op *op = &plan->fs[i];
      struct step s;

      if (op->kind == FS_DEVICE)
        {
          step_begin (&s);
          if (steps->devices.start == 0)
            steps->devices.start = s.start;
        }
      if (do_op (rootfd, op, err) < 0)
        return -1;
      if (op->kind == FS_DEVICE)
        {
          step_end (&s);
          devtime += s.duration;
        }
    }
  step_end (&steps->mounts);
  steps->mounts.duration -= devtime;
  steps->devices.duration = devtime;

  step_begin (&steps->pivot_root);
  if (pivot (rootfd, plan->rootfs, err) < 0)
    return -1;
  if (plan->readonly_rootfs)
    {
      cleanup_fd int fd = open ("/", O_PATH | O_CLOEXEC);
      unsigned long keep = fd >= 0 ? mount_flags_of (fd) : 0;
      if (mount (NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
        return shim_fail (err, errno, "remount the rootfs read-only");
    }
  step_end (&steps->pivot_root);
  return 0;
}
