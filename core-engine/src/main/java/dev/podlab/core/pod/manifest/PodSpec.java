package dev.podlab.core.pod.manifest;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The part of a pod spec podlab runs, with Kubernetes' defaults filled in.
 *
 * @param initContainers                run one after the other before {@code containers}
 * @param restartPolicy                 default Always
 * @param terminationGracePeriodSeconds default 30
 * @param hostname                      empty: the pod's name
 * @param runtimeClassName              empty: the engine's default runtime
 */
public record PodSpec(List<Container> containers, List<Container> initContainers, List<Volume> volumes,
                      RestartPolicy restartPolicy, long terminationGracePeriodSeconds,
                      OptionalLong activeDeadlineSeconds, boolean hostNetwork, boolean hostPID, boolean hostIPC,
                      boolean shareProcessNamespace, String hostname, String subdomain, List<HostAlias> hostAliases,
                      DnsPolicy dnsPolicy, Optional<DnsConfig> dnsConfig, String runtimeClassName,
                      SecurityContext securityContext) {
    public static final long DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

    public PodSpec {
        containers = List.copyOf(containers);
        initContainers = List.copyOf(initContainers);
        volumes = List.copyOf(volumes);
        hostAliases = List.copyOf(hostAliases);
    }

    public enum RestartPolicy {
        ALWAYS("Always"), ON_FAILURE("OnFailure"), NEVER("Never");

        private final String spelling;

        RestartPolicy(String spelling) {
            this.spelling = spelling;
        }

        public String spelling() {
            return spelling;
        }
    }

    public enum DnsPolicy {
        CLUSTER_FIRST("ClusterFirst"), DEFAULT("Default"), NONE("None"),
        CLUSTER_FIRST_WITH_HOST_NET("ClusterFirstWithHostNet");

        private final String spelling;

        DnsPolicy(String spelling) {
            this.spelling = spelling;
        }

        public String spelling() {
            return spelling;
        }
    }

    /** An /etc/hosts line: {@code ip} followed by {@code hostnames}. */
    public record HostAlias(String ip, List<String> hostnames) {
        public HostAlias {
            hostnames = List.copyOf(hostnames);
        }
    }

    /** resolv.conf additions (or the whole file with dnsPolicy None). */
    public record DnsConfig(List<String> nameservers, List<String> searches, List<DnsOption> options) {
        public DnsConfig {
            nameservers = List.copyOf(nameservers);
            searches = List.copyOf(searches);
            options = List.copyOf(options);
        }
    }

    /** A resolv.conf option; {@code value} empty for flags such as {@code edns0}. */
    public record DnsOption(String name, String value) {}

    /** A namespaced kernel parameter set in the pod's namespaces. */
    public record Sysctl(String name, String value) {}

    /**
     * A seccomp profile.
     *
     * @param localhostProfile set only for {@link Type#LOCALHOST}: a path relative to the engine's
     *                         seccomp profile root
     * @param location         where {@code localhostProfile} was written (null when not known), for errors found
     *                         when the profile is loaded
     * @param path             its field path ({@code spec.containers[0].securityContext.seccompProfile.localhostProfile})
     */
    public record SeccompProfile(Type type, String localhostProfile, Location location, String path) {
        public SeccompProfile(Type type, String localhostProfile) {
            this(type, localhostProfile, null, "");
        }

        /** Equal when type and profile are: where they were written does not matter. */
        @Override
        public boolean equals(Object o) {
            return o instanceof SeccompProfile p && p.type == type
                    && java.util.Objects.equals(p.localhostProfile, localhostProfile);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(type, localhostProfile);
        }

        public enum Type {
            RUNTIME_DEFAULT("RuntimeDefault"), UNCONFINED("Unconfined"), LOCALHOST("Localhost");

            private final String spelling;

            Type(String spelling) {
                this.spelling = spelling;
            }

            public String spelling() {
                return spelling;
            }
        }
    }

    /** The pod-level securityContext; containers inherit what they do not set. */
    public record SecurityContext(OptionalLong runAsUser, OptionalLong runAsGroup, Optional<Boolean> runAsNonRoot,
                                  OptionalLong fsGroup, List<Long> supplementalGroups, List<Sysctl> sysctls,
                                  Optional<SeccompProfile> seccompProfile) {
        public static final SecurityContext NONE = new SecurityContext(OptionalLong.empty(), OptionalLong.empty(),
                Optional.empty(), OptionalLong.empty(), List.of(), List.of(), Optional.empty());

        public SecurityContext {
            supplementalGroups = List.copyOf(supplementalGroups);
            sysctls = List.copyOf(sysctls);
        }
    }

    /** Init containers then app containers, the order names must be unique in. */
    public List<Container> allContainers() {
        return java.util.stream.Stream.concat(initContainers.stream(), containers.stream()).toList();
    }
}
