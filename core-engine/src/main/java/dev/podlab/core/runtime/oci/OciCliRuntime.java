package dev.podlab.core.runtime.oci;

import dev.podlab.core.PodlabException;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.ContainerException;
import dev.podlab.core.container.InvalidConfigException;
import dev.podlab.core.runtime.RuntimeInfo;
import dev.podlab.core.runtime.ShimSupervised;
import dev.podlab.core.runtime.builtin.LaunchPlan;
import dev.podlab.core.runtime.builtin.PlanCompiler;
import dev.podlab.core.runtime.builtin.ShimClient;
import dev.podlab.core.state.AtomicFiles;
import dev.podlab.core.state.ContainerStore;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Any OCI runtime binary (runc, crun, youki) driven by its command-line contract:
 * {@code BIN --root STATE create --bundle DIR --pid-file F ID}, {@code start}, {@code kill},
 * {@code delete [--force]}, {@code exec --process FILE}. The bundle is the container directory
 * with the same config.json the built-in runtime executes. podlab-shim runs {@code create} with
 * its pipes as the container's stdio and supervises the container (docs/shim.md, OCI mode), so
 * logs, exit records and the control socket are the same as for the built-in runtime.
 * The runtime's state directory is {@code <stateRoot>/runtimes/<name>/}, never /run/runc.
 */
public final class OciCliRuntime extends ShimSupervised {
    private static final long CLI_TIMEOUT_SECONDS = 30;

    private final String name;
    private final String handler;
    private final Path binary;
    private final Path stateDir;
    private volatile String version;

    /**
     * @param runtimesRoot {@code <stateRoot>/runtimes}; the runtime's own state goes to a directory named after it
     */
    public OciCliRuntime(String name, String handler, Path binary, Path runtimesRoot, Path shim) {
        super(shim);
        this.name = name;
        this.handler = handler;
        this.binary = binary;
        this.stateDir = runtimesRoot.resolve(name);
    }

    /** The directory given to the runtime as {@code --root}. */
    public Path stateDir() {
        return stateDir;
    }

    public Path binary() {
        return binary;
    }

    @Override
    public RuntimeInfo info() {
        return new RuntimeInfo(name, handler, binary, version());
    }

    /** First line of {@code BIN --version}, or what went wrong asking. */
    public String version() {
        String v = version;
        if (v == null) {
            try {
                Result r = run(List.of(binary.toString(), "--version"), null);
                v = r.output().lines().findFirst().orElse("").strip();
                if (v.isEmpty()) {
                    v = "unknown (" + binary + " --version printed nothing)";
                }
            } catch (ContainerException e) {
                v = "unknown (" + e.getMessage() + ")";
            }
            version = v;
        }
        return v;
    }

    @Override
    public void check(ContainerConfig request) {
        if (request.terminal()) {
            throw new InvalidConfigException("failed to create container on runtime " + name
                    + ": terminal containers are not supported on OCI runtimes yet (they need --console-socket)");
        }
    }

    @Override
    public Created create(Launch l) {
        var b = new LaunchPlan.Builder();
        b.add("version", "1");
        b.add("id", l.target().id());
        b.add("oci-runtime", binary.toString());
        b.add("oci-root", stateDir.toString());
        // Not joined (the runtime puts init there): the shim kills what is left in them when init exits.
        l.cgroupProcsFiles().forEach(p -> b.add("cgroup", p.toString()));
        if (l.oomCounterFile() != null) {
            b.add("oom-counter", l.oomCounterFile().toString(), l.oomCounterFormat());
        }
        // The runtime's init inherits the shim's pipes as its stdio, stdin included: attach works as on builtin.
        PlanCompiler.addStdin(b, l.stdin(), l.stdinOnce());
        b.add("log", l.logFile().toString());
        try {
            Files.createDirectories(stateDir);
            AtomicFiles.write(l.target().dir().resolve("plan"), b.build().render().getBytes(StandardCharsets.UTF_8),
                    false);
        } catch (IOException e) {
            throw new ContainerException(PodlabException.failed("prepare runtime " + name + " for container",
                    l.target().name(), e), e);
        }
        ShimClient.Created c = client(l.target()).create(l.target().name());
        return new Created(c.initPid(), c.shimPid(), c.steps(), c.warnings());
    }

