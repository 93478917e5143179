package dev.podlab.cri;

import dev.podlab.core.PodlabException;

/** An unknown sandbox or container id: answered as NOT_FOUND. */
public final class CriNotFoundException extends PodlabException {
    public CriNotFoundException(String message) {
        super(message);
    }
}
