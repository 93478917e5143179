package dev.podlab.api.view;

import dev.podlab.api.v1.ReportEntry;
import dev.podlab.api.v1.ValidateResponse;
import dev.podlab.api.view.YamlTokens.Span;
import dev.podlab.api.view.YamlTokens.Style;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ManifestEditorModelTest {
    private static ReportEntry entry(String severity, int line, String message) {
        return ReportEntry.newBuilder().setSeverity(severity).setLocation("pod.yaml:" + line + ":3").setLine(line)
                .setColumn(3).setPath("spec.x").setMessage(message).build();
    }

    @Test
    void problemsAreKeptByLineAndAStaleAnswerIsDropped() {
        var m = new ManifestEditorModel(Dispatcher.direct());
        long v1 = m.open("pod.yaml", "kind: Pod\n");
        assertThat(m.dirty()).isFalse();
        long v2 = m.edit("kind: Pod\nspec: 1\n");
        assertThat(v2).isGreaterThan(v1);
        assertThat(m.dirty()).isTrue();
        assertThat(m.summary()).isEqualTo("checking...");
        // The answer for the first text comes late: it must not mark the current one.
        m.validated(v1, ValidateResponse.newBuilder().setValid(true).build());
        assertThat(m.upToDate()).isFalse();
        m.validated(v2, ValidateResponse.newBuilder().setValid(false).addReport(entry("WARNING", 2, "odd"))
                .addReport(entry("ERROR", 2, "spec must be a mapping")).addReport(entry("NOTE", 1, "fyi")).build());
        assertThat(m.upToDate()).isTrue();
        assertThat(m.valid()).isFalse();
        assertThat(m.errorCount()).isEqualTo(1);
        assertThat(m.severityByLine()).isEqualTo(Map.of(1, "NOTE", 2, "ERROR"));
        assertThat(m.problems().get(1).format()).isEqualTo("2:3 ERROR spec.x: spec must be a mapping");
        assertThat(m.summary()).isEqualTo("1 error, 2 warnings or notes");
        assertThat(m.edit("kind: Pod\nspec: 1\n")).as("the same text is no edit").isEqualTo(v2);
        m.saved("/tmp/pod.yaml");
        assertThat(m.dirty()).isFalse();
        assertThat(m.file()).isEqualTo("/tmp/pod.yaml");
    }

    @Test
    void locationsWithoutLineFieldsAreReadFromTheText() {
        var m = new ManifestEditorModel(Dispatcher.direct());
        long v = m.open("", "x");
        m.validated(v, ValidateResponse.newBuilder().addReport(ReportEntry.newBuilder().setSeverity("ERROR")
                .setLocation("dir/a:b.yaml:7:5").setMessage("bad")).build());
        assertThat(m.problems().get(0).line()).isEqualTo(7);
        assertThat(m.problems().get(0).column()).isEqualTo(5);
    }

    @Test
    void aValidManifestNamesItsPodsAndAFailedCheckSaysWhy() {
        var m = new ManifestEditorModel(Dispatcher.direct());
        long v = m.open("a.yaml", "...");
        m.validated(v, ValidateResponse.newBuilder().setValid(true).addPods("default/web").build());
        assertThat(m.valid()).isTrue();
        assertThat(m.summary()).isEqualTo("valid: default/web");
        long v2 = m.edit("other");
        m.validationFailed(v2, "failed to reach the podlab engine");
        assertThat(m.summary()).isEqualTo("cannot validate: failed to reach the podlab engine");
        assertThat(m.problems()).isEmpty();
    }

    private static List<Style> styles(String line) {
        return YamlTokens.spans(line).stream().map(Span::style).toList();
    }

    @Test
    void yamlLinesSplitIntoKeysValuesCommentsAndDashes() {
        assertThat(styles("  name: web # the pod")).containsExactly(Style.PLAIN, Style.KEY, Style.PUNCT, Style.PLAIN,
                Style.STRING, Style.COMMENT);
        assertThat(styles("- image: \"busybox:1\"")).containsExactly(Style.PUNCT, Style.PLAIN, Style.KEY, Style.PUNCT,
                Style.PLAIN, Style.STRING);
        assertThat(styles("    replicas: 3")).endsWith(Style.NUMBER);
        assertThat(styles("---")).containsExactly(Style.DOCUMENT);
        assertThat(styles("# only a comment")).containsExactly(Style.COMMENT);
        // A colon inside a value (an image tag, a URL) is not a key.
        assertThat(styles("  - http://x:80/a")).containsExactly(Style.PLAIN, Style.PUNCT, Style.PLAIN, Style.STRING);
        // Spans cover the line exactly, in order.
        String line = "  command: [\"sh\", \"-c\"]  # run";
        List<Span> spans = YamlTokens.spans(line);
        int at = 0;
        for (Span s : spans) {
            assertThat(s.start()).isEqualTo(at);
            at = s.end();
        }
        assertThat(at).isEqualTo(line.length());
    }
}
