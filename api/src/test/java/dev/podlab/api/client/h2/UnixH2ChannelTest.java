package dev.podlab.api.client.h2;

import dev.podlab.api.server.UnixSocketServer;
import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * podlab's HTTP/2 channel against grpc-java's Netty server on a unix socket (the server the engine runs), with a
 * byte-array service so that sizes, streams, errors and timing can be chosen freely.
 */
@org.junit.jupiter.api.Timeout(120)
class UnixH2ChannelTest {
    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<byte[], byte[]> ECHO = method("Echo", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<byte[], byte[]> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<byte[], byte[]> HANG = method("Hang", MethodDescriptor.MethodType.UNARY);
    private static final MethodDescriptor<byte[], byte[]> SPLIT = method("Split", MethodDescriptor.MethodType.SERVER_STREAMING);
    private static final MethodDescriptor<byte[], byte[]> CHAT = method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
    private static final MethodDescriptor<byte[], byte[]> MISSING = method("Missing", MethodDescriptor.MethodType.UNARY);
    private static final Metadata.Key<String> EXIT_CODE = Metadata.Key.of("podlab-exit-code", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<byte[]> DETAIL = Metadata.Key.of("x-detail-bin", Metadata.BINARY_BYTE_MARSHALLER);
    private static final Metadata.Key<String> CLIENT_HEADER = Metadata.Key.of("x-client", Metadata.ASCII_STRING_MARSHALLER);

    @TempDir
    Path dir;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private ExecutorService executor;
    private Server server;
    private Path socket;
    private final CountDownLatch hangCancelled = new CountDownLatch(1);
    private final LinkedBlockingQueue<String> seenHeaders = new LinkedBlockingQueue<>();

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Bytes", name))
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    }

    @BeforeEach
    void start() {
        boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        workers = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        executor = Executors.newCachedThreadPool();
        socket = dir.resolve("t.sock");
        server = serve();
    }

    private Server serve() {
        BindableService service = () -> ServerServiceDefinition.builder("test.Bytes")
                .addMethod(ECHO, ServerCalls.asyncUnaryCall((req, out) -> {
                    out.onNext(req);
                    out.onCompleted();
                }))
                .addMethod(FAIL, ServerCalls.asyncUnaryCall((req, out) -> {
                    Metadata trailers = new Metadata();
                    trailers.put(EXIT_CODE, "125");
                    trailers.put(DETAIL, new byte[] {0, 1, 2, (byte) 255});
                    out.onError(Status.FAILED_PRECONDITION.withDescription(new String(req, StandardCharsets.UTF_8))
                            .asRuntimeException(trailers));
                }))
                .addMethod(HANG, ServerCalls.asyncUnaryCall((req, out) ->
                        Context.current().addListener(c -> hangCancelled.countDown(), Runnable::run)))
                .addMethod(SPLIT, ServerCalls.asyncServerStreamingCall((req, out) -> {
                    ByteBuffer b = ByteBuffer.wrap(req);
                    int count = b.getInt();
                    int size = b.getInt();
                    for (int i = 0; i < count; i++) {
                        byte[] m = new byte[size];
                        Arrays.fill(m, (byte) i);
                        out.onNext(m);
                    }
                    out.onCompleted();
                }))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        byte[] r = new String(value, StandardCharsets.UTF_8).toUpperCase().getBytes(StandardCharsets.UTF_8);
                        out.onNext(r);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .build();
        BindableService headerSpy = () -> io.grpc.ServerInterceptors.intercept(service.bindService(),
                new io.grpc.ServerInterceptor() {
                    @Override
                    public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call,
                            Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
                        String v = headers.get(CLIENT_HEADER);
                        if (v != null) {
                            seenHeaders.add(v);
                        }
                        return next.startCall(call, headers);
                    }
                });
        return UnixSocketServer.start(socket, "the test service", boss, workers, executor, List.of(headerSpy));
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
        executor.shutdownNow();
    }

    private UnixH2Channel channel() {
        return UnixH2Channel.create(socket, 64 << 20);
    }

    @Test
    void unaryCallsRoundTripSmallEmptyAndLargeMessagesOnOneConnection() throws Exception {
        UnixH2Channel ch = channel();
        try {
            assertArrayEquals("hi".getBytes(), ClientCalls.blockingUnaryCall(ch, ECHO, CallOptions.DEFAULT, "hi".getBytes()));
            assertArrayEquals(new byte[0], ClientCalls.blockingUnaryCall(ch, ECHO, CallOptions.DEFAULT, new byte[0]));
            // 3 MiB: above the stream window (1 MiB), the server's initial window and the frame size, both ways
            // (and below the server's 4 MiB message limit).
            byte[] big = new byte[3 << 20];
            new java.util.Random(1).nextBytes(big);
            assertArrayEquals(big, ClientCalls.blockingUnaryCall(ch, ECHO, CallOptions.DEFAULT, big));
            for (int i = 0; i < 50; i++) {
                byte[] m = ("call " + i).getBytes();
                assertArrayEquals(m, ClientCalls.blockingUnaryCall(ch, ECHO, CallOptions.DEFAULT, m));
            }
        } finally {
            ch.shutdownNow();
        }
        assertTrue(ch.awaitTermination(5, TimeUnit.SECONDS));
    }

