package dev.podlab.cri.stream;

/** The protocol names clients negotiate (X-Stream-Protocol-Version for SPDY, Sec-WebSocket-Protocol). */
final class Protocols {
    /** remotecommand over SPDY: streams error, stdin, stdout, stderr, resize; a metav1.Status on error. */
    static final String REMOTECOMMAND_V4 = "v4.channel.k8s.io";
    static final String CHANNEL_V4 = "v4.channel.k8s.io";
    /** v4 plus the close message (channel 255) a client sends to end its stdin. */
    static final String CHANNEL_V5 = "v5.channel.k8s.io";
    static final String PORTFORWARD = "portforward.k8s.io";

    /** WebSocket channel numbers. */
    static final int STDIN = 0;
    static final int STDOUT = 1;
    static final int STDERR = 2;
    static final int ERROR = 3;
    static final int RESIZE = 4;
    static final int CLOSE = 255;

    private Protocols() {}
}
