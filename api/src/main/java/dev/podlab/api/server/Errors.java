package dev.podlab.api.server;

import dev.podlab.api.ApiStatus;
import dev.podlab.core.PodlabException;
import dev.podlab.core.config.ConfigException;
import dev.podlab.core.container.ContainerException;
import dev.podlab.core.container.InvalidConfigException;
import dev.podlab.core.container.NameInUseException;
import dev.podlab.core.container.NotFoundException;
import dev.podlab.core.container.WrongStateException;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.pod.PodException;
import dev.podlab.core.pod.manifest.ManifestException;
import dev.podlab.core.runtime.RuntimeUnavailableException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/** Engine exceptions as gRPC statuses, with the engine's own one-line message (also used by the CRI bridge). */
public final class Errors {
    private static final Logger LOG = LoggerFactory.getLogger(Errors.class);

    private Errors() {}

    public static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        Status status = switch (t) {
            case NotFoundException e -> Status.NOT_FOUND;
            case NameInUseException e -> Status.ALREADY_EXISTS;
            case InvalidConfigException e -> Status.INVALID_ARGUMENT;
            case ConfigException e -> Status.INVALID_ARGUMENT;
            case WrongStateException e -> Status.FAILED_PRECONDITION;
            case RuntimeUnavailableException e -> Status.FAILED_PRECONDITION;
            case ImageException e when isNotFound(e) -> Status.NOT_FOUND;
            case ImageException e -> Status.UNAVAILABLE;
            case IllegalArgumentException e -> Status.INVALID_ARGUMENT;
            case ManifestException e -> Status.INVALID_ARGUMENT;
            case PodException.NotFound e -> Status.NOT_FOUND;
            case PodException.Exists e -> Status.ALREADY_EXISTS;
            case PodException e -> Status.FAILED_PRECONDITION;
            case PodlabException e -> Status.INTERNAL;
            default -> {
                LOG.warn("unexpected failure in a request", t);
                yield Status.INTERNAL;
            }
        };
        String message = t instanceof PodlabException ? t.getMessage() : PodlabException.describe(t);
        Metadata trailers = new Metadata();
        trailers.put(ApiStatus.EXIT_CODE, Integer.toString(t instanceof ContainerException ce ? ce.exitCode() : 125));
        return status.withDescription(message).withCause(t).asRuntimeException(trailers);
    }

    private static boolean isNotFound(ImageException e) {
        String m = e.getMessage();
        return m != null && m.contains("not in the store");
    }

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    /** Runs a unary call: the result or the mapped error goes to the observer. */
    public static <T> void unary(StreamObserver<T> out, Supplier<T> call) {
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
