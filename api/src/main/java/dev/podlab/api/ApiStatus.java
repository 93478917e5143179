package dev.podlab.api;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** What a failed call carries besides its status code: the exit status a CLI should end with. */
public final class ApiStatus {
    /** 125 engine error, 126 not executable, 127 command not found (as docker and podman). */
    public static final Metadata.Key<String> EXIT_CODE = Metadata.Key.of("podlab-exit-code", Metadata.ASCII_STRING_MARSHALLER);

    private ApiStatus() {}

    public static int exitCode(StatusRuntimeException e) {
        Metadata trailers = e.getTrailers();
        String v = trailers == null ? null : trailers.get(EXIT_CODE);
        if (v != null) {
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException ignored) {
                // a foreign server: fall back to the generic code
            }
        }
        return 125;
    }

    /** The line a person reads: the engine's own message, or the code when it sent none. */
    public static String message(StatusRuntimeException e) {
        Status s = e.getStatus();
        return s.getDescription() != null ? s.getDescription() : s.getCode().toString();
    }
}
