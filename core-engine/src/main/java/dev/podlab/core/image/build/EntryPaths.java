package dev.podlab.core.image.build;

import java.util.Objects;

/** Path rules shared by the entries. */
final class EntryPaths {
    private EntryPaths() {}

    static String clean(String path, boolean emptyAllowed) {
        Objects.requireNonNull(path, "path");
        String p = path;
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty() && !emptyAllowed) {
            throw new IllegalArgumentException("a layer entry needs a path below the root: \"" + path + "\"");
        }
        if (p.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a layer entry path must not contain NUL: \"" + path + "\"");
        }
        for (String part : p.split("/", -1)) {
            if (part.equals("..") || (part.isEmpty() && !p.isEmpty())) {
                throw new IllegalArgumentException("a layer entry path must not contain \"..\" or \"//\": \""
                        + path + "\"");
            }
        }
        return p;
    }

    static void checkMode(int mode, String path) {
        if (mode < 0 || mode > 07777) {
            throw new IllegalArgumentException("mode of " + path + " must be permission bits (0 to 07777), not 0"
                    + Integer.toOctalString(mode));
        }
    }
}
