package dev.podlab.bench;

import dev.podlab.core.cgroup.CgroupManagers;
import dev.podlab.core.container.ContainerConfig;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ContainerRecord;
import dev.podlab.core.container.EngineConfig;
import dev.podlab.core.container.HostInfo;
import dev.podlab.core.oci.RuntimeSpec;
import dev.podlab.core.oci.SpecGenerator;
import dev.podlab.core.rootfs.BusyboxRootfs;
import dev.podlab.core.state.ContainerStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The benchmark harness (./scripts/bench). Measures, in one run on one machine:
 * <ol>
 *   <li>the container lifecycle (create, start, wait, remove of /bin/true from the busybox
 *       rootfs) through the engine, against {@code runc run} of a bundle with the same
 *       config.json, interleaved so both see the same machine state;</li>
 *   <li>the resident memory of one idle supervising shim.</li>
 * </ol>
 * Prints medians, quartiles and the ratio; the results page is docs/benchmarks.md.
 */
public final class Bench {
    private Bench() {}

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        // The engine runs in this JVM: let the JIT compile its hot paths before measuring.
        int warmup = Math.max(10, iterations / 4);
        Path work = Files.createTempDirectory(Path.of("/tmp"), "plbench");
        String parent = "podlab-bench-" + ProcessHandle.current().pid();
        try {
            Path rootfs = BusyboxRootfs.ensure(work.resolve("busybox"));
            var engine = new ContainerEngine(new EngineConfig(work.resolve("state"), CgroupManagers.host(), parent));
            Path runc = findRunc();
            Path bundle = runc == null ? null : runcBundle(work, rootfs, engine);

            long[] podlab = new long[iterations];
            long[] runcTimes = new long[iterations];
            for (int i = -warmup; i < iterations; i++) {
                long a = lifecycle(engine, rootfs);
                long b = runc == null ? 0 : runcRun(runc, bundle, "plb" + ProcessHandle.current().pid() + "-" + (i + warmup));
                if (i >= 0) {
                    podlab[i] = a;
                    runcTimes[i] = b;
                }
            }
            breakdown(engine, rootfs);
            report("podlab builtin (create+start+wait+remove)", podlab);
            if (runc != null) {
                report("runc run (same config.json)", runcTimes);
                System.out.printf("ratio podlab/runc (medians): %.2f%n", median(podlab) / median(runcTimes));
            } else {
                System.out.println("runc not found: no peer measured");
            }
            shimMemory(engine, rootfs);
        } finally {
            cleanup(work, parent);
        }
    }

    private static long lifecycle(ContainerEngine engine, Path rootfs) {
        long t0 = System.nanoTime();
        ContainerRecord r = engine.run(ContainerConfig.builder(rootfs, List.of("/bin/true")).build());
        engine.await(r.id(), Duration.ofSeconds(30)).orElseThrow();
        engine.remove(r.id(), false);
        return System.nanoTime() - t0;
    }

    private static long runcRun(Path runc, Path bundle, String id) throws Exception {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(runc.toString(), "run", "--bundle", bundle.toString(), id)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        int status = p.waitFor();
        long took = System.nanoTime() - t0;
        if (status != 0) {
            throw new IllegalStateException("runc run failed with status " + status);
        }
        return took;
    }

    /** A bundle whose config.json is what the engine generates, pointed at the same rootfs. */
    private static Path runcBundle(Path work, Path rootfs, ContainerEngine engine) throws IOException {
        Path bundle = work.resolve("bundle");
        Files.createDirectories(bundle);
        SpecGenerator gen = new SpecGenerator(new SpecGenerator.HostFacts(engine.cgroups().layout().version(),
                HostInfo.nofileHardLimit()));
        RuntimeSpec s = gen.generate("0123456789abcdef0123456789abcdef",
                ContainerConfig.builder(rootfs, List.of("/bin/true")).readOnlyRootfs(true).build(),
                rootfs.toString(), null).spec();
        Files.write(bundle.resolve("config.json"), ContainerStore.JSON.writeValueAsBytes(s));
        return bundle;
    }

    /** Where the time of one warm lifecycle goes, from the container's own trace. */
    private static void breakdown(ContainerEngine engine, Path rootfs) {
        long t0 = System.nanoTime();
        ContainerRecord r = engine.run(ContainerConfig.builder(rootfs, List.of("/bin/true")).build());
        long started = System.nanoTime();
        engine.await(r.id(), Duration.ofSeconds(30)).orElseThrow();
        long exited = System.nanoTime();
        var trace = engine.trace(r.id());
        engine.remove(r.id(), false);
        long removed = System.nanoTime();
        System.out.println("one warm lifecycle, step by step:");
        for (var e : trace) {
            if (e.durationNanos() > 0) {
                System.out.printf("  %-6s %-22s %8.2f ms%n", e.source(), e.step(), e.durationNanos() / 1e6);
            }
        }
        System.out.printf("  create+start %.2f ms, wait %.2f ms, remove %.2f ms%n", (started - t0) / 1e6,
                (exited - started) / 1e6, (removed - exited) / 1e6);
    }

    /**
     * The supervising shim of an idle container: measured after it has been idle for 1.5 s
     * (the shim drops its resident code pages after 1 s without activity; they come back from
     * the page cache on the next request).
     */
    private static void shimMemory(ContainerEngine engine, Path rootfs) throws Exception {
        ContainerRecord r = engine.run(ContainerConfig.builder(rootfs, List.of("sleep", "60")).build());
        try {
            Thread.sleep(1500);
            String status = Files.readString(Path.of("/proc/" + r.shimPid() + "/status"));
            String rollup = Files.readString(Path.of("/proc/" + r.shimPid() + "/smaps_rollup"));
            System.out.println("shim beside an idle container: " + field(status, "VmRSS") + ", " + field(status, "RssAnon")
                    + ", " + field(status, "RssFile") + ", " + field(rollup, "Pss") + ", "
                    + field(rollup, "Private_Clean") + ", " + field(rollup, "Private_Dirty"));
        } finally {
            engine.remove(r.id(), true);
        }
    }

    static String field(String procFile, String name) {
        return procFile.lines().filter(l -> l.startsWith(name + ":")).findFirst().orElse(name + ": ?")
                .replaceAll("\\s+", " ");
    }

    static void report(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.printf("%-45s n=%d  median %.2f ms  p25 %.2f ms  p75 %.2f ms  min %.2f ms%n", what, s.length,
                median(s) / 1e6, s[s.length / 4] / 1e6, s[(3 * s.length) / 4] / 1e6, s[0] / 1e6);
    }

    static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
    }

    private static Path findRunc() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":")) {
            Path p = Path.of(d, "runc");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static void cleanup(Path work, String parent) throws IOException {
        var cg = CgroupManagers.host();
        if (cg.exists(parent)) {
            cg.destroy(cg.open(parent));
        }
        List<Path> all = new ArrayList<>();
        try (var walk = Files.walk(work)) {
            walk.sorted(Comparator.reverseOrder()).forEach(all::add);
        }
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
    }
}
