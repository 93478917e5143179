package dev.podlab.api.view;

import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.TraceStep;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class EventsModelTest {
    private static Event step(String id, long start, long dur, String step) {
        return Event.newBuilder().setType("step").setObjectKind("container").setObjectId(id).setTime(start)
                .setDurationNanos(dur).setStep(step).putAttributes("source", "shim").build();
    }

    @Test
    void keepsTheNewestAndFilters() {
        var m = new EventsModel(Dispatcher.direct(), 3);
        m.add(Event.newBuilder().setType("container.created").setObjectName("web").build());
        m.addAll(List.of(step("c1", 10, 5, "clone"), step("c1", 20, 0, "exec"),
                Event.newBuilder().setType("container.exited").setObjectName("db").setDetail("exit code 0").build()));
        assertThat(m.total()).isEqualTo(3);
        assertThat(m.visible()).extracting(Event::getType).containsExactly("step", "step", "container.exited");
        m.setFilter("exited db");
        assertThat(m.visible()).hasSize(1);
        m.setFilter("clone");
        assertThat(m.visible()).extracting(Event::getStep).containsExactly("clone");
        assertThat(m.timeline("c1").entries()).extracting(TraceTimeline.Entry::step).containsExactly("clone", "exec");
        m.clear();
        assertThat(m.visible()).isEmpty();
    }

    @Test
    void timelineOffsetsSpanAndBars() {
        var t = TraceTimeline.ofSteps(List.of(
                TraceStep.newBuilder().setStart(1_000).setDurationNanos(500).setSource("engine").setStep("create cgroup").build(),
                TraceStep.newBuilder().setStart(1_500).setDurationNanos(0).setSource("shim").setStep("pivot_root").build(),
                TraceStep.newBuilder().setStart(1_000 + 500).setDurationNanos(500).setSource("shim").setStep("exec").build()));
        assertThat(t.spanNanos()).isEqualTo(1000);
        assertThat(t.entries()).extracting(TraceTimeline.Entry::offsetNanos).containsExactly(0L, 500L, 500L);
        assertThat(t.bar(t.entries().get(0), 10)).isEqualTo("█████     ");
        assertThat(t.bar(t.entries().get(1), 10)).isEqualTo("     │    ");
        assertThat(t.bar(t.entries().get(2), 10)).isEqualTo("     █████");
        assertThat(TraceTimeline.duration(1_500_000)).isEqualTo("1.5 ms");
        assertThat(TraceTimeline.duration(2_500_000_000L)).isEqualTo("2.50 s");
        assertThat(TraceTimeline.ofEvents(List.of()).entries()).isEmpty();
    }
}
