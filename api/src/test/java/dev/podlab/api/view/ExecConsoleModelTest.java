package dev.podlab.api.view;

import dev.podlab.api.view.ExecConsoleModel.Kind;
import dev.podlab.api.view.ExecConsoleModel.Line;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The console's bookkeeping without an engine (EngineFeeds-backed runs are in the GUI tests). */
class ExecConsoleModelTest {
    @Test
    void outputIsCutIntoLinesAcrossChunksPerStream() {
        var m = new ExecConsoleModel(Dispatcher.direct(), 100);
        m.output(Kind.STDOUT, "hel");
        m.output(Kind.STDERR, "warn\n");
        m.output(Kind.STDOUT, "lo\nwor");
        assertThat(m.lines()).containsExactly(new Line(Kind.STDERR, "warn"), new Line(Kind.STDOUT, "hello"));
        assertThat(m.text()).isEqualTo("warn\nhello\n");
    }

    @Test
    void withoutAContainerNothingRunsAndTheConsoleSaysSo() {
        var m = new ExecConsoleModel(Dispatcher.direct(), 100);
        assertThat(m.run(null, "   ")).isFalse();
        assertThat(m.lines()).isEmpty();
        assertThat(m.run(null, "echo hi")).isFalse();
        assertThat(m.lines()).containsExactly(new Line(Kind.STATUS, "no container selected"));
        assertThat(m.running()).isFalse();
    }

    @Test
    void theTranscriptKeepsTheNewestLines() {
        var m = new ExecConsoleModel(Dispatcher.direct(), 3);
        m.output(Kind.STDOUT, "1\n2\n3\n4\n");
        assertThat(m.lines()).extracting(Line::text).containsExactly("2", "3", "4");
        m.clear();
        assertThat(m.lines()).isEmpty();
    }

    @Test
    void historyWalksBackAndForthAndARepeatedCommandMovesToTheEnd() {
        var m = new ExecConsoleModel(Dispatcher.direct(), 100);
        assertThat(m.previous()).isEmpty();
        m.remember("ls");
        m.remember("ps");
        m.remember("id");
        m.remember("ls");
        assertThat(m.previous()).isEqualTo("ls");
        assertThat(m.previous()).isEqualTo("id");
        assertThat(m.previous()).isEqualTo("ps");
        assertThat(m.previous()).as("stays at the oldest").isEqualTo("ps");
        assertThat(m.next()).isEqualTo("id");
        assertThat(m.next()).isEqualTo("ls");
        assertThat(m.next()).as("past the end: an empty line").isEmpty();
    }
}
