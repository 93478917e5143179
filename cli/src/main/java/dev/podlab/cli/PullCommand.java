package dev.podlab.cli;

import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.registry.PullEvent;
import dev.podlab.core.image.registry.PullListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.concurrent.Callable;

@Command(name = "pull", description = "Pull an image from a registry (OCI distribution / Docker Registry v2).")
final class PullCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(paramLabel = "IMAGE", description = "Reference, e.g. localhost:5000/demo:v1 or busybox@sha256:...")
    String image;

    @Override
    public Integer call() {
        ImageRecord r = engine.images().pull(image, new Progress(System.out));
        System.out.println(r.reference() + " " + r.id());
        return 0;
    }

    /** One line per layer event: readable in a log and on a terminal alike. Called from download threads. */
    static final class Progress implements PullListener {
        private final PrintStream out;

        Progress(PrintStream out) {
            this.out = out;
        }

        @Override
        public synchronized void onEvent(PullEvent e) {
            switch (e) {
                case PullEvent.Resolved r -> out.println("resolved " + r.reference() + " -> " + r.target().digest()
                        + " (" + r.target().mediaType() + ") from " + r.endpoint().base());
                case PullEvent.PlatformSelected p -> out.println("platform " + p.platform() + ": manifest "
                        + p.manifest().digest());
                case PullEvent.LayerStarted s -> out.printf("layer %d/%d %s  %s  downloading%n", s.index() + 1,
                        s.count(), s.layer().digest().substring(7, 19), Bytes.human(s.layer().size()));
                case PullEvent.LayerPresent s -> out.printf("layer %d %s  %s  already present%n", s.index() + 1,
                        s.digest().shortHex(), Bytes.human(s.size()));
                case PullEvent.LayerDone d -> out.printf("layer %d %s  %s  done in %d ms (digest verified)%n",
                        d.index() + 1, d.digest().shortHex(), Bytes.human(d.size()), d.took().toMillis());
                case PullEvent.EndpointFailed f -> out.println("endpoint " + f.url() + " failed: " + f.reason()
                        + " (trying the next)");
                case PullEvent.Finished f -> out.printf("pulled %s: %s downloaded in %d ms%n", f.image().reference(),
                        Bytes.human(f.downloaded()), f.took().toMillis());
                default -> {
                    // Progress ticks and endpoint notes would flood a line-oriented log.
                }
            }
        }
    }
}
