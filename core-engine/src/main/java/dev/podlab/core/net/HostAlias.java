package dev.podlab.core.net;

import java.util.List;

/** A pod's {@code hostAliases} entry: extra names for an address in the pod's /etc/hosts. */
public record HostAlias(String ip, List<String> hostnames) {
    public HostAlias {
        hostnames = List.copyOf(hostnames);
        if (ip == null || ip.isBlank() || ip.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("hostAliases ip \"" + ip + "\" is empty or contains whitespace");
        }
        for (String h : hostnames) {
            if (h.isBlank() || h.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("hostAliases hostname \"" + h + "\" is empty or contains whitespace");
            }
        }
    }
}
