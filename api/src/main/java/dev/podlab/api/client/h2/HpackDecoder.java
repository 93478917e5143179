package dev.podlab.api.client.h2;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes HTTP/2 header blocks (RFC 7541): the static table, a dynamic table bounded by the size this side
 * announced, Huffman-coded strings. One instance per connection, fed every header block in order, since the
 * dynamic table is shared state between the peer's encoder and this decoder.
 */
final class HpackDecoder {
    /** One decoded field; names and values keep their bytes as ISO-8859-1 characters. */
    record Field(String name, String value) {}

    private static final String[][] STATIC = {
            {":authority", ""}, {":method", "GET"}, {":method", "POST"}, {":path", "/"}, {":path", "/index.html"},
            {":scheme", "http"}, {":scheme", "https"}, {":status", "200"}, {":status", "204"}, {":status", "206"},
            {":status", "304"}, {":status", "400"}, {":status", "404"}, {":status", "500"}, {"accept-charset", ""},
            {"accept-encoding", "gzip, deflate"}, {"accept-language", ""}, {"accept-ranges", ""}, {"accept", ""},
            {"access-control-allow-origin", ""}, {"age", ""}, {"allow", ""}, {"authorization", ""},
            {"cache-control", ""}, {"content-disposition", ""}, {"content-encoding", ""}, {"content-language", ""},
            {"content-length", ""}, {"content-location", ""}, {"content-range", ""}, {"content-type", ""},
            {"cookie", ""}, {"date", ""}, {"etag", ""}, {"expect", ""}, {"expires", ""}, {"from", ""}, {"host", ""},
            {"if-match", ""}, {"if-modified-since", ""}, {"if-none-match", ""}, {"if-range", ""},
            {"if-unmodified-since", ""}, {"last-modified", ""}, {"link", ""}, {"location", ""}, {"max-forwards", ""},
            {"proxy-authenticate", ""}, {"proxy-authorization", ""}, {"range", ""}, {"referer", ""}, {"refresh", ""},
            {"retry-after", ""}, {"server", ""}, {"set-cookie", ""}, {"strict-transport-security", ""},
            {"transfer-encoding", ""}, {"user-agent", ""}, {"vary", ""}, {"via", ""}, {"www-authenticate", ""},
    };

    /** Per-entry overhead counted in the table size (section 4.1). */
    private static final int ENTRY_OVERHEAD = 32;

    private final int maxTableSizeLimit;
    private final int maxHeaderListSize;
    private final ArrayDeque<Field> dynamic = new ArrayDeque<>();
    private int tableSize;
    private int maxTableSize;

    /**
     * @param maxTableSizeLimit the SETTINGS_HEADER_TABLE_SIZE this side announced: the peer may not ask for more
     * @param maxHeaderListSize the largest decoded block accepted (names + values + 32 per field)
     */
    HpackDecoder(int maxTableSizeLimit, int maxHeaderListSize) {
        this.maxTableSizeLimit = maxTableSizeLimit;
        this.maxTableSize = maxTableSizeLimit;
        this.maxHeaderListSize = maxHeaderListSize;
    }

    List<Field> decode(byte[] block, int length) throws HpackException {
        List<Field> fields = new ArrayList<>();
        int[] pos = {0};
        int listSize = 0;
        boolean fieldSeen = false;
        while (pos[0] < length) {
            int b = block[pos[0]] & 0xff;
            Field f;
            if ((b & 0x80) != 0) {
                f = entry(integer(block, length, pos, 7));
            } else if ((b & 0xc0) == 0x40) {
                f = literal(block, length, pos, 6);
                add(f);
            } else if ((b & 0xe0) == 0x20) {
                if (fieldSeen) {
                    throw new HpackException("dynamic table size update after a header field");
                }
                int size = integer(block, length, pos, 5);
                if (size > maxTableSizeLimit) {
                    throw new HpackException("dynamic table size " + size + " above the announced " + maxTableSizeLimit);
                }
                maxTableSize = size;
                evict(0);
                continue;
            } else {
                // 0000xxxx: without indexing; 0001xxxx: never indexed. Neither touches the table.
                f = literal(block, length, pos, 4);
            }
            fieldSeen = true;
            listSize += f.name().length() + f.value().length() + ENTRY_OVERHEAD;
            if (listSize > maxHeaderListSize) {
                throw new HpackException("header list larger than " + maxHeaderListSize + " bytes");
            }
            fields.add(f);
        }
        return fields;
    }

    private Field literal(byte[] block, int length, int[] pos, int prefix) throws HpackException {
        int index = integer(block, length, pos, prefix);
        String name = index == 0 ? string(block, length, pos) : entry(index).name();
        return new Field(name, string(block, length, pos));
    }

    private Field entry(int index) throws HpackException {
        if (index <= 0) {
            throw new HpackException("header table index 0");
        }
        if (index <= STATIC.length) {
            return new Field(STATIC[index - 1][0], STATIC[index - 1][1]);
        }
        int d = index - STATIC.length - 1;
        if (d >= dynamic.size()) {
            throw new HpackException("header table index " + index + " beyond the table (" + dynamic.size()
                    + " dynamic entries)");
        }
        var it = dynamic.iterator();
        for (int i = 0; i < d; i++) {
            it.next();
        }
        return it.next();
    }

    private void add(Field f) {
        int size = f.name().length() + f.value().length() + ENTRY_OVERHEAD;
        if (size > maxTableSize) {
            // Section 4.4: an entry larger than the table empties it and is not added.
            dynamic.clear();
            tableSize = 0;
            return;
        }
        evict(size);
        dynamic.addFirst(f);
        tableSize += size;
    }

    private void evict(int room) {
        while (tableSize + room > maxTableSize && !dynamic.isEmpty()) {
            Field old = dynamic.removeLast();
            tableSize -= old.name().length() + old.value().length() + ENTRY_OVERHEAD;
        }
    }

    /** An integer with an N-bit prefix (section 5.1); the prefix bits are the low bits of the current byte. */
    static int integer(byte[] block, int length, int[] pos, int prefix) throws HpackException {
        int max = (1 << prefix) - 1;
        int value = block[pos[0]++] & max;
        if (value < max) {
            return value;
        }
        for (int shift = 0; ; shift += 7) {
            if (pos[0] >= length) {
                throw new HpackException("truncated integer");
            }
            if (shift > 21) {
                throw new HpackException("integer too large");
            }
            int b = block[pos[0]++] & 0xff;
            value += (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
    }

    private static String string(byte[] block, int length, int[] pos) throws HpackException {
        if (pos[0] >= length) {
            throw new HpackException("truncated string");
        }
        boolean huffman = (block[pos[0]] & 0x80) != 0;
        int len = integer(block, length, pos, 7);
        if (len > length - pos[0]) {
            throw new HpackException("string of " + len + " bytes past the end of the block");
        }
        int start = pos[0];
        pos[0] += len;
        if (huffman) {
            return new String(Huffman.decode(block, start, len), StandardCharsets.ISO_8859_1);
        }
        return new String(block, start, len, StandardCharsets.ISO_8859_1);
    }
}
