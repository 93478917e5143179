package dev.podlab.core.image.unpack;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The *at family of libc calls the unpacker needs to work relative to directory file
 * descriptors (openat semantics: a path component that is a symlink is never followed).
 * Paths are passed as NUL-terminated UTF-8 bytes ({@link #c(String)}) so that the JVM's
 * locale never changes a name. Constants are the Linux (x86_64, aarch64) values.
 */
interface FsCalls extends Library {
    FsCalls INSTANCE = Native.load("c", FsCalls.class);

    int O_RDONLY = 0;
    int O_WRONLY = 1;
    int O_CREAT = 0100;
    int O_EXCL = 0200;
    int O_DIRECTORY = 0200000;
    int O_NOFOLLOW = 0400000;
    int O_CLOEXEC = 02000000;
    int O_PATH = 010000000;

    int AT_SYMLINK_NOFOLLOW = 0x100;
    int AT_REMOVEDIR = 0x200;
    int AT_EMPTY_PATH = 0x1000;

    int S_IFMT = 0170000;
    int S_IFIFO = 0010000;
    int S_IFCHR = 0020000;
    int S_IFDIR = 0040000;
    int S_IFBLK = 0060000;
    int S_IFREG = 0100000;
    int S_IFLNK = 0120000;

    int ENOENT = 2;
    int EPERM = 1;
    int EACCES = 13;
    int EEXIST = 17;
    int ENOTDIR = 20;
    int EINVAL = 22;
    int ELOOP = 40;
    int ENOTEMPTY = 39;
    int ENOTSUP = 95;
    int ENODATA = 61;

    int STATX_BASIC_STATS = 0x7ff;

    int openat(int dirfd, byte[] path, int flags, int mode) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int mkdirat(int dirfd, byte[] path, int mode) throws LastErrorException;

    int mknodat(int dirfd, byte[] path, int mode, long dev) throws LastErrorException;

    int symlinkat(byte[] target, int newdirfd, byte[] linkpath) throws LastErrorException;

    int linkat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags) throws LastErrorException;

    int unlinkat(int dirfd, byte[] path, int flags) throws LastErrorException;

    int fchownat(int dirfd, byte[] path, int uid, int gid, int flags) throws LastErrorException;

    int fchown(int fd, int uid, int gid) throws LastErrorException;

    int fchmod(int fd, int mode) throws LastErrorException;

    int fchmodat(int dirfd, byte[] path, int mode, int flags) throws LastErrorException;

    /** {@code times} is {atime sec, atime nsec, mtime sec, mtime nsec}. */
    int utimensat(int dirfd, byte[] path, long[] times, int flags) throws LastErrorException;

    int futimens(int fd, long[] times) throws LastErrorException;

    int fsetxattr(int fd, byte[] name, byte[] value, long size, int flags) throws LastErrorException;

    int lsetxattr(byte[] path, byte[] name, byte[] value, long size, int flags) throws LastErrorException;

    /** statx fills a 256-byte struct whose layout is the same on every architecture. */
    int statx(int dirfd, byte[] path, int flags, int mask, byte[] statxbuf) throws LastErrorException;

    Pointer fdopendir(int fd) throws LastErrorException;

    /** NULL at the end of the directory (errno unchanged) or on error; check errno with Native.getLastError. */
    Pointer readdir(Pointer dir);

    int closedir(Pointer dir);

    int dup(int fd) throws LastErrorException;

    /** NUL-terminated UTF-8. */
    static byte[] c(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }

    /** glibc's makedev. */
    static long makedev(long major, long minor) {
        return (minor & 0xffL) | ((major & 0xfffL) << 8) | ((minor & ~0xffL) << 12) | ((major & ~0xfffL) << 32);
    }
}
