package dev.podlab.core.cgroup;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.podlab.core.testing.HostRequirements;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The skip-or-fail rule of the shared host prerequisites helper. */
class HostRequirementsTest {

    @Test
    void satisfiedPrerequisitesPass() {
        assertThatCode(() -> HostRequirements.check(true, "anything", true)).doesNotThrowAnyException();
        assertThatCode(() -> HostRequirements.check(true, "anything", false)).doesNotThrowAnyException();
    }

    @Test
    void missingPrerequisiteSkipsOutsideCi() {
        assertThatThrownBy(() -> HostRequirements.check(false, "needs root", false))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("needs root");
    }

    @Test
    void missingPrerequisiteFailsOnCi() {
        assertThatThrownBy(() -> HostRequirements.check(false, "needs root", true))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessage("host prerequisite missing on CI (CI=true): needs root");
    }
}
