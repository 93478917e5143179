package dev.podlab.core.runtime.builtin;

import dev.podlab.core.PodlabException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    @Test
    void compileWritesTheProgramWithTheShimOnceAndThenReusesIt(@TempDir Path root) throws Exception {
        Path shim = ShimBinary.locate(root);
        SeccompCache cache = SeccompCache.forShim(root, shim);
        LaunchPlan attached = cache.attach(plan("read"));
        Path program = SeccompCache.programOf(attached).orElseThrow();
        assertThat(program).doesNotExist();
        assertThat(cache.compile(attached, shim)).isEqualTo(program);
        // A classic BPF program: 8-byte instructions, ending in a return.
        byte[] bpf = Files.readAllBytes(program);
        assertThat(bpf.length).isPositive().isEqualTo(bpf.length / 8 * 8);
        assertThat(bpf[bpf.length - 8] & 0xff).isEqualTo(0x06);
        long modified = Files.getLastModifiedTime(program).toMillis();
        Files.setLastModifiedTime(program, java.nio.file.attribute.FileTime.fromMillis(modified - 60_000));
        cache.compile(attached, shim);
        assertThat(Files.getLastModifiedTime(program).toMillis()).isEqualTo(modified - 60_000);
        assertThat(SeccompCache.programOf(plan("read"))).isEmpty();
        try (var left = Files.list(root.resolve("seccomp"))) {
            assertThat(left).containsExactly(program);
        }
    }

    @Test
    void rulesTheShimRefusesGiveOneLineNamingTheProgram(@TempDir Path root) throws Exception {
        Path shim = ShimBinary.locate(root);
        SeccompCache cache = SeccompCache.forShim(root, shim);
        LaunchPlan bad = cache.attach(new LaunchPlan.Builder().add("version", "1").add("seccomp-default", "errno", "1")
                .add("seccomp", "sometimes", "0", "read").build());
        assertThatThrownBy(() -> cache.compile(bad, shim)).isInstanceOf(PodlabException.class)
                .hasMessageStartingWith("failed to compile the seccomp filter " + root.resolve("seccomp"))
                .hasMessageNotContaining("\n");
        try (var left = Files.list(root.resolve("seccomp"))) {
            assertThat(left).isEmpty();
        }
    }
}
