package dev.podlab.api.client.h2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decoder against Netty's HPACK encoder (the one the engine's server uses): same fields out as went in. */
class HpackDecoderTest {

    @Test
    void decodesWhatNettyEncodesWithHuffmanIndexingAndEviction() throws Exception {
        Random random = new Random(7);
        // Threshold 0: Netty Huffman-codes every string where that is shorter; 4096-byte table with evictions.
        var encoder = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, false, 16, 0);
        var decoder = new HpackDecoder(4096, 1 << 20);
        for (int block = 0; block < 200; block++) {
            List<HpackDecoder.Field> expected = new ArrayList<>();
            var headers = new DefaultHttp2Headers(false);
            if (block % 3 == 0) {
                headers.status("200");
                expected.add(new HpackDecoder.Field(":status", "200"));
            }
            int n = 1 + random.nextInt(8);
            for (int i = 0; i < n; i++) {
                String name = "x-" + (char) ('a' + random.nextInt(6)) + random.nextInt(block % 5 + 1);
                String value = randomValue(random, random.nextInt(block % 7 == 0 ? 900 : 60));
                headers.add(name, value);
                expected.add(new HpackDecoder.Field(name, value));
            }
            ByteBuf out = Unpooled.buffer();
            encoder.encodeHeaders(1 + 2 * block, headers, out);
            byte[] bytes = new byte[out.readableBytes()];
            out.readBytes(bytes);
            assertEquals(expected, decoder.decode(bytes, bytes.length), "block " + block);
        }
    }

    @Test
    void everyByteValueSurvivesHuffmanCoding() throws Exception {
        var encoder = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, false, 16, 0);
        // Each byte once, padded with a frequent letter so that the coded form is shorter and Netty uses it.
        byte[] all = new byte[256 + 4000];
        for (int i = 0; i < all.length; i++) {
            all[i] = i < 256 ? (byte) i : (byte) 'e';
        }
        String value = new String(all, StandardCharsets.ISO_8859_1);
        var headers = new DefaultHttp2Headers(false);
        headers.add("grpc-status-details-bin", value);
        ByteBuf out = Unpooled.buffer();
        encoder.encodeHeaders(1, headers, out);
        byte[] bytes = new byte[out.readableBytes()];
        out.readBytes(bytes);
        assertTrue(bytes.length < all.length, "Huffman-coded: " + bytes.length);
        var fields = new HpackDecoder(4096, 1 << 20).decode(bytes, bytes.length);
        assertArrayEquals(all, fields.get(0).value().getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void malformedBlocksAreRefusedWithAReason() {
        var d = new HpackDecoder(4096, 1 << 20);
        assertEquals("header table index 0", assertThrows(HpackException.class,
                () -> d.decode(new byte[] {(byte) 0x80}, 1)).getMessage());
        assertTrue(assertThrows(HpackException.class, () -> d.decode(new byte[] {(byte) 0xbf}, 1)).getMessage()
                .contains("beyond the table"));
        // Literal, new name, length 10 but only 2 bytes follow.
        assertTrue(assertThrows(HpackException.class, () -> d.decode(new byte[] {0x00, 0x0a, 'a', 'b'}, 4))
                .getMessage().contains("past the end"));
        // Table size update above what this side announced.
        assertTrue(assertThrows(HpackException.class, () -> d.decode(new byte[] {0x3f, (byte) 0xe1, 0x7f}, 3))
                .getMessage().contains("above the announced"));
        // Huffman string of one byte 0x00: 8 zero bits are no code's prefix padding (padding must be ones).
        assertThrows(HpackException.class, () -> d.decode(new byte[] {0x00, (byte) 0x81, 0x00, 0x00}, 4));
    }

    @Test
    void headerListsAboveTheLimitAreRefused() {
        var d = new HpackDecoder(4096, 100);
        byte[] block = new HpackEncoder().field("x-big", "v".repeat(100)).toByteArray();
        assertTrue(assertThrows(HpackException.class, () -> d.decode(block, block.length)).getMessage()
                .contains("larger than 100"));
    }

    @Test
    void theEncodersLiteralsDecodeToTheSameFields() throws Exception {
        byte[] block = new HpackEncoder().indexed(3).indexed(6).field(":path", "/podlab.v1.Containers/List")
                .field("x-long", "y".repeat(300)).toByteArray();
        assertEquals(List.of(new HpackDecoder.Field(":method", "POST"), new HpackDecoder.Field(":scheme", "http"),
                new HpackDecoder.Field(":path", "/podlab.v1.Containers/List"), new HpackDecoder.Field("x-long",
                        "y".repeat(300))), new HpackDecoder(4096, 1 << 20).decode(block, block.length));
    }

    private static String randomValue(Random random, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append((char) (random.nextInt(10) == 0 ? random.nextInt(256) : 0x20 + random.nextInt(0x5f)));
        }
        return sb.toString();
    }
}
