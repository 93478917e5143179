package dev.podlab.cri.stream;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.zip.Adler32;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpdyCodecTest {
    /** What one side writes, read back by a codec of its own (each direction has its own zlib context). */
    private static List<SpdyFrame> roundTrip(SpdyFrame... frames) throws IOException {
        var wire = new ByteArrayOutputStream();
        var writer = new SpdyCodec(new ByteArrayInputStream(new byte[0]), wire);
        for (SpdyFrame f : frames) {
            writer.write(f);
        }
        var reader = new SpdyCodec(new ByteArrayInputStream(wire.toByteArray()), new ByteArrayOutputStream());
        var out = new java.util.ArrayList<SpdyFrame>();
        while (true) {
            try {
                out.add(reader.read());
            } catch (EOFException e) {
                return out;
            }
        }
    }

    @Test
    void theDictionaryIsTheSpdy3One() {
        var a = new Adler32();
        a.update(SpdyDictionary.BYTES);
        // The DICTID a SPDY/3 peer's zlib stream announces (and that netty's and Go's dictionaries give).
        assertThat(a.getValue()).isEqualTo(0xe3c6a7c2L);
        assertThat(SpdyDictionary.BYTES).hasSize(1423);
    }

    @Test
    void headerBlocksShareOneCompressionContextPerDirection() throws IOException {
        var frames = roundTrip(
                new SpdyFrame.SynStream(1, 0, 0, 0, Map.of("streamtype", List.of("error"))),
                new SpdyFrame.SynStream(3, 0, 0, 0, Map.of("streamtype", List.of("stdout"), "port", List.of("80"))),
                new SpdyFrame.SynStream(5, 0, 2, SpdyFrame.FLAG_FIN, Map.of("multi", List.of("a", "b"))),
                new SpdyFrame.SynReply(7, 0, Map.of()),
                new SpdyFrame.Headers(9, SpdyFrame.FLAG_FIN, Map.of("x", List.of("y"))));
        assertThat(frames).hasSize(5);
        assertThat(frames.get(0)).isEqualTo(new SpdyFrame.SynStream(1, 0, 0, 0, Map.of("streamtype", List.of("error"))));
        var second = (SpdyFrame.SynStream) frames.get(1);
        assertThat(second.headers()).containsEntry("streamtype", List.of("stdout")).containsEntry("port", List.of("80"));
        var third = (SpdyFrame.SynStream) frames.get(2);
        assertThat(third.priority()).isEqualTo(2);
        assertThat(third.flags()).isEqualTo(SpdyFrame.FLAG_FIN);
        assertThat(third.headers()).containsEntry("multi", List.of("a", "b"));
        assertThat(frames.get(3)).isEqualTo(new SpdyFrame.SynReply(7, 0, Map.of()));
        assertThat(frames.get(4)).isEqualTo(new SpdyFrame.Headers(9, SpdyFrame.FLAG_FIN, Map.of("x", List.of("y"))));
    }

    @Test
    void theFirstHeaderBlockAnnouncesTheDictionary() throws IOException {
        var wire = new ByteArrayOutputStream();
        new SpdyCodec(new ByteArrayInputStream(new byte[0]), wire)
                .write(new SpdyFrame.SynReply(1, 0, Map.of("a", List.of("b"))));
        ByteBuffer b = ByteBuffer.wrap(wire.toByteArray());
        assertThat(b.getInt()).isEqualTo(0x80030002); // control, version 3, SYN_REPLY
        assertThat(b.getInt() & 0xffffff).isEqualTo(wire.size() - 8);
        assertThat(b.getInt()).isEqualTo(1);
        b.get(); // CMF
        assertThat(b.get() & 0x20).as("FDICT").isEqualTo(0x20);
        assertThat(b.getInt()).isEqualTo(0xe3c6a7c2);
    }

    @Test
    void controlAndDataFramesRoundTrip() throws IOException {
        byte[] payload = "hello".getBytes(StandardCharsets.UTF_8);
        var frames = roundTrip(new SpdyFrame.Data(3, SpdyFrame.FLAG_FIN, payload), new SpdyFrame.Ping(7),
                new SpdyFrame.RstStream(5, SpdyFrame.RST_CANCEL), new SpdyFrame.GoAway(9, 0),
                new SpdyFrame.WindowUpdate(3, 65536),
                new SpdyFrame.Settings(Map.of(SpdyFrame.SETTINGS_INITIAL_WINDOW_SIZE, 1024)));
        var data = (SpdyFrame.Data) frames.get(0);
        assertThat(data.streamId()).isEqualTo(3);
        assertThat(data.flags()).isEqualTo(SpdyFrame.FLAG_FIN);
        assertThat(data.data()).isEqualTo(payload);
        assertThat(frames.subList(1, 6)).containsExactly(new SpdyFrame.Ping(7),
                new SpdyFrame.RstStream(5, SpdyFrame.RST_CANCEL), new SpdyFrame.GoAway(9, 0),
                new SpdyFrame.WindowUpdate(3, 65536),
                new SpdyFrame.Settings(Map.of(SpdyFrame.SETTINGS_INITIAL_WINDOW_SIZE, 1024)));
    }

    @Test
    void malformedInputIsRefused() {
        // SPDY/2 control frame.
        byte[] v2 = ByteBuffer.allocate(12).putInt(0x80020006).putInt(4).putInt(1).array();
        assertThatThrownBy(() -> new SpdyCodec(new ByteArrayInputStream(v2), new ByteArrayOutputStream()).read())
                .isInstanceOf(IOException.class).hasMessageContaining("version 2");
        // A frame claiming 16 MiB.
        byte[] huge = ByteBuffer.allocate(8).putInt(1).putInt(0xffffff).array();
        assertThatThrownBy(() -> new SpdyCodec(new ByteArrayInputStream(huge), new ByteArrayOutputStream()).read())
                .isInstanceOf(IOException.class).hasMessageContaining("length");
        // A header block that is not zlib.
        byte[] junk = ByteBuffer.allocate(16).putInt(0x80030002).putInt(8).putInt(1).putInt(0x12345678).array();
        assertThatThrownBy(() -> new SpdyCodec(new ByteArrayInputStream(junk), new ByteArrayOutputStream()).read())
                .isInstanceOf(IOException.class).hasMessageStartingWith("failed to read SPDY headers");
        // A truncated frame.
        byte[] cut = ByteBuffer.allocate(10).putInt(1).putInt(10).put((byte) 1).put((byte) 2).array();
        assertThatThrownBy(() -> new SpdyCodec(new ByteArrayInputStream(cut), new ByteArrayOutputStream()).read())
                .isInstanceOf(EOFException.class);
    }
}
