package dev.podlab.core.container;

/** The user's request cannot be honoured as given (bad path, bad limit, bad user). */
public class InvalidConfigException extends ContainerException {
    public InvalidConfigException(String message) {
        super(message);
    }
}
