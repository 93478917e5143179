package dev.podlab.cli;

import dev.podlab.api.v1.Event;
import dev.podlab.api.v1.EventFilter;
import dev.podlab.api.v1.WatchEventsRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;
import java.util.concurrent.Callable;

@Command(name = "events", description = {"What the engine did: container lifecycle, every engine and shim step "
        + "with its duration, image pulls, repairs at start.", "Replays the recent past, then (with -f) follows."})
final class EventsCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Mixin
    EngineOptions engine;

    @Option(names = {"-f", "--follow"}, description = "Keep printing new events until interrupted.")
    boolean follow;

    @Option(names = {"-c", "--container"}, paramLabel = "ID", description = "Only events of this container (id, prefix or name).")
    String container;

    @Option(names = "--type", paramLabel = "PREFIX", description = "Only events whose type starts so, e.g. container. or step.")
    String type;

    @Option(names = "--steps", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Include engine and shim steps (default: yes; --no-steps for lifecycle only).")
    boolean steps;

    @Option(names = "--since", paramLabel = "DURATION", description = "Only events of the last DURATION, e.g. 10m.")
    String since;

    @Option(names = {"-o", "--output"}, description = "text or json (one object per line) (default ${DEFAULT-VALUE}).")
    String output = "text";

    @Override
    public Integer call() {
        Output.check(output, "show events", "text", "json");
        var filter = EventFilter.newBuilder();
        if (container != null) {
            filter.setObjectId(container);
        }
        if (type != null) {
            filter.setTypePrefix(type);
        }
        if (since != null) {
            long nanos = dev.podlab.core.config.DurationText.parse(since).toNanos();
            filter.setSince(System.currentTimeMillis() * 1_000_000L - nanos);
        }
        Iterator<Event> events = engine.client().events().watch(WatchEventsRequest.newBuilder().setFilter(filter)
                .setReplay(true).setFollow(follow).build());
        while (events.hasNext()) {
            Event e = events.next();
            if (!steps && e.getType().equals("step")) {
                continue;
            }
            if (output.equals("json")) {
                System.out.println(Output.tree(e));
            } else {
                System.out.println(line(e));
            }
            System.out.flush();
        }
        return 0;
    }

    static String line(Event e) {
        String object = e.getObjectId().isEmpty() ? e.getObjectKind()
                : e.getObjectKind() + " " + (e.getObjectName().isEmpty() ? shortId(e.getObjectId()) : e.getObjectName());
        String what = e.getType().equals("step")
                ? e.getAttributesOrDefault("source", "") + " " + e.getStep()
                + (e.getDurationNanos() > 0 ? " (" + Durations.precise(e.getDurationNanos()) + ")" : "")
                : e.getType();
        return TIME.format(Instant.ofEpochSecond(0, e.getTime())) + "  " + pad(object, 22) + "  " + pad(what, 34)
                + "  " + e.getDetail();
    }

    private static String shortId(String id) {
        return id.length() > 12 && !id.contains(":") ? id.substring(0, 12) : id;
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
