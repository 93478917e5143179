package dev.podlab.cri.stream;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HttpHeadTest {
    @Test
    void readsTheHeadAndNothingAfterIt() throws IOException {
        InputStream in = new ByteArrayInputStream(("POST /portforward/abc?ports=80,8080&x=a%20b HTTP/1.1\r\n"
                + "Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n"
                + "x-stream-protocol-version: v4.channel.k8s.io, v3.channel.k8s.io\r\n\r\nSPDYBYTES")
                .getBytes(StandardCharsets.ISO_8859_1));
        HttpHead h = HttpHead.read(in);
        assertThat(h.method()).isEqualTo("POST");
        assertThat(h.path()).isEqualTo("/portforward/abc");
        assertThat(h.query()).containsEntry("ports", List.of("80,8080")).containsEntry("x", List.of("a b"));
        assertThat(h.header("UPGRADE")).isEqualTo("SPDY/3.1");
        assertThat(h.headerTokens("x-stream-protocol-version"))
                .containsExactly("portforward.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io");
        assertThat(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1)).isEqualTo("SPDYBYTES");
    }

    @Test
    void refusesWhatIsNotAnHttpHead() {
        assertThatThrownBy(() -> HttpHead.read(new ByteArrayInputStream("GET /\r\n\r\n".getBytes())))
                .hasMessageContaining("bad request line");
        assertThatThrownBy(() -> HttpHead.read(new ByteArrayInputStream("GET / HTTP/1.1\r\nnocolon\r\n\r\n".getBytes())))
                .hasMessageContaining("bad header line");
        assertThatThrownBy(() -> HttpHead.read(new ByteArrayInputStream(("GET / HTTP/1.1\r\nA: "
                + "x".repeat(HttpHead.MAX_HEAD) + "\r\n\r\n").getBytes()))).hasMessageContaining("longer than");
        assertThatThrownBy(() -> HttpHead.read(new ByteArrayInputStream("GET / HTTP/1.1\r\n".getBytes())))
                .hasMessageContaining("closed");
    }
}
