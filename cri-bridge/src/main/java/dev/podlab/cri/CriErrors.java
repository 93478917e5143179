package dev.podlab.cri;

import dev.podlab.core.PodlabException;
import dev.podlab.core.config.ConfigException;
import dev.podlab.core.container.InvalidConfigException;
import dev.podlab.core.container.NameInUseException;
import dev.podlab.core.container.NotFoundException;
import dev.podlab.core.container.WrongStateException;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.runtime.RuntimeUnavailableException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/** Engine and bridge exceptions as gRPC statuses with the one-line message. */
final class CriErrors {
    private static final Logger LOG = LoggerFactory.getLogger(CriErrors.class);

    private CriErrors() {}

    static StatusRuntimeException toStatus(Throwable t) {
        if (t instanceof StatusRuntimeException s) {
            return s;
        }
        Status status = switch (t) {
            case CriNotFoundException e -> Status.NOT_FOUND;
            case CriArgumentException e -> Status.INVALID_ARGUMENT;
            case NotFoundException e -> Status.NOT_FOUND;
            case NameInUseException e -> Status.ALREADY_EXISTS;
            case InvalidConfigException e -> Status.INVALID_ARGUMENT;
            case ConfigException e -> Status.INVALID_ARGUMENT;
            case WrongStateException e -> Status.FAILED_PRECONDITION;
            case RuntimeUnavailableException e -> Status.FAILED_PRECONDITION;
            case ImageException e when e.getMessage() != null && e.getMessage().contains("not in the store") ->
                    Status.NOT_FOUND;
            case ImageException e -> Status.UNKNOWN;
            case IllegalArgumentException e -> Status.INVALID_ARGUMENT;
            case PodlabException e -> Status.INTERNAL;
            default -> {
                LOG.warn("unexpected failure in a CRI request", t);
                yield Status.INTERNAL;
            }
        };
        String message = t instanceof PodlabException || t instanceof IllegalArgumentException ? t.getMessage()
                : PodlabException.describe(t);
        return status.withDescription(message).withCause(t).asRuntimeException();
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