    @Test
    void errorsCarryCodeMessageAndTrailersAsTheServerSentThem() {
        UnixH2Channel ch = channel();
        try {
            // Long and non-ASCII: percent-encoded by the server and, past 512 bytes, Huffman-coded by Netty.
            String message = "failed to start container c1: no such file \u00e9 " + "x".repeat(600);
            var e = assertThrows(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(ch, FAIL, CallOptions.DEFAULT, message.getBytes(StandardCharsets.UTF_8)));
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
            assertEquals(message, e.getStatus().getDescription());
            assertEquals("125", e.getTrailers().get(EXIT_CODE));
            assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, e.getTrailers().get(DETAIL));
            var missing = assertThrows(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(ch, MISSING, CallOptions.DEFAULT, new byte[0]));
            assertEquals(Status.Code.UNIMPLEMENTED, missing.getStatus().getCode());
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void serverStreamsAreDeliveredInOrderAsTheReaderAsksAndFlowControlHoldsTheSender() {
        UnixH2Channel ch = channel();
        try {
            // 400 x 64 KiB = 25 MiB: beyond the connection window, so the reader's pace must release the sender.
            byte[] req = ByteBuffer.allocate(8).putInt(400).putInt(64 * 1024).array();
            Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(ch, SPLIT, CallOptions.DEFAULT, req);
            int n = 0;
            while (it.hasNext()) {
                byte[] m = it.next();
                assertEquals(64 * 1024, m.length);
                assertEquals((byte) n, m[0]);
                assertEquals((byte) n, m[m.length - 1]);
                n++;
            }
            assertEquals(400, n);
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void bidirectionalStreamsInterleaveAndCustomHeadersReachTheServer() throws Exception {
        UnixH2Channel ch = channel();
        try {
            Metadata headers = new Metadata();
            headers.put(CLIENT_HEADER, "podlab-test");
            ClientCall<byte[], byte[]> call = ch.newCall(CHAT, CallOptions.DEFAULT);
            LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onMessage(byte[] message) {
                    got.add(new String(message, StandardCharsets.UTF_8));
                    call.request(1);
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    got.add(status);
                }
            }, headers);
            call.request(1);
            for (String word : List.of("one", "two", "three")) {
                call.sendMessage(word.getBytes(StandardCharsets.UTF_8));
                assertEquals(word.toUpperCase(), got.poll(10, TimeUnit.SECONDS));
            }
            call.halfClose();
            Object end = got.poll(10, TimeUnit.SECONDS);
            assertTrue(end instanceof Status s && s.isOk(), "closed with " + end);
            assertEquals("podlab-test", seenHeaders.poll(5, TimeUnit.SECONDS));
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void deadlinesAndCancellationEndTheCallHereAndAtTheServer() throws Exception {
        UnixH2Channel ch = channel();
        try {
            long t0 = System.nanoTime();
            var e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(ch, HANG,
                    CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), new byte[0]));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
            assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(290));
            assertTrue(hangCancelled.await(10, TimeUnit.SECONDS), "the server saw the call end");
            // The connection is still good afterwards.
            assertArrayEquals("ok".getBytes(), ClientCalls.blockingUnaryCall(ch, ECHO, CallOptions.DEFAULT, "ok".getBytes()));

            ClientCall<byte[], byte[]> call = ch.newCall(HANG, CallOptions.DEFAULT);
            LinkedBlockingQueue<Status> closed = new LinkedBlockingQueue<>();
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onClose(Status status, Metadata trailers) {
                    closed.add(status);
                }
            }, new Metadata());
            call.sendMessage(new byte[0]);
            call.halfClose();
            call.cancel("user pressed ctrl-c", null);
            Status s = closed.poll(10, TimeUnit.SECONDS);
            assertEquals(Status.Code.CANCELLED, s.getCode());
            assertEquals("user pressed ctrl-c", s.getDescription());
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void noServerIsUnavailableAndTheChannelReconnectsWhenOneIsBack() throws Exception {
        UnixH2Channel ch = channel();
        try {
            assertArrayEquals("a".getBytes(), ClientCalls.blockingUnaryCall(ch, ECHO, CallOptions.DEFAULT, "a".getBytes()));
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            var e = assertThrows(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(ch, ECHO, CallOptions.DEFAULT, "b".getBytes()));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains(socket.toString()), e.getStatus().getDescription());
            server = serve();
            assertArrayEquals("c".getBytes(), ClientCalls.blockingUnaryCall(ch, ECHO, CallOptions.DEFAULT, "c".getBytes()));
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void aServerGoingAwayMidStreamEndsTheCallAsUnavailable() throws Exception {
        UnixH2Channel ch = channel();
        ClientCall<byte[], byte[]> call = ch.newCall(HANG, CallOptions.DEFAULT);
        LinkedBlockingQueue<Status> closed = new LinkedBlockingQueue<>();
        try {
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onClose(Status status, Metadata trailers) {
                    closed.add(status);
                }
            }, new Metadata());
            call.sendMessage(new byte[0]);
            call.halfClose();
            Thread.sleep(200);
            server.shutdownNow();
            Status s = closed.poll(10, TimeUnit.SECONDS);
            assertFalse(s == null || s.isOk(), "closed with " + s);
            assertTrue(s.getCode() == Status.Code.UNAVAILABLE || s.getCode() == Status.Code.CANCELLED, s.toString());
        } finally {
            ch.shutdownNow();
        }
        assertTrue(ch.awaitTermination(5, TimeUnit.SECONDS));
        assertTrue(ch.isTerminated());
    }

    @Test
    void concurrentCallsShareTheConnection() throws Exception {
        UnixH2Channel ch = channel();
        try (var pool = Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 30; i++) {
                        byte[] m = new byte[1000 * id + i];
                        Arrays.fill(m, (byte) id);
                        if (!Arrays.equals(m, ClientCalls.blockingUnaryCall(ch, ECHO, CallOptions.DEFAULT, m))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (var r : results) {
                assertTrue(r.get(60, TimeUnit.SECONDS));
            }
        } finally {
            ch.shutdownNow();
        }
    }
}
