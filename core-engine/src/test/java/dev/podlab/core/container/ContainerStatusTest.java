package dev.podlab.core.container;

import dev.podlab.core.container.ContainerStatus.Operation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static dev.podlab.core.container.ContainerStatus.CREATED;
import static dev.podlab.core.container.ContainerStatus.EXITED;
import static dev.podlab.core.container.ContainerStatus.RUNNING;
import static dev.podlab.core.container.ContainerStatus.UNKNOWN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The whole state x operation table, written out so a change to the machine is a visible diff. */
class ContainerStatusTest {
    private static final Set<String> ALLOWED = Set.of(
            "CREATED START", "CREATED STOP", "CREATED KILL", "CREATED FORCE_REMOVE", "CREATED WAIT", "CREATED LOGS",
            "CREATED INSPECT",
            "RUNNING STOP", "RUNNING KILL", "RUNNING EXEC", "RUNNING FORCE_REMOVE", "RUNNING WAIT", "RUNNING LOGS",
            "RUNNING INSPECT", "RUNNING REOPEN_LOG",
            "EXITED STOP", "EXITED REMOVE", "EXITED FORCE_REMOVE", "EXITED WAIT", "EXITED LOGS", "EXITED INSPECT",
            "UNKNOWN STOP", "UNKNOWN REMOVE", "UNKNOWN FORCE_REMOVE", "UNKNOWN LOGS", "UNKNOWN INSPECT");

    static Stream<Arguments> table() {
        List<Arguments> all = new ArrayList<>();
        for (ContainerStatus s : ContainerStatus.values()) {
            for (Operation op : Operation.values()) {
                all.add(Arguments.of(s, op, ALLOWED.contains(s + " " + op)));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("table")
    void everyStateOperationPairIsDecided(ContainerStatus state, Operation op, boolean allowed) {
        assertThat(state.allows(op)).isEqualTo(allowed);
        if (allowed) {
            assertThatCode(() -> state.check(op, "web")).doesNotThrowAnyException();
        } else {
            assertThatThrownBy(() -> state.check(op, "web"))
                    .isInstanceOf(ContainerException.class)
                    .hasMessageStartingWith("failed to " + op.name().toLowerCase().replace('_', ' ') + " container web: it is "
                            + state.display());
        }
    }

    @org.junit.jupiter.api.Test
    void refusalsExplainWhatToDo() {
        assertThatThrownBy(() -> RUNNING.check(Operation.REMOVE, "web")).hasMessageContaining("stop it first, or force");
        assertThatThrownBy(() -> EXITED.check(Operation.START, "web")).hasMessageContaining("exited containers are not restarted");
        assertThat(List.of(CREATED, RUNNING, EXITED, UNKNOWN)).hasSize(ContainerStatus.values().length);
    }
}
