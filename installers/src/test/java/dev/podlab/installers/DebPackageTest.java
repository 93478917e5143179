package dev.podlab.installers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.testing.HostRequirements;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Builds the .deb with {@code installers/build-deb --no-build} (jlink + jpackage + dpkg-deb, about a minute) once,
 * then checks what is in it, runs the packaged podlab from an extracted copy, and installs, removes and purges it
 * with dpkg into throwaway roots ({@code dpkg --root} with chrootless maintainer scripts, which honour
 * {@code $DPKG_ROOT}), so the host's own /opt, /etc and /var/lib/podlab are never touched.
 */
@Tag("root")
class DebPackageTest {
    private static final Path MODULE = Path.of("").toAbsolutePath();
    private static final Path REPO = MODULE.getParent();
    private static final String JAVA_HOME = System.getProperty("java.home");

    private static Path deb;
    private static Path extracted;
    /** path in the package ("./usr/bin/podlab") -> the dpkg-deb -c line's mode, owner and link target */
    private static Map<String, Entry> contents;

    record Entry(String mode, String owner, String linkTarget) {}

    record Result(int exit, String out, String err) {}

    @BeforeAll
    static void buildPackage() throws Exception {
        HostRequirements.requireRoot();
        for (String c : List.of("fakeroot", "dpkg-deb", "dpkg", "objcopy", "man", "sh", "bash")) {
            HostRequirements.requireCommand(c);
        }
        HostRequirements.require(Files.isExecutable(Path.of(JAVA_HOME, "bin", "jpackage")),
                "needs a JDK with jpackage and jlink (java.home is " + JAVA_HOME + ")");
        HostRequirements.require(Files.isRegularFile(REPO.resolve("installers/target/man/podlab.1")),
                "needs the man pages the installers build generates (run through Maven)");
        Result r = run(List.of(REPO.resolve("installers/build-deb").toString(), "--no-build"),
                Map.of("PODLAB_JAVA_HOME", JAVA_HOME), Duration.ofMinutes(10));
        assertThat(r.exit()).as("build-deb failed:%n%s%n%s", r.out(), r.err()).isZero();
        deb = Path.of(r.out().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(deb.getFileName().toString()).matches("podlab_[0-9][^_]*_amd64\\.deb");
        assertThat(deb).isRegularFile();

        contents = new LinkedHashMap<>();
        for (String line : ok(List.of("dpkg-deb", "-c", deb.toString())).lines().toList()) {
            // drwxr-xr-x root/root 0 2026-11-28 16:12 ./etc/ ; links end in " -> target"
            String[] f = line.split("\\s+", 6);
            String path = f[5];
            String target = null;
            int arrow = path.indexOf(" -> ");
            if (arrow > 0) {
                target = path.substring(arrow + 4);
                path = path.substring(0, arrow);
            }
            contents.put(path, new Entry(f[0], f[1], target));
        }
        extracted = Files.createTempDirectory("podlab-deb-x");
        ok(List.of("dpkg", "-x", deb.toString(), extracted.toString()));
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (extracted != null) {
            deleteTree(extracted);
        }
    }

    @Test
    void controlFieldsDeclareDependenciesAndAVersionThatSortsBeforeTheRelease() throws Exception {
        String control = ok(List.of("dpkg-deb", "-f", deb.toString()));
        Map<String, String> f = new HashMap<>();
        control.lines().filter(l -> l.matches("^[A-Za-z-]+: .*")).forEach(l -> f.put(l.substring(0, l.indexOf(':')),
                l.substring(l.indexOf(':') + 1).strip()));
        assertThat(f).containsEntry("Package", "podlab").containsEntry("Architecture", "amd64");
        assertThat(f.get("Version")).matches("[0-9]+\\.[0-9]+\\.[0-9]+(~SNAPSHOT)?-1");
        assertThat(f.get("Depends")).contains("libc6").doesNotContain("libx11", "libasound", "libxext");
        assertThat(f.get("Recommends")).contains("qemu-system-x86", "containernetworking-plugins");
        assertThat(f.get("Suggests")).contains("runc", "crun");
        assertThat(Integer.parseInt(f.get("Installed-Size"))).isGreaterThan(20_000);
        if (f.get("Version").contains("~")) {
            // a snapshot must upgrade to its release
            assertThat(run(List.of("dpkg", "--compare-versions", f.get("Version"), "lt",
                    f.get("Version").replace("~SNAPSHOT", "")), Map.of(), Duration.ofSeconds(10)).exit()).isZero();
        }
    }

    @Test
    void filesArePresentWithTheirModes() {
        assertThat(contents.get("./opt/podlab/bin/podlab")).isEqualTo(new Entry("-rwxr-xr-x", "root/root", null));
        // podlab-client, which runs the JVM launcher above for what the engine's relay does not serve.
        assertThat(contents.get("./usr/bin/podlab")).isEqualTo(new Entry("-rwxr-xr-x", "root/root", null));
        assertThat(contents).containsKeys("./opt/podlab/lib/runtime/lib/server/libjvm.so",
                "./opt/podlab/lib/runtime/lib/modules", "./opt/podlab/lib/app/podlab.cfg",
                "./opt/podlab/lib/app/lib/core-engine-" + projectVersion() + ".jar",
                "./usr/share/podlab/samples/busybox.json",
                "./usr/share/podlab/systemd/podlab-engine.service.d/cri.conf",
                "./usr/share/podlab/kubelet/kubelet-config.yaml",
                "./usr/share/doc/podlab/copyright");
        // the runtime is jlinked: no AWT (it would pull X11 libraries), no jmods, no man pages
        assertThat(contents.keySet()).noneMatch(p -> p.contains("libawt") || p.contains("/jmods/")
                || p.startsWith("./opt/podlab/lib/runtime/man"));
        for (String p : List.of("./lib/systemd/system/podlab-engine.service", "./etc/podlab/podlab.yaml",
                "./etc/cni/net.d/10-podlab.conflist", "./usr/share/bash-completion/completions/podlab",
                "./usr/share/zsh/vendor-completions/_podlab", "./usr/share/fish/vendor_completions.d/podlab.fish",
                "./usr/share/man/man1/podlab.1.gz", "./usr/share/man/man1/podlab-doctor.1.gz",
                "./usr/share/man/man1/podlab-engine.1.gz", "./usr/share/man/man1/podlab-image-layers.1.gz")) {
            assertThat(contents.get(p)).as(p).isEqualTo(new Entry("-rw-r--r--", "root/root", null));
        }
        assertThat(contents.values()).allMatch(e -> e.owner().equals("root/root"));
        assertThat(contents.entrySet()).filteredOn(e -> e.getValue().mode().startsWith("d"))
                .allMatch(e -> e.getValue().mode().equals("drwxr-xr-x"));
    }

    @Test
    void conffilesAndMaintainerScripts(@TempDir Path tmp) throws Exception {
        Path control = tmp.resolve("DEBIAN");
        ok(List.of("dpkg-deb", "-e", deb.toString(), control.toString()));
        assertThat(Files.readAllLines(control.resolve("conffiles")))
                .containsExactlyInAnyOrder("/etc/podlab/podlab.yaml", "/etc/cni/net.d/10-podlab.conflist");
        for (String s : List.of("preinst", "postinst", "prerm", "postrm")) {
            Path script = control.resolve(s);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(script))).as(s).isEqualTo("rwxr-xr-x");
            assertThat(Files.readString(script)).startsWith("#!/bin/sh\n");
            Result r = run(List.of("sh", "-n", script.toString()), Map.of(), Duration.ofSeconds(10));
            assertThat(r.exit()).as("sh -n %s: %s", s, r.err()).isZero();
        }
    }

    @Test
    void defaultsAreTheEngineOwnResources() throws Exception {
        Path resources = REPO.resolve("core-engine/src/main/resources/dev/podlab/core");
        assertThat(extracted.resolve("etc/podlab/podlab.yaml")).hasSameTextualContentAs(resources.resolve("config/podlab.yaml"));
        // The built-in list with per-pod masquerading by the bridge plugin (a user configuration runs as written).
        assertThat(Files.readString(extracted.resolve("etc/cni/net.d/10-podlab.conflist"))).isEqualTo(
                Files.readString(resources.resolve("net/podlab.conflist")).replace("\"ipMasq\": false", "\"ipMasq\": true"));
        String unit = Files.readString(extracted.resolve("lib/systemd/system/podlab-engine.service"));
        assertThat(unit).contains("ExecStart=/usr/bin/podlab engine\n", "KillMode=process\n", "Delegate=yes\n",
                "Restart=on-failure\n", "WantedBy=multi-user.target");
        assertThat(Files.readString(extracted.resolve("usr/share/podlab/kubelet/kubelet-config.yaml")))
                .contains("containerRuntimeEndpoint: unix:///run/podlab/cri.sock");
        assertThat(Files.readString(extracted.resolve("opt/podlab/lib/app/podlab.cfg"))).contains(
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1");
    }

    /**
     * systemd's own checker on the packaged unit with the packaged CRI drop-in beside it: unknown keys, bad values,
     * a missing ExecStart binary and a Documentation= man page that does not exist are all reported. The unit
     * names /usr/bin/podlab, which exists only once installed: the copy checked points at the extracted launcher
     * instead (the only change), and MANPATH at the extracted man pages.
     */
    @Test
    void systemdAnalyzeVerifiesTheUnitAndTheCriDropIn(@TempDir Path tmp) throws Exception {
        HostRequirements.requireCommand("systemd-analyze");
        String launcher = extracted.resolve("opt/podlab/bin/podlab").toString();
        Path unit = tmp.resolve("podlab-engine.service");
        Files.writeString(unit, Files.readString(extracted.resolve("lib/systemd/system/podlab-engine.service"))
                .replace("/usr/bin/podlab", launcher));
        Path dropIn = Files.createDirectories(tmp.resolve("podlab-engine.service.d")).resolve("cri.conf");
        String cri = Files.readString(extracted.resolve("usr/share/podlab/systemd/podlab-engine.service.d/cri.conf"));
        Files.writeString(dropIn, cri.replace("/usr/bin/podlab", launcher));
        Map<String, String> env = Map.of("MANPATH", extracted.resolve("usr/share/man").toString());
        List<String> verify = List.of("systemd-analyze", "verify", unit.toString());

        Result clean = run(verify, env, Duration.ofSeconds(60));
        assertThat(clean.exit()).as("%s%s", clean.out(), clean.err()).isZero();
        assertThat(clean.out() + clean.err()).as("systemd-analyze verify warnings").isEmpty();

        // The drop-in is really read from beside the unit: a bad key in it is reported.
        Files.writeString(dropIn, Files.readString(dropIn) + "NoSuchKey=1\n");
        Result bad = run(verify, env, Duration.ofSeconds(60));
        assertThat(bad.err()).contains("cri.conf", "Unknown key", "NoSuchKey");
    }

    @Test
    void manPagesRenderAndCompletionsParse() throws Exception {
        Result man = run(List.of("man", "-l", extracted.resolve("usr/share/man/man1/podlab-doctor.1.gz").toString()),
                Map.of("MANPAGER", "cat", "MANWIDTH", "100"), Duration.ofSeconds(30));
        assertThat(man.exit()).as(man.err()).isZero();
        assertThat(man.out()).contains("NAME", "podlab-doctor", "SYNOPSIS", "--output=FORMAT");
        Result top = run(List.of("man", "-l", extracted.resolve("usr/share/man/man1/podlab.1.gz").toString()),
                Map.of("MANPAGER", "cat", "MANWIDTH", "100"), Duration.ofSeconds(30));
        assertThat(top.out()).contains("PODLAB(1)", "COMMANDS", "engine", "doctor", "image");

        Path bash = extracted.resolve("usr/share/bash-completion/completions/podlab");
        assertThat(run(List.of("bash", "-n", bash.toString()), Map.of(), Duration.ofSeconds(10)).exit()).isZero();
        // the completion function really completes: subcommands after "podlab", options after "podlab doctor -"
        String probe = "source " + bash + "; COMP_WORDS=(podlab doc); COMP_CWORD=1; _complete_podlab; echo \"${COMPREPLY[*]}\";"
                + " COMP_WORDS=(podlab doctor --o); COMP_CWORD=2; _complete_podlab; echo \"${COMPREPLY[*]}\"";
        Result completed = run(List.of("bash", "-c", probe), Map.of(), Duration.ofSeconds(10));
        assertThat(completed.out().lines().toList()).containsExactly("doctor", "--output");

        String fish = Files.readString(extracted.resolve("usr/share/fish/vendor_completions.d/podlab.fish"));
        assertThat(fish).contains("complete -c podlab -f -n '__fish_use_subcommand' -a 'doctor'",
                "complete -c podlab -n '__fish_seen_subcommand_from doctor' -s o -l output -x -a 'text json'",
                "__fish_seen_subcommand_from image; and __fish_seen_subcommand_from layers");
    }

    @Test
    void installedCopyRunsVersionDoctorAndTheEngine(@TempDir Path tmp) throws Exception {
        Path podlab = extracted.resolve("opt/podlab/bin/podlab");
        Result v = run(List.of(podlab.toString(), "--version"), Map.of(), Duration.ofSeconds(60));
        assertThat(v.exit()).as(v.err()).isZero();
        List<String> lines = v.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo("podlab " + projectVersion());
        assertThat(lines.get(1)).matches("commit: ([0-9a-f]{7,}|unknown), built \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        // the package's own runtime, not the JDK that built it
        assertThat(lines.get(2)).startsWith("Java: " + Runtime.version().feature() + ".")
                .endsWith(" at " + extracted.resolve("opt/podlab/lib/runtime"));

        Result doctor = run(List.of(podlab.toString(), "doctor", "-o", "json"), Map.of(), Duration.ofSeconds(120));
        JsonNode checks = new ObjectMapper().readTree(doctor.out());
        assertThat(checks.isArray()).as(doctor.out() + doctor.err()).isTrue();
        assertThat(checks.size()).isGreaterThanOrEqualTo(22);
        List<String> ids = new ArrayList<>();
        boolean failed = false;
        for (JsonNode c : checks) {
            ids.add(c.get("id").asText());
            assertThat(c.get("status").asText()).isIn("OK", "INFO", "WARN", "FAIL");
            failed |= c.get("status").asText().equals("FAIL");
        }
        assertThat(ids).contains("root", "kernel", "cgroup", "overlayfs", "cni.plugins", "kvm");
        assertThat(doctor.exit()).isEqualTo(failed ? 1 : 0);

        // The engine service from the package, on a state root of its own, and a client of it.
        Path state = tmp.resolve("state");
        Process engine = new ProcessBuilder(podlab.toString(), "engine", "--root", state.toString())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("engine.log").toFile()).start();
        try {
            Path socket = state.resolve("podlab.sock");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(socket) && engine.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(socket).as(Files.readString(tmp.resolve("engine.log"))).exists();
            Result ps = run(List.of(podlab.toString(), "ps", "-a", "--root", state.toString()), Map.of(),
                    Duration.ofSeconds(60));
            assertThat(ps.exit()).as(ps.err()).isZero();
            assertThat(ps.out()).startsWith("CONTAINER").contains("STATUS");
            Result info = run(List.of(podlab.toString(), "info", "--root", state.toString()), Map.of(),
                    Duration.ofSeconds(60));
            assertThat(info.out()).contains("pid:          " + engine.pid());
        } finally {
            engine.destroy(); // SIGTERM to the pid we started
            if (!engine.waitFor(30, TimeUnit.SECONDS)) {
                engine.destroyForcibly().waitFor();
            }
        }
        assertThat(engine.exitValue()).isIn(0, 143);
    }

    @Test
    void removeKeepsStateAndPurgeDeletesWhatThePackageCreated(@TempDir Path tmp) throws Exception {
        Path root = dpkgRoot(tmp);
        dpkg(root, "-i", deb.toString());
        assertThat(root.resolve("opt/podlab/bin/podlab")).isExecutable();
        Path client = root.resolve("usr/bin/podlab");
        assertThat(client).isExecutable().isRegularFile();
        // A static ELF executable (no interpreter to find inside a container or a minimal host).
        byte[] head = Arrays.copyOf(Files.readAllBytes(client), 4);
        assertThat(head).isEqualTo(new byte[] {0x7f, 'E', 'L', 'F'});
        ProcessBuilder pb = new ProcessBuilder(client.toString(), "--version").redirectErrorStream(true);
        pb.environment().put("PODLAB_CLIENT_DEBUG", "1");
        Process p = pb.start();
        String said = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        // No relay runs "--version": the client hands it to the JVM launcher at its installed path.
        assertThat(said).contains("/opt/podlab/bin/podlab");
        assertThat(Files.readAllLines(root.resolve("var/lib/podlab/.created-by-package")))
                .containsExactlyInAnyOrder("/var/lib/podlab", "/etc/podlab");
        Path marker = root.resolve("var/lib/podlab/containers/marker-" + UUID.randomUUID());
        Files.createDirectories(marker.getParent());
        Files.writeString(marker, "state");
        Files.writeString(root.resolve("etc/podlab/auth.json"), "{}");
        Files.createDirectories(root.resolve("run/podlab"));
        Files.writeString(root.resolve("run/podlab/engine.pid"), "1");

        dpkg(root, "-r", "podlab");
        assertThat(root.resolve("opt/podlab")).doesNotExist();
        assertThat(root.resolve("usr/bin/podlab")).doesNotExist();
        assertThat(root.resolve("lib/systemd/system/podlab-engine.service")).doesNotExist();
        assertThat(marker).hasContent("state");
        assertThat(root.resolve("etc/podlab/podlab.yaml")).exists(); // conffiles stay until purge
        assertThat(root.resolve("etc/cni/net.d/10-podlab.conflist")).exists();

        dpkg(root, "-P", "podlab");
        assertThat(root.resolve("var/lib/podlab")).doesNotExist();
        assertThat(root.resolve("etc/podlab")).doesNotExist();
        assertThat(root.resolve("etc/cni/net.d/10-podlab.conflist")).doesNotExist();
        assertThat(root.resolve("run/podlab")).doesNotExist();
        assertThat(ok(List.of("dpkg-query", "--admindir=" + root.resolve("var/lib/dpkg"), "-W", "-f=${db:Status-Abbrev}",
                "podlab"), true)).doesNotContain("ii");
    }

    @Test
    void purgeKeepsAStateRootItDidNotCreateAndAnythingMounted(@TempDir Path tmp) throws Exception {
        HostRequirements.requireCommand("mount");
        Path root = dpkgRoot(tmp);
        Path old = root.resolve("var/lib/podlab/marker-" + UUID.randomUUID());
        Files.createDirectories(old.getParent());
        Files.writeString(old, "made before the package");
        dpkg(root, "-i", deb.toString());
        assertThat(Files.readAllLines(root.resolve("var/lib/podlab/.created-by-package"))).containsExactly("/etc/podlab");

        Path pinned = root.resolve("run/podlab/netns/pod1");
        Files.createDirectories(pinned);
        ok(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "podlab-deb-test", pinned.toString()));
        try {
            Files.writeString(pinned.resolve("inside"), "mounted");
            dpkg(root, "-P", "podlab");
            assertThat(old).hasContent("made before the package");
            assertThat(root.resolve("var/lib/podlab/.created-by-package")).doesNotExist();
            assertThat(root.resolve("etc/podlab")).doesNotExist();
            // nothing unmounted, nothing deleted below the mount
            assertThat(pinned.resolve("inside")).hasContent("mounted");
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).contains(" " + pinned + " ");
        } finally {
            ok(List.of("umount", pinned.toString()));
        }
    }

    // --- helpers

    private static Path dpkgRoot(Path tmp) throws IOException {
        Path root = tmp.resolve("root");
        for (String d : List.of("info", "updates", "triggers")) {
            Files.createDirectories(root.resolve("var/lib/dpkg").resolve(d));
        }
        Files.createFile(root.resolve("var/lib/dpkg/status"));
        return root;
    }

    /** dpkg on a throwaway root; the maintainer scripts run outside a chroot with $DPKG_ROOT set. */
    private static void dpkg(Path root, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("dpkg", "--root=" + root, "--force-script-chrootless",
                "--force-depends", "--log=/dev/null"));
        cmd.addAll(List.of(args));
        ok(cmd);
    }

    private static String projectVersion() {
        return System.getProperty("podlab.version", "0.1.0-SNAPSHOT");
    }

    private static String ok(List<String> cmd) throws Exception {
        return ok(cmd, false);
    }

    private static String ok(List<String> cmd, boolean anyExit) throws Exception {
        Result r = run(cmd, Map.of(), Duration.ofMinutes(2));
        if (!anyExit) {
            assertThat(r.exit()).as("%s failed:%n%s%n%s", cmd, r.out(), r.err()).isZero();
        }
        return r.out();
    }

    static Result run(List<String> cmd, Map<String, String> env, Duration timeout) throws Exception {
        Path out = Files.createTempFile("podlab-deb-out", ".txt");
        Path err = Files.createTempFile("podlab-deb-err", ".txt");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(cmd + " timed out after " + timeout + ": " + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    p.toFile().setWritable(true);
                }
                Files.delete(p);
            }
        }
    }
}
