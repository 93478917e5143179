package dev.podlab.core.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The few libc calls the engine makes itself (DESIGN.md decision 3). Everything that must
 * happen inside a new namespace is the shim's job, never the JVM's.
 */
public interface LibC extends Library {
    LibC INSTANCE = Native.load("c", LibC.class);

    long MS_RDONLY = 1L;
    long MS_NOSUID = 2L;
    long MS_NODEV = 4L;
    long MS_NOEXEC = 8L;
    long MS_BIND = 4096L;
    long MS_REC = 16384L;
    long MS_PRIVATE = 1L << 18;
    long MS_SLAVE = 1L << 19;
    long MS_SHARED = 1L << 20;
    int MNT_DETACH = 2;

    int CLONE_NEWUTS = 0x04000000;
    int CLONE_NEWIPC = 0x08000000;
    int CLONE_NEWNET = 0x40000000;

    int O_RDONLY = 0;
    int O_CLOEXEC = 0x80000;

    int AF_INET = 2;
    int SOCK_DGRAM = 2;
    int SOCK_CLOEXEC = 0x80000;
    long SIOCGIFFLAGS = 0x8913;
    long SIOCSIFFLAGS = 0x8914;
    /** sizeof(struct ifreq) on x86_64 and aarch64. */
    int IFREQ_SIZE = 40;
    short IFF_UP = 1;

    int EINVAL = 22;
    int ENOENT = 2;
    int EBUSY = 16;
    int EPERM = 1;

    int mount(String source, String target, String fstype, long flags, String data) throws LastErrorException;

    int umount2(String target, int flags) throws LastErrorException;

    int geteuid();

    /** Affects only the calling thread: callers run it on a dedicated thread that ends afterwards. */
    int unshare(int flags) throws LastErrorException;

    /** Joins the namespace {@code fd} refers to; like unshare, per thread. */
    int setns(int fd, int nstype) throws LastErrorException;

    int sethostname(byte[] name, long len) throws LastErrorException;

    int open(String path, int flags) throws LastErrorException;

    int mkfifo(String path, int mode) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int ioctl(int fd, long request, byte[] arg) throws LastErrorException;

    String strerror(int errnum);

    /** "No such file or directory (errno 2)" for a JNA error. */
    static String describe(LastErrorException e) {
        return INSTANCE.strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")";
    }
}
