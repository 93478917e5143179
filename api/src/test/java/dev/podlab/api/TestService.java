package dev.podlab.api;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.server.EngineService;
import dev.podlab.api.v1.DownRequest;
import dev.podlab.core.image.build.SampleImages;
import dev.podlab.core.testing.HostRequirements;
import dev.podlab.core.testing.TestEngine;
import dev.podlab.core.testing.TestPods;

/** An engine service on a fresh test root with the sample images, and a client of it (root only). */
record TestService(TestEngine te, EngineService service, PodlabClient client) {
    static TestService start() throws Exception {
        HostRequirements.requireRoot();
        TestEngine te = TestEngine.open();
        EngineService service = EngineService.start(te.serviceSettings(), te.cgroups);
        SampleImages.ensure(service.images().store(), TestPods.samples());
        return new TestService(te, service, PodlabClient.connect(service.socket()));
    }

    /** Takes {@code pods} down through the engine (sandboxes and cgroups go), then the client, service and root. */
    static void stop(TestService s, String... pods) throws Exception {
        if (s == null) {
            return;
        }
        try (TestEngine t = s.te(); EngineService e = s.service(); PodlabClient c = s.client()) {
            for (String pod : pods) {
                c.pods().down(DownRequest.newBuilder().addPods(pod).setGraceSeconds(0).setHasGrace(true).build());
            }
        }
    }
}
