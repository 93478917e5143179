package dev.podlab.cli.relay;

import dev.podlab.core.PodlabException;

/** A request on the relay socket that cannot be read; the client is told to run the command itself. */
final class RelayException extends PodlabException {
    RelayException(String message) {
        super(message);
    }
}
