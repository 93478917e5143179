package dev.podlab.core.pod.manifest;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Damaged manifests (every sample and corpus file cut after each line, and with each line's
 * indentation broken) must come back as a result or a located {@link ManifestException}: never an
 * unexpected exception or an "internal error" entry.
 */
class ManifestRobustnessTest {
    @Test
    void truncatedAndMisindentedFilesAreReportedNotCrashedOn() throws IOException {
        List<Path> files = new ArrayList<>();
        for (Path dir : List.of(Path.of("../sample-pods/pods"), Path.of("src/test/resources/manifests/bad"))) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.toString().endsWith(".yaml")).sorted().forEach(files::add);
            }
        }
        int variants = 0;
        for (Path f : files) {
            String[] lines = Files.readString(f).split("\n", -1);
            for (int i = 1; i <= lines.length; i++) {
                check(f + " cut at " + i, String.join("\n", java.util.Arrays.copyOf(lines, i)));
                String[] shifted = lines.clone();
                shifted[i - 1] = " " + shifted[i - 1];
                check(f + " line " + i + " shifted", String.join("\n", shifted));
                variants += 2;
            }
        }
        assertThat(variants).isGreaterThan(500);
    }

    private static void check(String what, String text) {
        Report report;
        try {
            report = ManifestParser.parse("x.yaml", text).report();
        } catch (ManifestException e) {
            report = e.report();
            assertThat(report.errors()).as(what).isNotEmpty();
        }
        assertThat(report.entries()).as(what).noneMatch(e -> e.message().startsWith("internal error"))
                .allMatch(e -> e.location().line() >= 1 && e.location().column() >= 1);
    }
}
