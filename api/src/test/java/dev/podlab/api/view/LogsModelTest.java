package dev.podlab.api.view;

import com.google.protobuf.ByteString;
import dev.podlab.api.v1.LogEntry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LogsModelTest {
    private static LogEntry e(String text) {
        return LogEntry.newBuilder().setTime(1_000_000_000L).setStream("stdout").setData(ByteString.copyFromUtf8(text)).build();
    }

    @Test
    void followShowsTheNewestAndPartialLinesAreJoined() {
        var m = new LogsModel(Dispatcher.direct(), 100);
        m.appendAll(List.of(e("one\n"), e("two\n"), e("thr").toBuilder().setPartial(true).build(), e("ee\n")));
        assertThat(m.lines()).extracting(LogsModel.Line::text).containsExactly("one", "two", "three");
        assertThat(m.render(20, 2)).containsExactly("two", "three");
        m.append(e("four\n"));
        assertThat(m.render(20, 2)).containsExactly("three", "four");
    }

    @Test
    void pauseFreezesUntilResumedWithEverythingThatArrived() {
        var m = new LogsModel(Dispatcher.direct(), 100);
        m.append(e("a\n"));
        m.togglePause();
        m.append(e("b\n"));
        m.append(e("c\n"));
        assertThat(m.render(10, 5)).containsExactly("a");
        assertThat(m.pendingLines()).isEqualTo(2);
        m.togglePause();
        assertThat(m.render(10, 5)).containsExactly("a", "b", "c");
        assertThat(m.pendingLines()).isZero();
    }

    @Test
    void searchJumpsBetweenMatchesAndStopsFollowing() {
        var m = new LogsModel(Dispatcher.direct(), 100);
        for (int i = 0; i < 20; i++) {
            m.append(e((i % 5 == 0 ? "ERROR " : "ok ") + i + "\n"));
        }
        m.setSearch("error");
        assertThat(m.matches()).containsExactly(0, 5, 10, 15);
        assertThat(m.currentMatchLine()).isEqualTo(15);
        assertThat(m.following()).isFalse();
        m.nextMatch();
        assertThat(m.currentMatchLine()).isZero();
        assertThat(m.render(20, 2)).containsExactly("ERROR 0", "ok 1");
        m.previousMatch();
        assertThat(m.currentMatchLine()).isEqualTo(15);
        m.append(e("another error\n"));
        assertThat(m.matches()).endsWith(20);
        m.setFollow(true);
        assertThat(m.render(20, 1)).containsExactly("another error");
    }

    @Test
    void wrapTimestampsAndCapacity() {
        var m = new LogsModel(Dispatcher.direct(), 3);
        m.append(e("abcdefghij\n"));
        assertThat(m.render(4, 5)).containsExactly("abc…");
        m.toggleWrap();
        assertThat(m.render(4, 5)).containsExactly("abcd", "efgh", "ij");
        m.toggleTimestamps();
        assertThat(m.format(m.lines().get(0))).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} abcdefghij");
        m.append(e("x\n"));
        m.append(e("y\n"));
        m.append(e("z\n"));
        assertThat(m.lines()).extracting(LogsModel.Line::text).containsExactly("x", "y", "z");
        m.append(LogEntry.newBuilder().setStream("stderr").setData(ByteString.copyFromUtf8("bad\n")).build());
        m.toggleTimestamps();
        assertThat(m.format(m.lines().get(2))).isEqualTo("! bad");
        m.scrollBy(-10, 2);
        assertThat(m.following()).isFalse();
        m.scrollBy(10, 2);
        assertThat(m.following()).isTrue();
    }
}
