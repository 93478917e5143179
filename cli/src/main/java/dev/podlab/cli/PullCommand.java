package dev.podlab.cli;

import dev.podlab.api.Bytes;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.registry.PullEvent;
import dev.podlab.core.image.registry.PullListener;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "pull", description = "Pull an image from a registry (OCI distribution / Docker Registry v2).")
final class PullCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(paramLabel = "IMAGE", description = "Reference, e.g. localhost:5000/demo:v1 or busybox@sha256:...")
    String image;

    @Option(names = "--mirror", paramLabel = "REGISTRY=URL",
            description = "Try URL before REGISTRY (repeatable, in order), e.g. docker.io=http://127.0.0.1:5000.")
    List<String> mirrors = new ArrayList<>();

    @Option(names = "--insecure-registry", paramLabel = "HOST", description = "Use plain HTTP for HOST (loopback always is).")
    List<String> insecure = new ArrayList<>();

    @Override
    public Integer call() {
        var images = engine.images();
        var settings = images.registries().toBuilder();
        for (String m : mirrors) {
            int eq = m.indexOf('=');
            if (eq <= 0 || eq == m.length() - 1) {
                throw new ImageException("failed to parse --mirror \"" + m + "\": expected REGISTRY=URL");
            }
            settings.mirror(m.substring(0, eq), m.substring(eq + 1));
        }
        insecure.forEach(settings::insecure);
        ImageRecord r = images.pull(image, settings.build(), new Progress(System.out));
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
                case PullEvent.EndpointUsed u when u.endpoint().mirror() && u.what().startsWith("manifest") ->
                        out.println("mirror " + u.endpoint().base() + " serves " + u.what());
                case PullEvent.Finished f -> out.printf("pulled %s: %s downloaded in %d ms%n", f.image().reference(),
                        Bytes.human(f.downloaded()), f.took().toMillis());
                default -> {
                    // Progress ticks and endpoint notes would flood a line-oriented log.
                }
            }
        }
    }
}
