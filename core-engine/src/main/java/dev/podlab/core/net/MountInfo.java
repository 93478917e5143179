package dev.podlab.core.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The calling process's mount table, read from /proc/self/mountinfo (package-private helper). */
record MountInfo(String mountPoint, String fsType, List<String> optionalFields) {

    static final Path SELF = Path.of("/proc/self/mountinfo");

    /** Every mount, in table order. */
    static List<MountInfo> read() {
        try {
            List<MountInfo> out = new ArrayList<>();
            for (String line : Files.readAllLines(SELF)) {
                out.add(parse(line));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mounts whose mount point is exactly {@code path}, last (topmost) last. */
    static List<MountInfo> at(Path path) {
        String p = path.toAbsolutePath().normalize().toString();
        return read().stream().filter(m -> m.mountPoint.equals(p)).toList();
    }

    static MountInfo parse(String line) {
        // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
        String[] f = line.split(" ");
        List<String> optional = new ArrayList<>();
        int i = 6;
        while (i < f.length && !f[i].equals("-")) {
            optional.add(f[i++]);
        }
        String type = i + 1 < f.length ? f[i + 1] : "";
        return new MountInfo(unescape(f[4]), type, List.copyOf(optional));
    }

    /** True when the mount propagates events to peers (a "shared:N" tag). */
    boolean shared() {
        return optionalFields.stream().anyMatch(o -> o.startsWith("shared:"));
    }

    /** Mount points escape space, tab, newline and backslash as three octal digits. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
