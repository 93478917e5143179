package dev.podlab.cli;

import dev.podlab.api.client.AttachStream;
import dev.podlab.api.client.RawTerminal;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.util.OptionalInt;
import java.util.concurrent.Callable;

@Command(name = "attach", description = {"Connect to a running container's stdin, stdout and stderr.",
        "Detach with ctrl-p ctrl-q (the container keeps running); its stdin is open when it was created with stdin."})
final class AttachCommand implements Callable<Integer> {
    /** ctrl-p ctrl-q, as docker. */
    static final byte[] DETACH_KEYS = {0x10, 0x11};

    @Mixin
    EngineOptions engine;

    @Option(names = "--no-stdin", description = "Only show output; send nothing.")
    boolean noStdin;

    @Parameters(index = "0", paramLabel = "CONTAINER")
    String container;

    @Override
    public Integer call() throws Exception {
        boolean terminal = System.console() != null && RawTerminal.available();
        try (RawTerminal raw = terminal && !noStdin ? RawTerminal.enter() : null) {
            AttachStream a = AttachStream.open(engine.client(), container, System.out, System.err);
            int[] size = terminal ? RawTerminal.size() : null;
            if (size != null) {
                a.resize(size[0], size[1]);
            }
            if (!noStdin) {
                Thread.ofPlatform().daemon(true).name("attach-stdin").start(() -> pump(System.in, input(a)));
            }
            try (RawTerminal.Subscription resizes = terminal ? RawTerminal.onResize(n -> a.resize(n[0], n[1]))
                    : null) {
                OptionalInt exit = a.await();
                return exit.orElse(0);
            }
        }
    }

    /** Where the keyboard goes (an {@link AttachStream}; a recorder in tests). */
    interface Input {
        void send(byte[] b, int off, int len);

        void closeStdin();

        void detach();
    }

    static Input input(AttachStream a) {
        return new Input() {
            @Override
            public void send(byte[] b, int off, int len) {
                a.send(b, off, len);
            }

            @Override
            public void closeStdin() {
                a.closeStdin();
            }

            @Override
            public void detach() {
                a.detach();
            }
        };
    }

    /** Copies stdin until it ends (then closes the container's input) or the detach keys come (not sent). */
    static void pump(InputStream stdin, Input a) {
        byte[] buf = new byte[8192];
        boolean pending = false; // the first detach key was the last byte read
        try {
            int n;
            while ((n = stdin.read(buf)) > 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (pending && buf[i] == DETACH_KEYS[1]) {
                        if (i > start + 1) {
                            a.send(buf, start, i - 1 - start);
                        }
                        a.detach();
                        return;
                    }
                    if (pending && i == 0) {
                        a.send(DETACH_KEYS, 0, 1); // a lone ctrl-p from the previous read
                    }
                    pending = buf[i] == DETACH_KEYS[0];
                }
                int end = pending ? n - 1 : n;
                if (end > start) {
                    a.send(buf, start, end - start);
                }
            }
            // End of our input: the container's output keeps coming until it exits (ctrl-c leaves).
            a.closeStdin();
        } catch (IOException | RuntimeException e) {
            // The call ended (the container exited) or our stdin broke: nothing more to send.
        }
    }
}
