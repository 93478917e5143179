package dev.podlab.cri.stream;

import dev.podlab.core.container.ContainerEngine;
import dev.podlab.core.container.ExitRecord;
import dev.podlab.core.runtime.AttachSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs one streamed attach through {@link ContainerEngine#attach} whatever the transport: the client's stdin to the
 * container's (when the container keeps one open), the container's output as it comes, and at the end the
 * metav1.Status: Success when the container exited or the client detached (kubelet says the same), InternalError
 * when the engine could not attach.
 */
final class AttachRunner {
    private static final Logger LOG = LoggerFactory.getLogger(AttachRunner.class);

    private AttachRunner() {}

    /**
     * Runs to the end: the container exits, or the client goes away ({@code clientGone}), or the client's stdin ends
     * on a container without stdin_once (the client is done with it; with stdin_once the container's stdin closes
     * and the session lasts until it exits, so that what it still writes arrives). Arguments as for
     * {@link ExecRunner#run}.
     */
    static byte[] run(ContainerEngine engine, StreamRequest.Attach a, InputStream stdin, OutputStream stdout,
                      OutputStream stderr, InputStream resize, CompletableFuture<Void> clientGone) {
        var end = new CompletableFuture<Optional<ExitRecord>>();
        // With a terminal the container has one stream; anything tagged stderr still goes to the client's stdout.
        OutputStream errTo = stderr != null ? stderr : a.tty() ? stdout : null;
        AttachSession session;
        try {
            session = engine.attach(a.containerId(), new AttachSession.Listener() {
                private boolean clientBroken;

                @Override
                public void output(boolean isErr, byte[] data) {
                    OutputStream to = isErr ? errTo : stdout;
                    if (to == null || clientBroken) {
                        return; // not asked for, or the client is gone: the shim keeps the container's log anyway
                    }
                    try {
                        to.write(data, 0, data.length);
                        to.flush();
                    } catch (IOException e) {
                        clientBroken = true;
                    }
                }

                @Override
                public void closed(Optional<ExitRecord> exit) {
                    end.complete(exit);
                }
            });
        } catch (RuntimeException e) {
            if (stdin != null) {
                ExecRunner.closeQuietly(stdin);
            }
            return ExecRunner.status(ExecRunner.failure("InternalError", "error attaching to container: "
                    + e.getMessage(), null));
        }
        clientGone.thenRun(() -> end.complete(Optional.empty()));
        if (stdin != null) {
            Thread.ofVirtual().name("podlab-cri-attach-stdin").start(() -> copyStdin(a, stdin, session, end));
        }
        if (resize != null) {
            Thread.ofVirtual().start(() -> ExecRunner.applyResizes(resize, session::resize));
        }
        try {
            Optional<ExitRecord> exit = end.get();
            exit.ifPresent(e -> LOG.debug("attached container {} exited with {}", a.containerId(), e.exitCode()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            // Only ever completed normally.
        } finally {
            session.close();
            if (stdin != null) {
                ExecRunner.closeQuietly(stdin);
            }
        }
        return ExecRunner.success();
    }

    private static void copyStdin(StreamRequest.Attach a, InputStream stdin, AttachSession session,
                                  CompletableFuture<Optional<ExitRecord>> end) {
        byte[] buf = new byte[16 * 1024];
        try (stdin) {
            int n;
            while ((n = stdin.read(buf)) > 0) {
                session.write(buf, 0, n);
            }
            session.closeStdin();
        } catch (IOException | RuntimeException e) {
            // The session ended under us (detached, or the shim went away): nothing more to deliver.
            return;
        }
        if (!a.stdinOnce()) {
            end.complete(Optional.empty());
        }
    }
}
