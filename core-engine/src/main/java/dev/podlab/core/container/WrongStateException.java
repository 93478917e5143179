package dev.podlab.core.container;

/** The operation is valid in general but not in the object's current state (start an exited container). */
public class WrongStateException extends ContainerException {
    public WrongStateException(String message) {
        super(message);
    }
}
