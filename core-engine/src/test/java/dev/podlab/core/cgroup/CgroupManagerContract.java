package dev.podlab.core.cgroup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every {@link CgroupManager} must do, on a plain stand-in tree and on the real kernel alike. Each
 * implementation (and each host setup) runs it through a subclass.
 */
abstract class CgroupManagerContract {

    protected CgroupManager manager;
    /** A unique top-level cgroup name for this test; everything the test creates is below it. */
    protected String base;

    /** The manager under test on a fresh tree, or on the host. */
    protected abstract CgroupManager newManager() throws Exception;

    @BeforeEach
    void setUpContract() throws Exception {
        manager = newManager();
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        base = "podlab-test-" + HexFormat.of().formatHex(random);
    }

    @AfterEach
    void cleanUpContract() throws Exception {
        TestCgroups.removeEverywhere(manager.layout(), base);
    }

    @Test
    void createThenOpenExistsAndDestroy() {
        Cgroup created = manager.create(base + "/ctr", CgroupResources.none());

        assertThat(created.relativePath()).isEqualTo(base + "/ctr");
        assertThat(created.directories()).isNotEmpty();
        assertThat(created.directories().values()).allSatisfy(dir -> assertThat(dir).isDirectory().isAbsolute());
        assertThat(manager.exists(base + "/ctr")).isTrue();
        assertThat(manager.open(base + "/ctr")).isEqualTo(created);

        manager.destroy(created);

        assertThat(manager.exists(base + "/ctr")).isFalse();
        assertThat(manager.exists(base)).isTrue(); // ancestors are shared; destroy leaves them
    }

    @Test
    void createReusesAnExistingCgroup() {
        Cgroup first = manager.create(base, CgroupResources.none());
        Cgroup second = manager.create(base, CgroupResources.none());
        assertThat(second).isEqualTo(first);
    }

    @Test
    void normalisesSlashes() {
        Cgroup cgroup = manager.create("/" + base + "/ctr/", CgroupResources.none());
        assertThat(cgroup.relativePath()).isEqualTo(base + "/ctr");
    }

    @Test
    void procsFilesAreDistinctByRealPath() throws Exception {
        Cgroup cgroup = manager.create(base, CgroupResources.none());
        List<Path> procs = manager.procsFiles(cgroup);

        assertThat(procs).isNotEmpty().allSatisfy(p -> assertThat(p.getFileName().toString()).isEqualTo("cgroup.procs"));
        List<Path> realDirs = procs.stream().map(p -> CgroupSupport.realOrSelf(p.getParent())).toList();
        assertThat(realDirs).doesNotHaveDuplicates();
        assertThat(realDirs).containsExactlyInAnyOrderElementsOf(
                cgroup.directories().values().stream().map(CgroupSupport::realOrSelf).distinct().toList());
    }

    @Test
    void destroyRemovesSubCgroupsLeafFirstAndIsIdempotent() {
        manager.create(base + "/pod/ctr-a", CgroupResources.none());
        manager.create(base + "/pod/ctr-b/nested", CgroupResources.none());
        Cgroup pod = manager.open(base + "/pod");

        manager.destroy(pod);
        manager.destroy(pod); // already gone: fine

        assertThat(manager.exists(base + "/pod")).isFalse();
        assertThat(manager.exists(base + "/pod/ctr-a")).isFalse();
        assertThat(manager.exists(base)).isTrue();
    }

    @Test
    void openOfAMissingCgroupFails() {
        assertThatThrownBy(() -> manager.open(base + "/nope"))
                .isInstanceOf(CgroupException.class)
                .hasMessageStartingWith("failed to open cgroup " + base + "/nope: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/", "x/../../etc", "a//b", "./a"})
    void refusesPathsOutsideOrAtTheRoot(String path) {
        String relative = path.isEmpty() || path.equals("/") ? path : base + "/" + path;
        assertThatThrownBy(() -> manager.create(relative, CgroupResources.none()))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("cgroup path");
        assertThat(manager.exists(base)).isFalse();
    }

    @Test
    void anEmptyCgroupHasNoProcessesAndKillAllReturnsAtOnce() {
        Cgroup cgroup = manager.create(base, CgroupResources.none());
        assertThat(manager.pids(cgroup)).isEmpty();

        long start = System.nanoTime();
        manager.killAll(cgroup);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
    }

    @Test
    void statsReportZeroForEveryUnavailableField() throws Exception {
        Cgroup cgroup = manager.create(base, CgroupResources.none());
        CgroupStats stats = manager.stats(cgroup);

        assertThat(CgroupStats.FIELDS).containsAll(stats.unavailable());
        for (String field : stats.unavailable()) {
            assertThat(CgroupStats.class.getMethod(field).invoke(stats)).as(field).isEqualTo(0L);
        }
    }

    @Test
    void layoutRootExists() {
        assertThat(Files.isDirectory(manager.layout().root())).isTrue();
    }
}
