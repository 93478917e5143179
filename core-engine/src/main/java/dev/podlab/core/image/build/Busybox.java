package dev.podlab.core.image.build;

import dev.podlab.core.PodlabException;
import dev.podlab.core.image.ImageException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A minimal root file system layer made from a static busybox of the building host (Debian's busybox-static
 * installs it as {@code /bin/busybox}): no network, no base image needed.
 */
public final class Busybox {
    /** Where Debian's busybox-static puts the binary. */
    public static final Path HOST_BINARY = Path.of("/bin/busybox");

    private static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
    private static final Map<Path, List<String>> APPLETS = new ConcurrentHashMap<>();

    /** The accounts every busybox layer has. */
    public static final List<Account> BASE_ACCOUNTS = List.of(
            new Account("root", 0, 0, "/root", "/bin/sh"),
            new Account("daemon", 1, 1, "/usr/sbin", "/bin/false"),
            new Account("nobody", 65534, 65534, "/nonexistent", "/bin/false"));

    private Busybox() {}

    /**
     * A user written into /etc/passwd, with a group of the same id into /etc/group ("nogroup" for nobody, as
     * Debian names it).
     */
    public record Account(String name, long uid, long gid, String home, String shell) {
        public Account {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("account name must match " + NAME + ": " + name);
            }
            if (uid < 0 || gid < 0) {
                throw new IllegalArgumentException("uid and gid of " + name + " must not be negative");
            }
            Objects.requireNonNull(home, "home");
            Objects.requireNonNull(shell, "shell");
            if ((home + shell).contains(":") || (home + shell).contains("\n")) {
                throw new IllegalArgumentException("home and shell of " + name + " must not contain ':' or newlines");
            }
        }
    }

    /** True when {@link #HOST_BINARY} exists and is executable. */
    public static boolean available() {
        return Files.isExecutable(HOST_BINARY);
    }

    /**
     * The applet names of {@code binary} ({@code busybox --list}), sorted, without "busybox" itself; cached per
     * path for the life of the JVM. ImageException when the binary is missing or fails.
     */
    public static List<String> applets(Path binary) {
        return APPLETS.computeIfAbsent(binary.toAbsolutePath(), Busybox::listApplets);
    }

    private static List<String> listApplets(Path binary) {
        try {
            Process p = new ProcessBuilder(binary.toString(), "--list").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new ImageException("failed to list the applets of " + binary + ": no answer in 30 s");
            }
            if (p.exitValue() != 0) {
                throw new ImageException("failed to list the applets of " + binary + ": exit status " + p.exitValue()
                        + ": " + out.strip());
            }
            return out.lines().map(String::strip)
                    .filter(a -> !a.isEmpty() && !a.equals("busybox") && !a.contains("/"))
                    .sorted().toList();
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("list the applets of", binary.toString(), e)
                    + " (install Debian's busybox-static)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException("failed to list the applets of " + binary + ": interrupted", e);
        }
    }

    /** {@link #layer(Path, List)} from the host's /bin/busybox with only the base accounts. */
    public static Layer layer() {
        return layer(HOST_BINARY, List.of());
    }

    /**
     * A minimal root file system: {@code binary} as /bin/busybox (mode 0755, read when the layer is written), a
     * symlink {@code bin/<applet> -> busybox} for every applet it lists, {@code usr/bin/env}, the usual empty
     * directories (tmp and var/tmp 1777, root 0700, proc and sys 0555, dev, etc, home, usr/bin, var), and an
     * /etc/passwd and /etc/group generated here (root, daemon, nobody, then {@code extraAccounts}), not copied
     * from the host, so the layer is the same on every machine with the same busybox. Everything is owned 0:0.
     */
    public static Layer layer(Path binary, List<Account> extraAccounts) {
        List<String> applets = applets(binary);
        Layer.Builder l = Layer.builder();
        l.dir("bin", 0755).dir("dev", 0755).dir("etc", 0755).dir("home", 0755).dir("proc", 0555)
                .dir("root", 0700).dir("sys", 0555).dir("tmp", 01777).dir("usr", 0755).dir("usr/bin", 0755)
                .dir("var", 0755).dir("var/tmp", 01777);
        l.file("bin/busybox", FileContent.hostFile(binary), 0755);
        for (String applet : applets) {
            l.symlink("bin/" + applet, "busybox");
        }
        l.symlink("usr/bin/env", "../../bin/busybox");
        l.file("etc/passwd", passwd(extraAccounts), 0644);
        l.file("etc/group", group(extraAccounts), 0644);
        return l.build();
    }

    /** The /etc/passwd of {@link #layer(Path, List)}. */
    public static String passwd(List<Account> extraAccounts) {
        StringBuilder sb = new StringBuilder();
        for (Account a : accounts(extraAccounts)) {
            sb.append(a.name()).append(":x:").append(a.uid()).append(':').append(a.gid()).append(':')
                    .append(a.name()).append(':').append(a.home()).append(':').append(a.shell()).append('\n');
        }
        return sb.toString();
    }

    /** The /etc/group of {@link #layer(Path, List)}: one group per distinct gid, named after its first account. */
    public static String group(List<Account> extraAccounts) {
        StringBuilder sb = new StringBuilder();
        List<Long> seen = new ArrayList<>();
        for (Account a : accounts(extraAccounts)) {
            if (seen.contains(a.gid())) {
                continue;
            }
            seen.add(a.gid());
            String name = a.name().equals("nobody") ? "nogroup" : a.name();
            sb.append(name).append(":x:").append(a.gid()).append(":\n");
        }
        return sb.toString();
    }

    private static List<Account> accounts(List<Account> extra) {
        List<Account> all = new ArrayList<>(BASE_ACCOUNTS);
        for (Account a : extra) {
            if (all.stream().anyMatch(b -> b.name().equals(a.name()))) {
                throw new IllegalArgumentException("account " + a.name() + " is already in the busybox layer");
            }
            all.add(a);
        }
        return all;
    }
}
