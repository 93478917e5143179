package dev.podlab.api.server;

import dev.podlab.core.PodlabException;
import dev.podlab.core.config.EngineSettings;
import dev.podlab.core.testing.TestEngine;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * CRI enabled without the cri-bridge module on the class path (as in this module's tests): the service refuses to
 * start, says why, and leaves nothing behind (lock released, no socket).
 */
@Tag("root")
class EngineExtensionTest {
    @Test
    void criEnabledWithoutTheBridgeFailsClearly() throws Exception {
        try (TestEngine te = TestEngine.open()) {
            EngineSettings s = te.serviceSettings().withOverrides(EngineSettings.Overrides.builder()
                    .criEnabled(true).criSocket(te.root.resolve("cri.sock")).build());
            assertThatThrownBy(() -> EngineService.start(s, te.cgroups))
                    .isInstanceOf(PodlabException.class)
                    .hasMessageContaining("failed to start the CRI bridge on " + te.root.resolve("cri.sock"))
                    .hasMessageContaining("cri-bridge module is not on the class path");
            assertThat(te.root.resolve("podlab.sock")).doesNotExist();
            assertThat(Files.exists(te.root.resolve("cri.sock"))).isFalse();
            // The lock was released: a service without CRI starts on the same root.
            try (EngineService ok = EngineService.start(te.serviceSettings(), te.cgroups)) {
                assertThat(Files.exists(ok.socket())).isTrue();
            }
        }
    }
}
