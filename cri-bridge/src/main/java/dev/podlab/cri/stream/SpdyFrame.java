package dev.podlab.cri.stream;

import java.util.List;
import java.util.Map;

/** SPDY/3 frames (draft-mbelshe-httpbis-spdy-00 section 2), the subset a streaming server meets. */
sealed interface SpdyFrame {
    int FLAG_FIN = 0x01;
    int FLAG_UNIDIRECTIONAL = 0x02;

    int TYPE_SYN_STREAM = 1;
    int TYPE_SYN_REPLY = 2;
    int TYPE_RST_STREAM = 3;
    int TYPE_SETTINGS = 4;
    int TYPE_PING = 6;
    int TYPE_GOAWAY = 7;
    int TYPE_HEADERS = 8;
    int TYPE_WINDOW_UPDATE = 9;

    /** RST_STREAM status codes used here. */
    int RST_PROTOCOL_ERROR = 1;
    int RST_CANCEL = 5;

    record Data(int streamId, int flags, byte[] data) implements SpdyFrame {}

    record SynStream(int streamId, int associatedId, int priority, int flags, Map<String, List<String>> headers)
            implements SpdyFrame {}

    record SynReply(int streamId, int flags, Map<String, List<String>> headers) implements SpdyFrame {}

    record RstStream(int streamId, int status) implements SpdyFrame {}

    /** SETTINGS id of the window a new stream starts with (SPDY/3.1 section 2.6.4.1). */
    int SETTINGS_INITIAL_WINDOW_SIZE = 7;

    /** Settings by id (flags dropped); only INITIAL_WINDOW_SIZE changes what this server does. */
    record Settings(Map<Integer, Integer> values) implements SpdyFrame {
        public Settings {
            values = Map.copyOf(values);
        }
    }

    record Ping(int id) implements SpdyFrame {}

    record GoAway(int lastGoodStreamId, int status) implements SpdyFrame {}

    record Headers(int streamId, int flags, Map<String, List<String>> headers) implements SpdyFrame {}

    record WindowUpdate(int streamId, int delta) implements SpdyFrame {}

    /** A control frame of a type this server does not know: skipped, as the draft says. */
    record Unknown(int type) implements SpdyFrame {}
}
