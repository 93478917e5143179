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
    int MNT_DETACH = 2;

    int EINVAL = 22;
    int ENOENT = 2;
    int EBUSY = 16;

    int mount(String source, String target, String fstype, long flags, String data) throws LastErrorException;

    int umount2(String target, int flags) throws LastErrorException;

    int geteuid();

    String strerror(int errnum);

    /** "No such file or directory (errno 2)" for a JNA error. */
    static String describe(LastErrorException e) {
        return INSTANCE.strerror(e.getErrorCode()) + " (errno " + e.getErrorCode() + ")";
    }
}
