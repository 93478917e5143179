package dev.podlab.core.container;

/** No container has the given id, id prefix or name. */
public class NotFoundException extends ContainerException {
    public NotFoundException(String what) {
        super("no such container: " + what);
    }
}
