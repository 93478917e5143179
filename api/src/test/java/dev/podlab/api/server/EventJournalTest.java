package dev.podlab.api.server;

import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.EventFilter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EventJournalTest {
    @TempDir
    Path dir;

    private static Event.Builder event(String type, String id) {
        return Event.newBuilder().setTime(System.nanoTime()).setType(type).setObjectKind("container").setObjectId(id)
                .setDetail("detail of " + id).putAttributes("source", "test");
    }

    @Test
    void aNewHubReplaysTheLastEngineEventsAndItsSequenceGoesOn() {
        var first = EventJournal.open(dir, 1 << 20, 100);
        EventHub hub = new EventHub(100, first);
        for (int i = 0; i < 5; i++) {
            hub.publish(event("container.created", "c" + i));
        }
        first.journal().close();

        var second = EventJournal.open(dir, 1 << 20, 100);
        assertThat(second.events()).extracting(Event::getObjectId).containsExactly("c0", "c1", "c2", "c3", "c4");
        assertThat(second.events().get(4).getAttributesMap()).containsEntry("source", "test");
        EventHub again = new EventHub(100, second);
        assertThat(again.query(EventFilter.newBuilder().setObjectId("c3").build(), 0)).hasSize(1);
        Event next = again.publish(event("container.started", "c5"));
        assertThat(next.getSeq()).isEqualTo(6);
        second.journal().close();
        assertThat(EventJournal.open(dir, 1 << 20, 3).events()).extracting(Event::getObjectId)
                .containsExactly("c3", "c4", "c5");
    }

    @Test
    void theJournalRotatesAndKeepsTheNewestFilesWorth() throws Exception {
        var opened = EventJournal.open(dir, 2000, 10_000);
        EventHub hub = new EventHub(10_000, opened);
        for (int i = 0; i < 300; i++) {
            hub.publish(event("step", "c" + i));
        }
        opened.journal().close();
        assertThat(Files.size(dir.resolve(EventJournal.FILE))).isLessThanOrEqualTo(2000);
        assertThat(Files.size(dir.resolve(EventJournal.FILE + ".1"))).isLessThanOrEqualTo(2000);
        List<Event> kept = EventJournal.open(dir, 2000, 10_000).events();
        assertThat(kept).isNotEmpty().hasSizeLessThan(300);
        assertThat(kept.get(kept.size() - 1).getObjectId()).isEqualTo("c299");
        // Contiguous: the two files together hold an unbroken run of the newest events.
        for (int i = 1; i < kept.size(); i++) {
            assertThat(kept.get(i).getSeq()).isEqualTo(kept.get(i - 1).getSeq() + 1);
        }
    }

    @Test
    void aTornLastRecordIsCutOffAndWritingGoesOnAfterTheLastWholeOne() throws Exception {
        var opened = EventJournal.open(dir, 1 << 20, 100);
        EventHub hub = new EventHub(100, opened);
        hub.publish(event("container.created", "a"));
        hub.publish(event("container.created", "b"));
        opened.journal().close();
        Path file = dir.resolve(EventJournal.FILE);
        long whole = Files.size(file);
        // A crash in the middle of a write: a length prefix that promises more than follows.
        Files.write(file, new byte[] {(byte) 120, 8, 1, 2}, StandardOpenOption.APPEND);

        var reopened = EventJournal.open(dir, 1 << 20, 100);
        assertThat(reopened.events()).extracting(Event::getObjectId).containsExactly("a", "b");
        assertThat(Files.size(file)).isEqualTo(whole);
        new EventHub(100, reopened).publish(event("container.created", "c"));
        reopened.journal().close();
        assertThat(EventJournal.open(dir, 1 << 20, 100).events()).extracting(Event::getObjectId)
                .containsExactly("a", "b", "c");
    }
}
