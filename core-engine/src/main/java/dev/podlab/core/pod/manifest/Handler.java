package dev.podlab.core.pod.manifest;

import java.util.List;
import java.util.OptionalInt;

/** What a probe or lifecycle hook does: exactly one action. */
public sealed interface Handler {
    /** Runs {@code command} inside the container (no shell unless the command is one). */
    record Exec(List<String> command) implements Handler {
        public Exec {
            command = List.copyOf(command);
        }
    }

    /**
     * An HTTP GET; success is a status from 200 to 399.
     *
     * @param host   empty for the pod's IP
     * @param scheme HTTP or HTTPS
     */
    record HttpGet(String path, PortRef port, String host, String scheme, List<Header> headers) implements Handler {
        public HttpGet {
            headers = List.copyOf(headers);
        }
    }

    /** A TCP connect; success is an open connection. As a lifecycle hook Kubernetes deprecates it. */
    record TcpSocket(PortRef port, String host) implements Handler {}

    /** Lifecycle only: waits {@code seconds} (a preStop pause). */
    record Sleep(long seconds) implements Handler {}

    /** One {@code httpHeaders} entry. */
    record Header(String name, String value) {}

    /**
     * A port given by number or by the name of one of the container's ports.
     *
     * @param number set for a number
     * @param name   set (non-empty) for a named port
     */
    record PortRef(OptionalInt number, String name) {
        public static PortRef of(int number) {
            return new PortRef(OptionalInt.of(number), "");
        }

        public static PortRef named(String name) {
            return new PortRef(OptionalInt.empty(), name);
        }

        /** The port number, looking named ports up in {@code container}; empty if the name is unknown. */
        public OptionalInt resolve(Container container) {
            if (number.isPresent()) {
                return number;
            }
            return container.ports().stream().filter(p -> p.name().equals(name))
                    .mapToInt(Container.Port::containerPort).findFirst();
        }

        @Override
        public String toString() {
            return number.isPresent() ? Integer.toString(number.getAsInt()) : name;
        }
    }
}
