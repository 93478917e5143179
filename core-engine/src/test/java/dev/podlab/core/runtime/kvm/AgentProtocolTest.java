package dev.podlab.core.runtime.kvm;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AgentProtocolTest {

    @Test
    void requestsEscapeSpacesPercentAndControlBytes() {
        assertThat(AgentProtocol.request("7", "exec", List.of("abc", "a b%c\n", "")))
                .isEqualTo("7 exec abc a%20b%25c%0A %00\n");
    }

    @Test
    void escapingRoundTripsUtf8AndBinary() {
        byte[] data = "grüße\t\u007f%".getBytes(StandardCharsets.UTF_8);
        String wire = AgentProtocol.escape(data);
        assertThat(wire).doesNotContain(" ", "\t", "\n");
        assertThat(AgentProtocol.unescape(wire)).isEqualTo(data);
        assertThat(AgentProtocol.unescape("%00")).isEmpty();
    }

    @Test
    void outputPayloadsCarryNulBytes() {
        AgentProtocol.Reply r = AgentProtocol.parseReply("3 out sleep%00300%00");
        assertThat(r.data()).isEqualTo("sleep\u0000300\u0000".getBytes(StandardCharsets.UTF_8));
        assertThat(AgentProtocol.parseReply("3 out %00").data()).containsExactly(0);
        // In arguments %00 only ever stands alone (the empty token).
        assertThatThrownBy(() -> AgentProtocol.unescape("a%00b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AgentProtocol.unescape("a%2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AgentProtocol.unescape("%zz")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void repliesSplitTagKindAndText() {
        AgentProtocol.Reply ok = AgentProtocol.parseReply("12 ok 83 82");
        assertThat(ok.tag()).isEqualTo("12");
        assertThat(ok.kind()).isEqualTo("ok");
        assertThat(ok.text()).isEqualTo("83 82");
        assertThat(ok.isFinal()).isTrue();
        AgentProtocol.Reply bare = AgentProtocol.parseReply("12 ok");
        assertThat(bare.text()).isEmpty();
        AgentProtocol.Reply step = AgentProtocol.parseReply("4 step clone 1795890506488554087 11602916");
        assertThat(step.isFinal()).isFalse();
        assertThat(KvmRuntime.guestStep(step.text()))
                .extracting("step", "startNanos", "durationNanos", "source")
                .containsExactly("clone", 1795890506488554087L, 11602916L, "guest");
        String utf8 = new String("5 error kein Zugriff auf „x“".getBytes(StandardCharsets.UTF_8),
                StandardCharsets.ISO_8859_1);
        assertThat(AgentProtocol.parseReply(utf8).message()).isEqualTo("kein Zugriff auf „x“");
        assertThat(AgentProtocol.parseReply("garbage")).isNull();
        assertThat(AgentProtocol.parseReply("1 ")).isNull();
    }

    @Test
    void helloNamesProtocolKernelAndBootTime() {
        AgentProtocol.Hello h = AgentProtocol.parseHello("hello 1 6.1.0-56-amd64 1692");
        assertThat(h).isEqualTo(new AgentProtocol.Hello(1, "6.1.0-56-amd64", 1692, List.of()));
        assertThat(h.agentStartMillis()).isEqualTo(-1);
        AgentProtocol.Hello phased = AgentProtocol.parseHello("hello 1 6.1.0-56-amd64 2410 kernel=2100,modules=250,port=3");
        assertThat(phased.phases()).containsExactly(new AgentProtocol.BootPhase("kernel", 2100),
                new AgentProtocol.BootPhase("modules", 250), new AgentProtocol.BootPhase("port", 3));
        assertThat(phased.agentStartMillis()).isEqualTo(2100);
        assertThat(AgentProtocol.parseHello("hello 1 6.1.0-56-amd64 2410 kernel")).isNull();
        assertThat(AgentProtocol.parseHello("hello 1 6.1.0-56-amd64 2410 kernel=x")).isNull();
        assertThat(AgentProtocol.parseHello("hello x y z")).isNull();
        assertThat(AgentProtocol.parseHello("1 ok")).isNull();
    }
}
