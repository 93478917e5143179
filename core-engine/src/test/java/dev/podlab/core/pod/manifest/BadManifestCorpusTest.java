package dev.podlab.core.pod.manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every file of {@code src/test/resources/manifests/bad} starts with one or more
 * {@code # expect: LINE:COL: field.path: problem-substring} lines (or {@code # expect: LINE:COL: problem}
 * for problems without a path, such as YAML syntax) and must produce exactly those errors, each at
 * that position, and no pods.
 */
class BadManifestCorpusTest {
    private static final Path DIR = Path.of("src/test/resources/manifests/bad");
    private static final Pattern EXPECT = Pattern.compile("# expect: (\\d+):(\\d+): (.*)");

    record Expected(int line, int column, String path, String substring) {}

    static Stream<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void corpusHasAtLeastThirtyFiles() throws IOException {
        assertThat(files().count()).isGreaterThanOrEqualTo(30);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void producesExactlyTheExpectedErrors(Path file) throws IOException {
        String text = Files.readString(file);
        List<Expected> expected = expectations(text);
        assertThat(expected).as("expectations in %s", file).isNotEmpty();
        String name = file.getFileName().toString();

        ManifestException thrown = null;
        try {
            ManifestSet set = ManifestParser.parse(name, text);
            fail("accepted %s with %d pods; report:%n%s", name, set.pods().size(), set.report().format());
        } catch (ManifestException e) {
            thrown = e;
        }
        List<Report.Entry> errors = thrown.report().errors();
        List<String> actual = errors.stream().map(Report.Entry::format).toList();
        assertThat(errors).as("errors of %s:%n%s", name, String.join("\n", actual)).hasSize(expected.size());
        List<Report.Entry> unmatched = new ArrayList<>(errors);
        for (Expected x : expected) {
            Report.Entry match = unmatched.stream().filter(e -> e.location().line() == x.line()
                    && e.location().column() == x.column() && e.path().equals(x.path())
                    && e.message().contains(x.substring())).findFirst().orElse(null);
            assertThat(match).as("%s: no error matching %s among:%n%s", name, x, String.join("\n", actual)).isNotNull();
            assertThat(match.location().source()).isEqualTo(name);
            unmatched.remove(match);
        }
        assertThat(thrown.getMessage()).startsWith("failed to load pod manifest " + name + ": " + expected.size()
                + (expected.size() == 1 ? " error" : " errors"));
    }

    @Test
    void aMissingImageIsLocatedAtItsContainer() {
        String yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: a\n";
        assertThatThrownBy(() -> ManifestParser.parse("x.yaml", yaml)).isInstanceOfSatisfying(ManifestException.class,
                e -> assertThat(e.report().errors()).singleElement().satisfies(err -> {
                    assertThat(err.location()).isEqualTo(new Location("x.yaml", 7, 7));
                    assertThat(err.location()).isNotEqualTo(new Location("x.yaml", 7, 9));
                }));
    }

    static List<Expected> expectations(String text) {
        List<Expected> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = EXPECT.matcher(line);
            if (!m.matches()) {
                break;
            }
            String rest = m.group(3);
            int sep = rest.indexOf(": ");
            String path = "";
            String substring = rest;
            if (sep > 0 && !rest.substring(0, sep).contains(" ")) {
                path = rest.substring(0, sep);
                substring = rest.substring(sep + 2);
            }
            out.add(new Expected(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), path, substring));
        }
        return out;
    }
}
