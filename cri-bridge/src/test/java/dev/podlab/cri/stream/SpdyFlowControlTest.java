package dev.podlab.cri.stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SPDY/3.1 flow control of {@link SpdyConnection} against a peer that keeps windows (a codec of our own on the
 * other end of a loopback socket): sending stops at the peer's stream and session windows and goes on with its
 * WINDOW_UPDATEs; what the peer sends is acknowledged with WINDOW_UPDATEs as it is consumed. A peer that never
 * speaks of windows (kubectl's spdystream) is covered by CriStreamingTest's 10 MiB exec through kubectl.
 */
class SpdyFlowControlTest {
    private static final int OUTPUT = 200 * 1024;

    private ServerSocket listener;
    private Socket client;
    private Socket server;
    private SpdyCodec peer;
    private SpdyConnection conn;
    private final CompletableFuture<SpdyStream> opened = new CompletableFuture<>();

    @BeforeEach
    void connect() throws IOException {
        listener = new ServerSocket();
        listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        server = listener.accept();
        peer = new SpdyCodec(new BufferedInputStream(client.getInputStream()),
                new BufferedOutputStream(client.getOutputStream()));
        conn = new SpdyConnection(new BufferedInputStream(server.getInputStream()),
                new BufferedOutputStream(server.getOutputStream()));
        Thread.ofVirtual().start(() -> {
            try {
                conn.serve(opened::complete);
            } catch (IOException e) {
                // The test closed the sockets.
            }
        });
    }

    @AfterEach
    void close() throws IOException {
        conn.close();
        client.close();
        server.close();
        listener.close();
    }

    private static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + (i >> 8));
        }
        return b;
    }

    /**
     * DATA of stream 1: waits (up to 10 s) for {@code expect} bytes, then takes whatever else comes until 500 ms
     * pass without a frame or FIN; returns the count. Other frames are collected.
     */
    private int readData(ByteArrayOutputStream into, List<SpdyFrame> others, int expect) throws IOException {
        int n = 0;
        try {
            while (true) {
                client.setSoTimeout(n < expect ? 10_000 : 500);
                SpdyFrame f = peer.read();
                if (f instanceof SpdyFrame.Data d && d.streamId() == 1) {
                    into.write(d.data());
                    n += d.data().length;
                    if ((d.flags() & SpdyFrame.FLAG_FIN) != 0) {
                        return n;
                    }
                } else {
                    others.add(f);
                }
            }
        } catch (SocketTimeoutException e) {
            return n;
        }
    }

    @Test
    void sendingStopsAtThePeersWindowsAndGoesOnWithItsUpdates() throws Exception {
        peer.write(new SpdyFrame.Settings(Map.of(SpdyFrame.SETTINGS_INITIAL_WINDOW_SIZE, 16 * 1024)));
        peer.write(new SpdyFrame.SynStream(1, 0, 0, 0, Map.of("streamtype", List.of("stdout"))));
        SpdyStream st = opened.get(10, TimeUnit.SECONDS);
        byte[] payload = pattern(OUTPUT);
        var writer = Thread.ofVirtual().start(() -> {
            try (OutputStream out = st.output()) {
                out.write(payload);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        var got = new ByteArrayOutputStream();
        var others = new java.util.ArrayList<SpdyFrame>();
        // The stream window (16 KiB from SETTINGS) is all that comes.
        assertThat(readData(got, others, 16 * 1024)).isEqualTo(16 * 1024);
        // A bigger stream window: the session's 64 KiB is the limit now.
        peer.write(new SpdyFrame.WindowUpdate(1, 1 << 20));
        assertThat(readData(got, others, 48 * 1024)).isEqualTo(48 * 1024);
        // The session window opens: the rest arrives, in order, then FIN.
        peer.write(new SpdyFrame.WindowUpdate(0, 1 << 20));
        assertThat(readData(got, others, OUTPUT - 64 * 1024)).isEqualTo(OUTPUT - 64 * 1024);
        writer.join(10_000);
        assertThat(writer.isAlive()).isFalse();
        assertThat(got.toByteArray()).isEqualTo(payload);
        assertThat(others).hasSize(1).first().isInstanceOf(SpdyFrame.SynReply.class);
    }

    @Test
    void receivedDataIsAcknowledgedAsItIsConsumed() throws Exception {
        peer.write(new SpdyFrame.SynStream(1, 0, 0, 0, Map.of("streamtype", List.of("stdin"))));
        SpdyStream st = opened.get(10, TimeUnit.SECONDS);
        byte[] payload = pattern(100 * 1024);
        for (int i = 0; i < payload.length; i += 10 * 1024) {
            peer.write(new SpdyFrame.Data(1, 0, java.util.Arrays.copyOfRange(payload, i, i + 10 * 1024)));
        }
        var others = new java.util.ArrayList<SpdyFrame>();
        // Nothing consumed yet: nothing acknowledged.
        readData(new ByteArrayOutputStream(), others, 0);
        assertThat(others).hasSize(1).first().isInstanceOf(SpdyFrame.SynReply.class);
        InputStream in = st.input();
        assertThat(in.readNBytes(payload.length)).isEqualTo(payload);
        readData(new ByteArrayOutputStream(), others, 0);
        // Acknowledged for the stream and for the session, in steps of at least half a window (32 KiB): all of it
        // but what is left under the last half window.
        for (int stream : new int[] {1, 0}) {
            var deltas = others.stream().filter(f -> f instanceof SpdyFrame.WindowUpdate w && w.streamId() == stream)
                    .map(f -> ((SpdyFrame.WindowUpdate) f).delta()).toList();
            assertThat(deltas).as("stream %d", stream).isNotEmpty().allMatch(d -> d >= 32 * 1024);
            assertThat(deltas.stream().mapToInt(Integer::intValue).sum()).as("stream %d", stream)
                    .isBetween(payload.length - 32 * 1024 + 1, payload.length);
        }
        assertThat(others).hasSizeGreaterThan(1).allMatch(f -> f instanceof SpdyFrame.WindowUpdate
                || f instanceof SpdyFrame.SynReply);
        in.close();
    }
}
