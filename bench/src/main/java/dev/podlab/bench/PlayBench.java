package dev.podlab.bench;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.DownRequest;
import dev.podlab.api.v1.ListContainersRequest;
import dev.podlab.api.v1.PlayRequest;
import dev.podlab.api.v1.VersionRequest;
import dev.podlab.core.config.EngineSettingsLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Time inside the engine, without CLI start: one client JVM, warmed up, then N rounds of Play (waiting until
 * every container runs) and Down of the same manifest, and N in-process-client API round trips (Version and
 * List). Prints medians in milliseconds; scripts/bench cli runs it next to podman in the same run.
 *
 * <p>Arguments: MANIFEST ROUNDS.
 */
public final class PlayBench {
    private PlayBench() {}

    public static void main(String[] args) throws Exception {
        Path manifest = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        String text = Files.readString(manifest);
        try (PodlabClient c = PodlabClient.connectOrStart(EngineSettingsLoader.loadDefault(), null)) {
            List<Double> play = new ArrayList<>();
            List<Double> down = new ArrayList<>();
            for (int i = -2; i < rounds; i++) {
                long t0 = System.nanoTime();
                var r = c.pods().play(PlayRequest.newBuilder().setSource(manifest.toString()).setManifest(text)
                        .setWait(true).build());
                long t1 = System.nanoTime();
                if (!r.getPods(0).getReady().equals(r.getPods(0).getContainersCount() + "/" + r.getPods(0).getContainersCount())
                        && !r.getPods(0).getPhase().equals("Running")) {
                    throw new IllegalStateException("pod did not start: " + r.getPods(0));
                }
                c.pods().down(DownRequest.newBuilder().addPods(r.getPods(0).getId()).setGraceSeconds(0).setHasGrace(true).build());
                long t2 = System.nanoTime();
                if (i >= 0) {
                    play.add((t1 - t0) / 1e6);
                    down.add((t2 - t1) / 1e6);
                }
            }
            List<Double> version = new ArrayList<>();
            List<Double> list = new ArrayList<>();
            for (int i = -50; i < 200; i++) {
                long t0 = System.nanoTime();
                c.engine().version(VersionRequest.getDefaultInstance());
                long t1 = System.nanoTime();
                c.containers().list(ListContainersRequest.newBuilder().setAll(true).build());
                long t2 = System.nanoTime();
                if (i >= 0) {
                    version.add((t1 - t0) / 1e6);
                    list.add((t2 - t1) / 1e6);
                }
            }
            System.out.printf("engine play (until running) median %.1f ms%n", median(play));
            System.out.printf("engine down (grace 0) median %.1f ms%n", median(down));
            System.out.printf("api Version round trip median %.3f ms%n", median(version));
            System.out.printf("api Containers.List round trip median %.3f ms%n", median(list));
        }
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
