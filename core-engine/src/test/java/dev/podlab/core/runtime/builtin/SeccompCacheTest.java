package dev.podlab.core.runtime.builtin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SeccompCacheTest {
    private static LaunchPlan plan(String syscall) {
        return new LaunchPlan.Builder().add("version", "1").add("seccomp-default", "errno", "1")
                .add("seccomp", "allow", "0", syscall).build();
    }

    @Test
    void sameRulesSameProgramOtherRulesOrShimOtherProgram(@TempDir Path root) {
        SeccompCache cache = new SeccompCache(root.resolve("seccomp"), "shim-a");
        List<String> a1 = cache.attach(plan("read")).all("seccomp-bpf").get(0);
        List<String> a2 = cache.attach(plan("read")).all("seccomp-bpf").get(0);
        List<String> b = cache.attach(plan("write")).all("seccomp-bpf").get(0);
        List<String> otherShim = new SeccompCache(root.resolve("seccomp"), "shim-b").attach(plan("read"))
                .all("seccomp-bpf").get(0);
        assertThat(a1).isEqualTo(a2);
        assertThat(a1).isNotEqualTo(b).isNotEqualTo(otherShim);
        assertThat(a1.get(0)).startsWith(root.resolve("seccomp").toString()).endsWith(".bpf");
        assertThat(Files.isDirectory(root.resolve("seccomp"))).isTrue();
    }

    @Test
    void plansWithoutAFilterAreLeftAlone(@TempDir Path root) {
        LaunchPlan p = new LaunchPlan.Builder().add("version", "1").build();
        assertThat(new SeccompCache(root, "x").attach(p)).isSameAs(p);
    }
}