    @Override
    public Process exec(Target t, ExecSpec spec, ProcessBuilder.Redirect in, ProcessBuilder.Redirect out,
                        ProcessBuilder.Redirect err) {
        if (Boolean.TRUE.equals(spec.process().terminal())) {
            throw new InvalidConfigException("failed to exec in container " + t.name() + ": a terminal is not supported"
                    + " on OCI runtimes yet (it needs --console-socket)");
        }
        Path file = t.dir().resolve("exec-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt())
                + ".json");
        try {
            // The runtime applies the container's seccomp profile and joins its cgroup itself.
            AtomicFiles.write(file, ContainerStore.JSON.writeValueAsBytes(spec.process()), false);
            Process p = new ProcessBuilder(binary.toString(), "--root", stateDir.toString(), "exec", "--process",
                    file.toString(), t.id())
                    .redirectInput(in).redirectOutput(out).redirectError(err).start();
            p.onExit().thenRun(() -> deleteQuietly(file));
            return p;
        } catch (IOException e) {
            deleteQuietly(file);
            throw new ContainerException(PodlabException.failed("exec in container", t.name(), e), e);
        }
    }

    @Override
    public void delete(Target t) {
        if (!Files.isDirectory(stateDir.resolve(t.id()))) {
            return; // never created, or deleted already
        }
        Result r = run(List.of(binary.toString(), "--root", stateDir.toString(), "delete", "--force", t.id()), null);
        if (r.status() != 0 && Files.exists(stateDir.resolve(t.id()))) {
            throw new ContainerException("failed to delete container " + t.name() + " from runtime " + name + ": "
                    + binary + " delete exited with status " + r.status() + ": " + r.output().strip());
        }
    }

    /** What a run of the binary said (stdout and stderr together) and its exit status. */
    record Result(int status, String output) {}

    /**
     * Runs the binary to completion. Output goes through a file, not a pipe: after {@code create}
     * the container's init would hold a pipe open and a reader would wait for it forever.
     */
    Result run(List<String> argv, Path outputFile) {
        Path out = outputFile;
        try {
            if (out == null) {
                out = Files.createTempFile("podlab-" + name, ".out");
            }
            Process p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(CLI_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new ContainerException("failed to run " + String.join(" ", argv) + ": no answer within "
                        + CLI_TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), Files.readString(out));
        } catch (IOException e) {
            throw new ContainerException(PodlabException.failed("run", argv.get(0), e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException("failed to run " + argv.get(0) + ": interrupted", e);
        } finally {
            if (outputFile == null && out != null) {
                deleteQuietly(out);
            }
        }
    }

    /**
     * Creates and deletes a trivial container from {@code bundle} (its config.json and rootfs made by
     * the caller) as container {@code id}: the only sure test that the runtime works on this host.
     * Returns null when it does, else the runtime's own words.
     */
    public String tryCreate(Path bundle, String id) {
        try {
            Files.createDirectories(stateDir);
            List<String> argv = new ArrayList<>(List.of(binary.toString(), "--root", stateDir.toString(), "create",
                    "--bundle", bundle.toString(), "--pid-file", bundle.resolve("probe.pid").toString(), id));
            Result r = run(argv, bundle.resolve("create.out"));
            return r.status() == 0 ? null : r.output().strip().replace('\n', ' ');
        } catch (IOException | ContainerException e) {
            return PodlabException.describe(e);
        } finally {
            try {
                delete(new Target(id, "probe", bundle));
            } catch (ContainerException e) {
                // Reported by the caller, who checks that the state directory is empty again.
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // A leftover exec file is harmless; it goes with the container directory.
        }
    }
}
