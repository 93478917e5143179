package dev.podlab.core.state;

import dev.podlab.core.PodlabException;

/** The state root could not be read or written. */
public class StateException extends PodlabException {
    public StateException(String message, Throwable cause) {
        super(message, cause);
    }
}
