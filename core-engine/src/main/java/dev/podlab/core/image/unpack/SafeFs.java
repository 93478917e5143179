package dev.podlab.core.image.unpack;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * File operations relative to a directory file descriptor, never following a symlink in
 * any component (the unpacker's openat discipline). Every directory is reached by opening
 * one component at a time with {@code O_NOFOLLOW|O_DIRECTORY}, so a symlink planted by a
 * layer (or swapped in by a racing process) makes the walk fail instead of leaving the tree.
 */
final class SafeFs {
    private static final FsCalls C = FsCalls.INSTANCE;

    private SafeFs() {}

    /** What lstat says about one name. */
    record Stat(int mode, int uid, int gid, long size, int rdevMajor, int rdevMinor, int nlink) {
        int type() {
            return mode & FsCalls.S_IFMT;
        }

        boolean isDir() {
            return type() == FsCalls.S_IFDIR;
        }

        boolean isSymlink() {
            return type() == FsCalls.S_IFLNK;
        }

        /** An overlay whiteout: a character device 0/0. */
        boolean isWhiteout() {
            return type() == FsCalls.S_IFCHR && rdevMajor == 0 && rdevMinor == 0;
        }
    }

    /** lstat of {@code name} in {@code dirfd}; null when it does not exist. */
    static Stat lstat(int dirfd, String name) {
        byte[] buf = new byte[256];
        try {
            C.statx(dirfd, FsCalls.c(name), FsCalls.AT_SYMLINK_NOFOLLOW, FsCalls.STATX_BASIC_STATS, buf);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == FsCalls.ENOENT) {
                return null;
            }
            throw e;
        }
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        return new Stat(b.getShort(28) & 0xffff, b.getInt(20), b.getInt(24), b.getLong(40), b.getInt(128), b.getInt(132),
                b.getInt(16));
    }

    /**
     * Opens directory {@code name} inside {@code dirfd} as an O_PATH descriptor, refusing a
     * symlink (ELOOP/ENOTDIR from the kernel). Throws the LastErrorException as is.
     */
    static int openDirPath(int dirfd, String name) {
        return C.openat(dirfd, FsCalls.c(name), FsCalls.O_PATH | FsCalls.O_DIRECTORY | FsCalls.O_NOFOLLOW
                | FsCalls.O_CLOEXEC, 0);
    }

    /** Opens directory {@code name} for reading (listing, fchmod, fsetxattr), refusing a symlink. */
    static int openDirRead(int dirfd, String name) {
        return C.openat(dirfd, FsCalls.c(name), FsCalls.O_RDONLY | FsCalls.O_DIRECTORY | FsCalls.O_NOFOLLOW
                | FsCalls.O_CLOEXEC, 0);
    }

    static void close(int fd) {
        try {
            C.close(fd);
        } catch (LastErrorException e) {
            // Closing a descriptor we own can only fail with EBADF/EINTR; nothing to undo.
        }
    }

    /** The names in a directory (without "." and ".."). {@code dirfd} stays open. */
    static List<String> list(int dirfd, String name) {
        int fd = openDirRead(dirfd, name);
        Pointer dir;
        try {
            dir = C.fdopendir(fd);
        } catch (LastErrorException e) {
            close(fd);
            throw e;
        }
        List<String> names = new ArrayList<>();
        try {
            while (true) {
                Pointer ent = C.readdir(dir);
                if (ent == null) {
                    break;
                }
                // glibc struct dirent on 64-bit Linux: d_ino(8) d_off(8) d_reclen(2) d_type(1) d_name[]
                int reclen = ent.getShort(16) & 0xffff;
                byte[] raw = ent.getByteArray(19, Math.max(1, Math.min(256, reclen - 19)));
                int len = 0;
                while (len < raw.length && raw[len] != 0) {
                    len++;
                }
                String n = new String(raw, 0, len, StandardCharsets.UTF_8);
                if (!n.equals(".") && !n.equals("..")) {
                    names.add(n);
                }
            }
        } finally {
            C.closedir(dir);
        }
        return names;
    }

    /** Removes {@code name} in {@code dirfd} and, for a directory, everything below it, without following symlinks. */
    static void removeTree(int dirfd, String name) {
        Stat st = lstat(dirfd, name);
        if (st == null) {
            return;
        }
        if (st.isDir()) {
            int fd = openDirPath(dirfd, name);
            try {
                for (String child : list(fd, ".")) {
                    removeTree(fd, child);
                }
            } finally {
                close(fd);
            }
            C.unlinkat(dirfd, FsCalls.c(name), FsCalls.AT_REMOVEDIR);
        } else {
            C.unlinkat(dirfd, FsCalls.c(name), 0);
        }
    }

    static String errno(LastErrorException e) {
        return dev.podlab.core.sys.LibC.describe(e);
    }

    static int lastError() {
        return Native.getLastError();
    }
}
