package dev.podlab.core.runtime.builtin;

import dev.podlab.core.PodlabException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.HexFormat;
import java.util.List;

/**
 * Names the compiled seccomp program of a plan. Building a filter from ~400 rules takes
 * libseccomp several milliseconds, yet every container with the same profile gets the same
 * BPF; so the shim compiles once, stores the program under a name derived from the rules
 * and the shim build, and later containers only load it (docs/shim.md, {@code seccomp-bpf}).
 */
public final class SeccompCache {
    private final Path dir;
    private final String shimIdentity;

    /** {@code shimIdentity} changes whenever the shim (and so its libseccomp) changes. */
    public SeccompCache(Path dir, String shimIdentity) {
        this.dir = dir;
        this.shimIdentity = shimIdentity;
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new PodlabException(PodlabException.failed("create seccomp cache", dir.toString(), e), e);
        }
    }

    public static SeccompCache forShim(Path stateRoot, Path shim) {
        String identity;
        try {
            identity = shim.getFileName() + ":" + Files.size(shim) + ":" + Files.getLastModifiedTime(shim).toMillis();
        } catch (IOException e) {
            identity = shim.toString();
        }
        return new SeccompCache(stateRoot.resolve("seccomp"), identity);
    }

    /** The plan plus a {@code seccomp-bpf} line naming its program; unchanged when it has no filter. */
    public LaunchPlan attach(LaunchPlan plan) {
        StringBuilder rules = new StringBuilder(shimIdentity).append('\n');
        boolean any = false;
        for (LaunchPlan.Directive d : plan.directives()) {
            if (d.keyword().startsWith("seccomp")) {
                any = true;
                rules.append(d.keyword());
                d.args().forEach(a -> rules.append(' ').append(a));
                rules.append('\n');
            }
        }
        if (!any) {
            return plan;
        }
        List<LaunchPlan.Directive> all = new ArrayList<>(plan.directives());
        all.add(new LaunchPlan.Directive("seccomp-bpf", List.of(dir.resolve(sha256(rules.toString()) + ".bpf").toString())));
        return new LaunchPlan(all);
    }

    /** The program file a plan from {@link #attach} names; empty when the plan has no filter. */
    public static Optional<Path> programOf(LaunchPlan attached) {
        return attached.all("seccomp-bpf").stream().findFirst().map(a -> Path.of(a.get(0)));
    }

    /**
     * Makes sure the program an attached plan names exists, compiling it natively with {@code podlab-shim
     * seccomp-compile} when it does not. For a kvm guest, which would otherwise compile the filter in the
     * emulated machine (~100 ms under TCG against ~5 here). Returns the program file.
     *
     * @throws PodlabException when the plan has no filter or the shim cannot compile it
     */
    public Path compile(LaunchPlan attached, Path shim) {
        Path program = programOf(attached).orElseThrow(() -> new PodlabException(
                "failed to compile the seccomp filter: the plan has none"));
        if (Files.isRegularFile(program)) {
            return program;
        }
        List<LaunchPlan.Directive> rules = new ArrayList<>();
        rules.add(new LaunchPlan.Directive("version", List.of("1")));
        rules.add(new LaunchPlan.Directive("args", List.of("true")));
        attached.directives().stream().filter(d -> d.keyword().startsWith("seccomp")).forEach(rules::add);
        Path planFile = null;
        try {
            planFile = Files.createTempFile(dir, "compile-", ".plan");
            Files.writeString(planFile, new LaunchPlan(rules).render());
            Process p = new ProcessBuilder(shim.toString(), "seccomp-compile", planFile.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new PodlabException("failed to compile the seccomp filter " + program + ": podlab-shim took over 30 s");
            }
            if (p.exitValue() != 0 || !Files.isRegularFile(program)) {
                throw new PodlabException("failed to compile the seccomp filter " + program + ": "
                        + (out.isEmpty() ? "podlab-shim exited with status " + p.exitValue()
                        : out.lines().reduce((a, b) -> b).orElse(out)));
            }
            return program;
        } catch (IOException e) {
            throw new PodlabException(PodlabException.failed("compile the seccomp filter", program.toString(), e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PodlabException("failed to compile the seccomp filter " + program + ": interrupted", e);
        } finally {
            if (planFile != null) {
                try {
                    Files.deleteIfExists(planFile);
                } catch (IOException e) {
                    // A leftover temp plan in the cache directory is harmless.
                }
            }
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }
}
