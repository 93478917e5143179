package dev.podlab.core.container;

/** A container (or pod) with the requested name exists already. */
public class NameInUseException extends InvalidConfigException {
    public NameInUseException(String message) {
        super(message);
    }
}
