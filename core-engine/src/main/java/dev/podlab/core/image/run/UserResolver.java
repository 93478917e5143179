package dev.podlab.core.image.run;

import dev.podlab.core.container.InvalidConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves an image's {@code User} ("name", "uid", "name:group", "uid:gid") through the
 * image's own /etc/passwd and /etc/group, as docker does. Files are read only when they are
 * regular files of the rootfs: a symlink there could point at the host's files.
 */
public final class UserResolver {
    /** uid, gid and the supplementary groups the user belongs to in /etc/group. */
    public record ResolvedUser(int uid, int gid, List<Integer> groups) {}

    private UserResolver() {}

    public static ResolvedUser resolve(String user, Path rootfs) {
        if (user == null || user.isBlank()) {
            return new ResolvedUser(0, 0, List.of());
        }
        String[] parts = user.split(":", 2);
        List<String[]> passwd = read(rootfs, "etc/passwd");
        List<String[]> group = read(rootfs, "etc/group");
        int uid;
        int gid;
        String userName = null;
        if (isNumber(parts[0])) {
            uid = Integer.parseInt(parts[0]);
            gid = uid == 0 ? 0 : uid;
            for (String[] p : passwd) {
                if (p.length > 3 && p[2].equals(parts[0])) {
                    userName = p[0];
                    gid = parseId(p[3], user);
                }
            }
        } else {
            String[] entry = passwd.stream().filter(p -> p.length > 3 && p[0].equals(parts[0])).findFirst()
                    .orElseThrow(() -> new InvalidConfigException("failed to resolve image user \"" + user
                            + "\": no user \"" + parts[0] + "\" in the image's /etc/passwd"));
            userName = entry[0];
            uid = parseId(entry[2], user);
            gid = parseId(entry[3], user);
        }
        if (parts.length == 2) {
            if (isNumber(parts[1])) {
                gid = Integer.parseInt(parts[1]);
            } else {
                gid = group.stream().filter(g -> g.length > 2 && g[0].equals(parts[1])).findFirst()
                        .map(g -> parseId(g[2], user))
                        .orElseThrow(() -> new InvalidConfigException("failed to resolve image user \"" + user
                                + "\": no group \"" + parts[1] + "\" in the image's /etc/group"));
            }
        }
        List<Integer> extra = new ArrayList<>();
        if (userName != null) {
            for (String[] g : group) {
                if (g.length > 3 && List.of(g[3].split(",")).contains(userName)) {
                    int id = parseId(g[2], user);
                    if (id != gid && !extra.contains(id)) {
                        extra.add(id);
                    }
                }
            }
        }
        return new ResolvedUser(uid, gid, List.copyOf(extra));
    }

    private static boolean isNumber(String s) {
        return !s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() < 10;
    }

    private static int parseId(String s, String user) {
        if (!isNumber(s)) {
            throw new InvalidConfigException("failed to resolve image user \"" + user + "\": bad id \"" + s
                    + "\" in the image's account files");
        }
        return Integer.parseInt(s);
    }

    private static List<String[]> read(Path rootfs, String relative) {
        Path file = rootfs;
        for (String part : relative.split("/")) {
            file = file.resolve(part);
            if (Files.isSymbolicLink(file)) {
                return List.of(); // never follow a link out of the image
            }
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try {
            List<String[]> out = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    out.add(line.split(":", -1));
                }
            }
            return out;
        } catch (IOException e) {
            throw new InvalidConfigException("failed to read " + relative + " of the image: " + e.getMessage());
        }
    }
}
