package dev.podlab.core.config;

import java.util.regex.Pattern;

/**
 * Key paths as error messages print them: {@code registries.parallelDownloads},
 * {@code cni.binDirs[1]}, {@code registries.mirrors["docker.io"][0]}. Keys that are not plain names
 * (dots, colons, blanks) are written in brackets so the path stays unambiguous.
 */
final class KeyPath {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    private KeyPath() {}

    /** {@code parent.key}, {@code key} at the top, or {@code parent["odd.key"]}. */
    static String child(String parent, String key) {
        if (PLAIN.matcher(key).matches()) {
            return parent.isEmpty() ? key : parent + "." + key;
        }
        return parent + "[" + Values.quote(key) + "]";
    }

    /** The suffix {@link #child} appends to a non-empty parent. */
    static String key(String key) {
        return child("x", key).substring(1);
    }

    static String index(String parent, int i) {
        return parent + "[" + i + "]";
    }
}
