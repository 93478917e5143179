package dev.podlab.core.image.unpack;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Reads xattrs of any namespace (Java's view only sees user.*). Null when absent. */
public final class Xattrs {
    interface X extends Library {
        X I = Native.load("c", X.class);

        long getxattr(String path, String name, byte[] value, long size) throws LastErrorException;

        long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;
    }

    private Xattrs() {}

    public static String get(Path p, String name) {
        byte[] buf = new byte[4096];
        try {
            long n = X.I.getxattr(p.toString(), name, buf, buf.length);
            return new String(buf, 0, (int) n, StandardCharsets.UTF_8);
        } catch (LastErrorException e) {
            return null;
        }
    }

    public static String lget(Path p, String name) {
        byte[] buf = new byte[4096];
        try {
            long n = X.I.lgetxattr(p.toString(), name, buf, buf.length);
            return new String(buf, 0, (int) n, StandardCharsets.UTF_8);
        } catch (LastErrorException e) {
            return null;
        }
    }
}
