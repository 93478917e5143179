package dev.podlab.core.container;

import dev.podlab.core.runtime.AttachSession;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Containers with an open stdin and attach through the real shim (docs/shim.md, {@code attach}). */
@Tag("root")
class AttachTest {
    private static TestEngine t;

    @BeforeAll
    static void open() throws IOException {
        t = TestEngine.open();
    }

    @AfterAll
    static void close() throws IOException {
        if (t != null) {
            t.close();
        }
    }

    /** Collects what an attach session hears. */
    static final class Collector implements AttachSession.Listener {
        final StringBuffer out = new StringBuffer();
        final StringBuffer err = new StringBuffer();
        final CompletableFuture<Optional<ExitRecord>> closed = new CompletableFuture<>();

        @Override
        public void output(boolean stderr, byte[] data) {
            (stderr ? err : out).append(new String(data, StandardCharsets.UTF_8));
        }

        @Override
        public void closed(Optional<ExitRecord> exit) {
            closed.complete(exit);
        }

        void awaitOut(String text) throws InterruptedException {
            long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!out.toString().contains(text)) {
                assertThat(System.nanoTime()).as("waiting for %s in %s", text, out).isLessThan(end);
                Thread.sleep(20);
            }
        }
    }

    private static void send(AttachSession s, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        s.write(b, 0, b.length);
    }

    @Test
    void catEchoesWhatIsWrittenToItsStdinAndTheLogKeepsIt() throws Exception {
        ContainerRecord r = t.engine.create(TestEngine.busybox("cat").stdin(true).build());
        var c = new Collector();
        try (AttachSession s = t.engine.attach(r.id(), c)) {
            t.engine.start(r.id());
            send(s, "hello through the shim\n");
            c.awaitOut("hello through the shim\n");
            // A second client hears the same output.
            var c2 = new Collector();
            try (AttachSession s2 = t.engine.attach(r.id(), c2)) {
                send(s2, "second\n");
                c2.awaitOut("second\n");
                c.awaitOut("second\n");
            }
        }
        assertThat(c.closed.get(5, TimeUnit.SECONDS)).isEmpty(); // detached, not exited
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.readString(t.engine.logPath(r.id())).contains("stdout F second")
                && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertThat(Files.readString(t.engine.logPath(r.id())))
                .contains("stdout F hello through the shim").contains("stdout F second");
        // Detaching without stdinOnce leaves the container running.
        assertThat(t.engine.await(r.id(), Duration.ofMillis(300))).isEmpty();
        t.engine.kill(r.id(), 9);
        assertThat(t.engine.await(r.id(), Duration.ofSeconds(10))).hasValueSatisfying(e -> assertThat(e.signal()).isEqualTo(9));
        assertThatThrownBy(() -> t.engine.attach(r.id(), new Collector())).isInstanceOf(ContainerException.class);
        t.engine.remove(r.id(), true);
    }

    @Test
    void stdinOnceClosesStdinWhenTheFirstClientDetaches() throws Exception {
        ContainerRecord r = t.engine.create(TestEngine.busybox("cat").stdin(true).stdinOnce(true).build());
        var c = new Collector();
        try (AttachSession s = t.engine.attach(r.id(), c)) {
            t.engine.start(r.id());
            send(s, "once\n");
            c.awaitOut("once\n");
        }
        // cat reads end of file and exits 0.
        assertThat(t.engine.await(r.id(), Duration.ofSeconds(20)))
                .hasValueSatisfying(e -> assertThat(e.exitCode()).isZero());
        t.engine.remove(r.id(), true);
    }

    @Test
    void aClientSeesTheExitRecordWhenTheContainerEnds() throws Exception {
        ContainerRecord r = t.engine.create(TestEngine.busybox("sh", "-c", "read x; echo got $x; echo oops >&2; exit 3")
                .stdin(true).build());
        var c = new Collector();
        try (AttachSession s = t.engine.attach(r.id(), c)) {
            t.engine.start(r.id());
            send(s, "it\n");
            Optional<ExitRecord> exit = c.closed.get(20, TimeUnit.SECONDS);
            assertThat(exit).hasValueSatisfying(e -> assertThat(e.exitCode()).isEqualTo(3));
        }
        assertThat(c.out.toString()).isEqualTo("got it\n");
        assertThat(c.err.toString()).isEqualTo("oops\n");
        t.engine.remove(r.id(), true);
    }

    @Test
    void aTerminalTakesInputAndResizes() throws Exception {
        ContainerRecord r = t.engine.create(TestEngine.busybox("sh").terminal(true).stdin(true).build());
        var c = new Collector();
        try (AttachSession s = t.engine.attach(r.id(), c)) {
            t.engine.start(r.id());
            s.resize(33, 101);
            send(s, "stty size; echo $((6*7))\n");
            c.awaitOut("33 101");
            c.awaitOut("42");
            assertThat(c.err.toString()).isEmpty(); // one stream on a terminal
            s.resize(20, 70);
            send(s, "stty size\n");
            c.awaitOut("20 70");
            send(s, "exit 5\n");
            assertThat(c.closed.get(20, TimeUnit.SECONDS)).hasValueSatisfying(e -> assertThat(e.exitCode()).isEqualTo(5));
        }
        t.engine.remove(r.id(), true);
    }
}
