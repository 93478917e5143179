package dev.podlab.core.runtime.builtin;

import dev.podlab.core.PodlabException;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.ContainerException;
import dev.podlab.core.runtime.RuntimeInfo;
import dev.podlab.core.runtime.ShimSupervised;
import dev.podlab.core.state.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * podlab's own runtime: config.json compiled into a launch plan that podlab-shim executes
 * (namespaces, mounts, pivot_root, seccomp, exec) and then supervises.
 */
public final class BuiltinRuntime extends ShimSupervised {
    /** The handler kind and default runtime class name. */
    public static final String NAME = "builtin";

    private final String name;
    private final SeccompCache seccompCache;

    public BuiltinRuntime(String name, Path shim, SeccompCache seccompCache) {
        super(shim);
        this.name = name;
        this.seccompCache = seccompCache;
    }

    @Override
    public RuntimeInfo info() {
        return new RuntimeInfo(name, NAME, shim, "podlab-shim " + shim.getFileName());
    }

    @Override
    public void check(ContainerConfig request) {
        // Everything the engine generates is something the shim can execute.
    }

    @Override
    public Created create(Launch l) {
        LaunchPlan plan = seccompCache.attach(PlanCompiler.compile(l.target().id(), l.spec(), new PlanCompiler.HostSide(
                l.rootfs(), l.cgroupProcsFiles(), l.oomCounterFile(), l.oomCounterFormat(), l.logFile(), l.stdin(),
                l.stdinOnce())));
        try {
            AtomicFiles.write(l.target().dir().resolve("plan"), plan.render().getBytes(StandardCharsets.UTF_8), false);
        } catch (IOException e) {
            throw new ContainerException(PodlabException.failed("write the launch plan of container",
                    l.target().name(), e), e);
        }
        ShimClient.Created c = client(l.target()).create(l.target().name());
        return new Created(c.initPid(), c.shimPid(), c.steps(), c.warnings());
    }

    @Override
    public Process exec(Target t, ExecSpec spec, ProcessBuilder.Redirect in, ProcessBuilder.Redirect out,
                        ProcessBuilder.Redirect err) {
        LaunchPlan plan = seccompCache.attach(PlanCompiler.compileExec(spec.process(), spec.seccomp(),
                spec.cgroupProcsFiles()));
        Path planFile = t.dir().resolve("exec-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt())
                + ".plan");
        try {
            AtomicFiles.write(planFile, plan.render().getBytes(StandardCharsets.UTF_8), false);
            List<String> argv = new ArrayList<>(List.of(shim.toString(), "exec", t.dir().toString(),
                    planFile.toString()));
            if (spec.resizeFifo() != null) {
                argv.add(spec.resizeFifo().toString());
            }
            Process p = new ProcessBuilder(argv).redirectInput(in).redirectOutput(out).redirectError(err).start();
            p.onExit().thenRun(() -> deleteQuietly(planFile));
            return p;
        } catch (IOException e) {
            deleteQuietly(planFile);
            throw new ContainerException(PodlabException.failed("exec in container", t.name(), e), e);
        }
    }

    @Override
    public void delete(Target target) {
        // The built-in runtime keeps no state of its own: the container directory is all.
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // A leftover exec plan is harmless; it goes with the container directory.
        }
    }
}
