package dev.podlab.core.runtime;

import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.EngineConfig;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.podlab.core.testing.TestEngine.busybox;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The runtime catalog on this host: verdicts found by creating a trivial container, and fast refusals. */
@Tag("root")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RuntimeCatalogTest {
    private TestEngine t;

    @AfterEach
    void close() throws IOException {
        if (t != null) {
            t.close();
        }
    }

    @Test
    void theExplanationNamesTheRuntimeItsVersionAndItsOwnWords() {
        assertThat(RuntimeCatalog.explain(Path.of("/usr/bin/crun"), "crun version 1.8.1",
                "cgroups in hybrid mode not supported, drop all controllers from cgroupv2"))
                .isEqualTo("crun 1.8.1 refuses hybrid cgroup hosts (cgroup v1 with a cgroup2 mount): cgroups in hybrid"
                        + " mode not supported, drop all controllers from cgroupv2");
        assertThat(RuntimeCatalog.explain(Path.of("/x/rt"), "rt", "boom")).isEqualTo("rt failed to create a test container: boom");
    }

    @Test
    void builtinAndRuncWorkAndTheVerdictIsCachedByBinary() throws Exception {
        t = TestEngine.open();
        HostRequirements.require(RuntimeCatalog.find("runc").isPresent(), "needs runc (apt-get install runc)");
        RuntimeCatalog catalog = t.engine.runtimes();
        assertThat(catalog.names()).startsWith("builtin").contains("runc");
        assertThat(catalog.entry("builtin").works()).isTrue();
        RuntimeCatalog.Entry runc = catalog.entry("runc");
        assertThat(runc.works()).as(runc.reason()).isTrue();
        assertThat(runc.version()).startsWith("runc version ");
        assertThat(runc.binary()).isEqualTo(RuntimeCatalog.find("runc").orElseThrow());
        Path cache = t.root.resolve("runtimes/runc.probe.json");
        assertThat(Files.readString(cache)).contains(runc.binary().toString()).containsPattern("\"works\"\\s*:\\s*true");
        // Nothing of the probe is left: no runc state, no bundle, no cgroup.
        try (var left = Files.list(t.root.resolve("runtimes/runc"))) {
            assertThat(left.toList()).isEmpty();
        }
        try (var left = Files.list(t.root.resolve("runtimes/probes"))) {
            assertThat(left.toList()).isEmpty();
        }
        if (t.cgroups.exists(t.cgroupParent)) {
            assertThat(t.cgroups.open(t.cgroupParent).directories().values()).allSatisfy(dir -> {
                try (var children = Files.list(dir)) {
                    assertThat(children.filter(Files::isDirectory).toList()).isEmpty();
                }
            });
        }
        // A second engine on the same root takes the verdict from disk (a planted one proves it).
        Files.writeString(cache, Files.readString(cache).replace("created and deleted a test container", "from disk"));
        assertThat(new ContainerEngine(t.engine.config()).runtimes().entry("runc").reason()).isEqualTo("from disk");
    }

    @Test
    void aRuntimeThatDoesNotWorkIsReportedAndRefusedFastWithItsReason() throws Exception {
        t = TestEngine.open();
        Path fake = t.root.resolve("fake-runtime");
        Files.writeString(fake, "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 'fake version 0.1'; exit 0; fi\n"
                + "echo 'no containers today' >&2; exit 1\n");
        fake.toFile().setExecutable(true);
        var engine = new ContainerEngine(new EngineConfig(t.root, t.cgroups, t.cgroupParent,
                Map.of("fake", new EngineSettings.RuntimeClass("oci", Map.of("binary", fake.toString())))));
        RuntimeCatalog.Entry e = engine.runtimes().entry("fake");
        assertThat(e.works()).isFalse();
        assertThat(e.version()).isEqualTo("fake version 0.1");
        assertThat(e.reason()).isEqualTo("fake-runtime 0.1 failed to create a test container: no containers today");
        assertThatThrownBy(() -> engine.create(busybox("true").runtime("fake").build()))
                .isInstanceOf(RuntimeUnavailableException.class)
                .hasMessage("failed to use runtime fake: " + e.reason());
        assertThatThrownBy(() -> engine.create(busybox("true").runtime("nope").build()))
                .isInstanceOf(RuntimeUnavailableException.class)
                .hasMessageStartingWith("failed to find runtime nope: not configured");
        assertThat(engine.list()).isEmpty();
        assertThat(t.root.resolve("containers")).satisfiesAnyOf(p -> assertThat(p).doesNotExist(),
                p -> assertThat(p).isEmptyDirectory());
    }

    @Test
    void crunReportsItsRefusalOfHybridCgroupHosts() throws Exception {
        HostRequirements.requireRoot();
        boolean hybrid = !Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))
                && HostRequirements.isFileSystem(Path.of("/sys/fs/cgroup/unified"), "cgroup2");
        // Not HostRequirements: crun is not among the packages CI installs.
        Assumptions.assumeTrue(RuntimeCatalog.find("crun").isPresent(), "crun is not installed");
        Assumptions.assumeTrue(hybrid, "this host is not a hybrid cgroup host");
        t = TestEngine.open();
        RuntimeCatalog.Entry crun = t.engine.runtimes().entry("crun");
        assertThat(crun.works()).isFalse();
        assertThat(crun.reason()).matches("crun \\d+\\.\\d+(\\.\\d+)? refuses hybrid cgroup hosts \\(cgroup v1 with a"
                + " cgroup2 mount\\): .*hybrid.*");
        assertThatThrownBy(() -> t.engine.create(busybox("true").runtime("crun").build()))
                .isInstanceOf(RuntimeUnavailableException.class)
                .hasMessageContaining("refuses hybrid cgroup hosts");
    }
}
