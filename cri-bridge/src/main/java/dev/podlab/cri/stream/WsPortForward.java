package dev.podlab.cri.stream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Port forwarding over WebSocket: the ports come from {@code ?ports=a,b} (else the CRI request's); port number i
 * uses channel 2i for data and 2i+1 for errors, and the first message on each carries the port as 2 bytes, little
 * endian. One connection per port for the life of the WebSocket; when all have ended the WebSocket closes.
 */
final class WsPortForward {
    private final StreamRequest.PortForward req;
    private final HttpHead head;
    private final WebSocket ws;
    private final Runnable done;

    WsPortForward(StreamRequest.PortForward req, HttpHead head, WebSocket ws, Runnable done) {
        this.req = req;
        this.head = head;
        this.ws = ws;
        this.done = done;
    }

    void serve() throws IOException {
        List<Integer> ports = new ArrayList<>();
        for (String v : head.query().getOrDefault("ports", List.of())) {
            for (String p : v.split(",")) {
                try {
                    ports.add(Integer.parseInt(p.strip()));
                } catch (NumberFormatException e) {
                    ws.closeWith(1008, "invalid port " + p);
                    return;
                }
            }
        }
        if (ports.isEmpty()) {
            ports.addAll(req.ports());
        }
        if (ports.isEmpty() || ports.stream().anyMatch(p -> p < 1 || p > 65535
                || (!req.ports().isEmpty() && !req.ports().contains(p)))) {
            ws.closeWith(1008, "ports " + ports + " are not forwardable here");
            return;
        }
        Inbox[] inboxes = new Inbox[ports.size()];
        var left = new AtomicInteger(ports.size());
        for (int i = 0; i < ports.size(); i++) {
            int port = ports.get(i);
            byte[] portBytes = {(byte) port, (byte) (port >>> 8)};
            ws.sendBinary(WsExec.prefixed(2 * i, portBytes, 0, 2));
            ws.sendBinary(WsExec.prefixed(2 * i + 1, portBytes, 0, 2));
            inboxes[i] = new Inbox();
            int index = i;
            Thread.ofVirtual().name("podlab-cri-portforward").start(() -> {
                forward(port, index, inboxes[index]);
                if (left.decrementAndGet() == 0) {
                    ws.close();
                    done.run();
                }
            });
        }
        try {
            ws.serve(msg -> {
                int ch = msg.length == 0 ? -1 : msg[0] & 0xff;
                if (ch >= 0 && ch % 2 == 0 && ch / 2 < inboxes.length) {
                    inboxes[ch / 2].offer(Arrays.copyOfRange(msg, 1, msg.length));
                }
            });
        } finally {
            for (Inbox in : inboxes) {
                in.end();
            }
        }
    }

    private void forward(int port, int index, Inbox fromClient) {
        SocketChannel ch;
        try {
            ch = NetnsDialer.dial(req.netns(), port);
        } catch (IOException e) {
            byte[] m = ("error forwarding port " + port + " to pod " + req.sandboxId() + ": " + e.getMessage())
                    .getBytes(StandardCharsets.UTF_8);
            try {
                ws.sendBinary(WsExec.prefixed(2 * index + 1, m, 0, m.length));
            } catch (IOException gone) {
                // The client went away: nobody to tell.
            }
            return;
        }
        OutputStream toClient = WsExec.channel(ws, 2 * index);
        try {
            SpdyPortForward.relay(ch, fromClient, toClient);
        } catch (IOException e) {
            // The client or the pod went away: this port's forwarding is over.
        }
    }
}
