package dev.podlab.cri;

import dev.podlab.api.server.Errors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;

import java.util.function.Supplier;

/** Bridge exceptions as gRPC statuses; engine exceptions as {@link Errors} maps them for the podlab API. */
final class CriErrors {
    private CriErrors() {}

    /** The bridge's own exceptions first; everything else as the podlab API maps it. */
    static StatusRuntimeException toStatus(Throwable t) {
        return switch (t) {
            case CriNotFoundException e -> Status.NOT_FOUND.withDescription(e.getMessage()).withCause(e).asRuntimeException();
            case CriArgumentException e -> Status.INVALID_ARGUMENT.withDescription(e.getMessage()).withCause(e)
                    .asRuntimeException();
            default -> Errors.toStatus(t);
        };
    }

    /** Runs a unary call: the result or the mapped error goes to the observer. */
    static <T> void unary(StreamObserver<T> out, Supplier<T> call) {
        T result;
        try {
            result = call.get();
        } catch (RuntimeException e) {
            out.onError(toStatus(e));
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }
}
