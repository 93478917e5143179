package dev.podlab.core.net;

import java.util.List;

/**
 * A pod's {@code dnsConfig}: merged into what its {@link DnsPolicy} gives (for None, all there is).
 *
 * @param nameservers added after the policy's, duplicates dropped
 * @param searches    added after the policy's, duplicates dropped
 * @param options     override the policy's options of the same name
 */
public record DnsConfig(List<String> nameservers, List<String> searches, List<Option> options) {

    public static final DnsConfig EMPTY = new DnsConfig(List.of(), List.of(), List.of());

    public DnsConfig {
        nameservers = List.copyOf(nameservers);
        searches = List.copyOf(searches);
        options = List.copyOf(options);
    }

    /** A resolver option such as {@code ndots:5} (value "5") or {@code edns0} (value null). */
    public record Option(String name, String value) {
        public Option {
            if (name == null || name.isBlank() || name.contains(" ") || name.contains(":")) {
                throw new IllegalArgumentException("DNS option name \"" + name + "\" is empty or contains a space or colon");
            }
        }

        /** Parses {@code name} or {@code name:value}. */
        public static Option parse(String s) {
            int colon = s.indexOf(':');
            return colon < 0 ? new Option(s, null) : new Option(s.substring(0, colon), s.substring(colon + 1));
        }

        @Override
        public String toString() {
            return value == null ? name : name + ":" + value;
        }
    }
}
