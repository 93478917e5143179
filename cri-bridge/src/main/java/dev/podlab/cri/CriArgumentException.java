package dev.podlab.cri;

import dev.podlab.core.PodlabException;

/** A malformed CRI request: answered as INVALID_ARGUMENT. */
public final class CriArgumentException extends PodlabException {
    public CriArgumentException(String message) {
        super(message);
    }
}
