package dev.podlab.core.net;

/** A pod's {@code dnsPolicy}. podlab runs no cluster DNS, so the ClusterFirst kinds behave as {@link #DEFAULT}. */
public enum DnsPolicy {
    CLUSTER_FIRST("ClusterFirst"),
    CLUSTER_FIRST_WITH_HOST_NET("ClusterFirstWithHostNet"),
    DEFAULT("Default"),
    NONE("None");

    private final String manifestName;

    DnsPolicy(String manifestName) {
        this.manifestName = manifestName;
    }

    /** As written in a pod manifest, e.g. {@code ClusterFirst}. */
    public String manifestName() {
        return manifestName;
    }

    /** Parses the manifest spelling; null or empty is Kubernetes' default, ClusterFirst. */
    public static DnsPolicy fromManifest(String s) {
        if (s == null || s.isEmpty()) {
            return CLUSTER_FIRST;
        }
        for (DnsPolicy p : values()) {
            if (p.manifestName.equals(s)) {
                return p;
            }
        }
        throw new IllegalArgumentException("dnsPolicy \"" + s + "\" is not one of ClusterFirst, ClusterFirstWithHostNet, Default, None");
    }
}
