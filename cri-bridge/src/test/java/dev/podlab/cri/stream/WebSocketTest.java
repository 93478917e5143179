package dev.podlab.cri.stream;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WebSocketTest {
    /** A client frame: masked, as RFC 6455 requires of clients. */
    private static byte[] clientFrame(boolean fin, int op, byte[] payload) {
        var b = new ByteArrayOutputStream();
        b.write((fin ? 0x80 : 0) | op);
        if (payload.length < 126) {
            b.write(0x80 | payload.length);
        } else {
            b.write(0x80 | 126);
            b.write(payload.length >>> 8);
            b.write(payload.length);
        }
        byte[] mask = {0x11, 0x22, 0x33, 0x44};
        b.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            b.write(payload[i] ^ mask[i & 3]);
        }
        return b.toByteArray();
    }

    @Test
    void acceptKeyIsTheRfcExample() {
        assertThat(WebSocket.accept("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void messagesAreUnmaskedJoinedAndPingsAnswered() throws IOException {
        var in = new ByteArrayOutputStream();
        in.writeBytes(clientFrame(true, WebSocket.OP_BINARY, new byte[] {0, 'h', 'i'}));
        in.writeBytes(clientFrame(false, WebSocket.OP_BINARY, new byte[] {1, 'a'}));
        in.writeBytes(clientFrame(true, WebSocket.OP_PING, "p".getBytes(StandardCharsets.UTF_8)));
        in.writeBytes(clientFrame(true, WebSocket.OP_CONT, new byte[200]));
        in.writeBytes(clientFrame(true, WebSocket.OP_CLOSE, new byte[] {0x03, (byte) 0xe8}));
        var out = new ByteArrayOutputStream();
        List<byte[]> got = new ArrayList<>();
        new WebSocket(new ByteArrayInputStream(in.toByteArray()), out).serve(got::add);
        assertThat(got).hasSize(2);
        assertThat(got.get(0)).containsExactly(0, 'h', 'i');
        assertThat(got.get(1)).hasSize(202).startsWith(1, 'a');
        byte[] sent = out.toByteArray();
        // pong "p" (unmasked), then close 1000
        assertThat(sent).startsWith(0x8a, 0x01, 'p', 0x88, 0x02, 0x03, (byte) 0xe8);
    }

    @Test
    void unmaskedClientFramesCloseTheConnection() throws IOException {
        var out = new ByteArrayOutputStream();
        List<byte[]> got = new ArrayList<>();
        new WebSocket(new ByteArrayInputStream(new byte[] {(byte) 0x82, 0x01, 0x00}), out).serve(got::add);
        assertThat(got).isEmpty();
        assertThat(ByteBuffer.wrap(out.toByteArray(), 2, 2).getShort()).isEqualTo((short) 1002);
    }

    @Test
    void serverFramesUseTheThreeLengthForms() throws IOException {
        var out = new ByteArrayOutputStream();
        var ws = new WebSocket(new ByteArrayInputStream(new byte[0]), out);
        ws.sendBinary(new byte[5]);
        ws.sendBinary(new byte[300]);
        ws.sendBinary(new byte[70_000]);
        ByteBuffer b = ByteBuffer.wrap(out.toByteArray());
        assertThat(b.get()).isEqualTo((byte) 0x82);
        assertThat(b.get()).isEqualTo((byte) 5);
        b.position(b.position() + 5);
        assertThat(b.get()).isEqualTo((byte) 0x82);
        assertThat(b.get()).isEqualTo((byte) 126);
        assertThat(b.getShort() & 0xffff).isEqualTo(300);
        b.position(b.position() + 300);
        assertThat(b.get()).isEqualTo((byte) 0x82);
        assertThat(b.get()).isEqualTo((byte) 127);
        assertThat(b.getLong()).isEqualTo(70_000);
        assertThat(b.remaining()).isEqualTo(70_000);
    }
}
