package dev.podlab.cri.stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ExecRequest;
import dev.podlab.core.container.ExecSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * Runs one streamed exec through {@link ContainerEngine#startExec} whatever the transport: the client's stdin
 * into the process, its stdout and stderr out, and the outcome as the metav1.Status the remotecommand v4
 * protocols put on their error stream. An attach goes to {@link AttachRunner} through {@link #run}.
 */
final class ExecRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ExecRunner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private ExecRunner() {}

    /** Runs an exec or an attach session to its end and returns the status JSON (see the two runners). */
    static byte[] run(ContainerEngine engine, StreamRequest.Stdio r, InputStream stdin, OutputStream stdout,
                      OutputStream stderr, InputStream resize, CompletableFuture<Void> clientGone) {
        return switch (r) {
            case StreamRequest.Exec x -> exec(engine, x, stdin, stdout, stderr, resize, clientGone);
            case StreamRequest.Attach a -> AttachRunner.run(engine, a, stdin, stdout, stderr, resize, clientGone);
        };
    }

    /**
     * Runs to the end and returns the status JSON. {@code stdin}, {@code stdout}, {@code stderr} and
     * {@code resize} may be null (not requested). Output streams are not closed here. When {@code clientGone}
     * completes first, the process is killed (the exec shim takes the command with it): nobody could see its
     * output or give it input any more.
     */
    private static byte[] exec(ContainerEngine engine, StreamRequest.Exec x, InputStream stdin, OutputStream stdout,
                               OutputStream stderr, InputStream resize, CompletableFuture<Void> clientGone) {
        ExecSession session;
        try {
            // A terminal exec gets its pty from the exec shim inside the container (stdout and stderr are one
            // stream then); sizes reach that pty through the session, the first one as the client's first resize.
            session = engine.startExec(x.containerId(), new ExecRequest(x.command(), List.of(), null, null, null,
                            x.tty()), 0, 0,
                    stdin != null ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(new File("/dev/null")),
                    ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.PIPE);
        } catch (RuntimeException e) {
            return status(failure("InternalError", "error executing command in container: " + e.getMessage(), null));
        }
        Process p = session.process();
        clientGone.thenRun(() -> {
            if (p.isAlive()) {
                LOG.info("exec client of container {} went away: killing {}", x.containerId(), x.command());
                p.destroyForcibly();
            }
        });
        Thread in = null;
        if (stdin != null) {
            OutputStream toProcess = p.getOutputStream();
            in = Thread.ofVirtual().start(() -> {
                // Closing our end of the client's stdin too: a connection reader waiting to queue more input is
                // released once the process takes no more.
                try (toProcess; stdin) {
                    stdin.transferTo(toProcess);
                } catch (IOException e) {
                    // The process closed its stdin (it exited): nothing more to deliver.
                }
            });
        }
        if (resize != null) {
            Thread.ofVirtual().start(() -> applyResizes(resize, session::resize));
        }
        Thread out = Thread.ofVirtual().start(() -> pump(p.getInputStream(), stdout));
        // With a terminal the command's output all comes on stdout; what still arrives on stderr is the exec shim's
        // own complaint (e.g. executable not found): the client must see it, so it joins stdout.
        OutputStream errTo = stderr != null ? stderr : x.tty() ? stdout : null;
        Thread err = Thread.ofVirtual().start(() -> pump(p.getErrorStream(), errTo));
        try {
            out.join();
            err.join();
            int code = p.waitFor();
            if (in != null) {
                in.interrupt();
                closeQuietly(stdin);
            }
            if (code == 0) {
                return success();
            }
            return status(failure("NonZeroExitCode", "command terminated with non-zero exit code: exit status "
                    + code, Map.of("reason", "ExitCode", "message", Integer.toString(code))));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return status(failure("InternalError", "error executing command in container: interrupted", null));
        }
    }

    /** Copies process output to the client; when the client is gone, keeps draining so the process never blocks. */
    private static void pump(InputStream from, OutputStream to) {
        byte[] buf = new byte[16 * 1024];
        boolean sink = to == null;
        try (from) {
            int n;
            while ((n = from.read(buf)) > 0) {
                if (!sink) {
                    try {
                        to.write(buf, 0, n);
                        to.flush();
                    } catch (IOException e) {
                        sink = true; // the client is gone; keep draining so the process is not blocked
                    }
                }
            }
        } catch (IOException e) {
            // The process went away: what was read has been sent.
        }
    }

    static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // An inbox does not fail to close; nothing to do about another stream that does.
        }
    }

    /**
     * Applies the client's resize messages (remotecommand's JSON {@code {"Width":W,"Height":H}}, one after
     * another) as (rows, columns) until the stream ends.
     */
    static void applyResizes(InputStream resize, BiConsumer<Integer, Integer> apply) {
        try (resize) {
            var it = JSON.readerFor(Map.class).<Map<String, Object>>readValues(resize);
            while (it.hasNextValue()) {
                Map<String, Object> size = it.nextValue();
                if (size.get("Width") instanceof Number w && size.get("Height") instanceof Number h
                        && w.intValue() > 0 && h.intValue() > 0) {
                    apply.accept(h.intValue(), w.intValue());
                }
            }
        } catch (IOException | RuntimeException e) {
            // A malformed resize message ends resizing, not the exec (kubelet does the same).
        }
    }

    static Map<String, Object> failure(String reason, String message, Map<String, String> cause) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("metadata", Map.of());
        s.put("status", "Failure");
        s.put("message", message);
        s.put("reason", reason);
        s.put("details", Map.of("causes", List.of(cause != null ? cause : Map.of("message", message))));
        if (!"NonZeroExitCode".equals(reason)) {
            s.put("code", 500);
        }
        return s;
    }

    static byte[] success() {
        return status(Map.of("metadata", Map.of(), "status", "Success"));
    }

    static byte[] status(Map<String, Object> s) {
        try {
            return JSON.writeValueAsBytes(s);
        } catch (IOException e) {
            throw new IllegalStateException("failed to write a status: " + e.getMessage(), e);
        }
    }
}
