package dev.podlab.core.pod.manifest;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One container of a pod, with Kubernetes' defaults filled in.
 *
 * @param imagePullPolicy          defaulted as Kubernetes does: Always for {@code :latest} or no tag, else
 *                                 IfNotPresent
 * @param command                  replaces the image's Entrypoint when non-empty
 * @param args                     replaces the image's Cmd when non-empty
 * @param workingDir               empty: the image's
 * @param env                      in the order written; see {@link EnvResolver} for the values
 * @param terminationMessagePath   default {@code /dev/termination-log}
 */
public record Container(String name, String image, PullPolicy imagePullPolicy, List<String> command,
                        List<String> args, String workingDir, List<EnvVar> env, List<EnvFrom> envFrom,
                        List<Port> ports, Resources resources, List<VolumeMount> volumeMounts,
                        Optional<Probe> livenessProbe, Optional<Probe> readinessProbe, Optional<Probe> startupProbe,
                        Lifecycle lifecycle, SecurityContext securityContext, boolean stdin, boolean stdinOnce,
                        boolean tty, String terminationMessagePath, TerminationMessagePolicy terminationMessagePolicy) {
    public static final String DEFAULT_TERMINATION_MESSAGE_PATH = "/dev/termination-log";

    public Container {
        command = List.copyOf(command);
        args = List.copyOf(args);
        env = List.copyOf(env);
        envFrom = List.copyOf(envFrom);
        ports = List.copyOf(ports);
        volumeMounts = List.copyOf(volumeMounts);
    }

    public enum PullPolicy {
        ALWAYS("Always"), IF_NOT_PRESENT("IfNotPresent"), NEVER("Never");

        private final String spelling;

        PullPolicy(String spelling) {
            this.spelling = spelling;
        }

        public String spelling() {
            return spelling;
        }

        /**
         * Kubernetes' default for {@code image}: Always when the tag is {@code latest} or when there is
         * neither tag nor digest, else IfNotPresent.
         */
        public static PullPolicy defaultFor(String image) {
            String ref = image;
            int at = ref.indexOf('@');
            if (at >= 0) {
                // A digest pins the content: pulling again cannot change it.
                ref = ref.substring(0, at);
                int colon = ref.lastIndexOf(':');
                return colon > ref.lastIndexOf('/') && ref.substring(colon + 1).equals("latest") ? ALWAYS : IF_NOT_PRESENT;
            }
            int colon = ref.lastIndexOf(':');
            if (colon <= ref.lastIndexOf('/')) {
                return ALWAYS; // no tag (a colon before the last slash is a registry port)
            }
            return ref.substring(colon + 1).equals("latest") ? ALWAYS : IF_NOT_PRESENT;
        }
    }

    public enum Protocol { TCP, UDP, SCTP }

    public enum TerminationMessagePolicy {
        FILE("File"), FALLBACK_TO_LOGS_ON_ERROR("FallbackToLogsOnError");

        private final String spelling;

        TerminationMessagePolicy(String spelling) {
            this.spelling = spelling;
        }

        public String spelling() {
            return spelling;
        }
    }

    /** One {@code env} entry; {@code source} is never null ({@link EnvSource.Literal} for {@code value}). */
    public record EnvVar(String name, EnvSource source) {}

    /**
     * One {@code envFrom} entry: every key of a ConfigMap or Secret, each name prefixed with
     * {@code prefix}.
     */
    public record EnvFrom(Kind kind, String name, String prefix, boolean optional) {
        public enum Kind { CONFIG_MAP, SECRET }
    }

    /**
     * A container port.
     *
     * @param name     empty when unnamed
     * @param hostPort 0 when not published on the host
     * @param hostIP   empty: every address
     */
    public record Port(String name, int containerPort, int hostPort, String hostIP, Protocol protocol) {}

    /**
     * {@code volumeMounts} entry.
     *
     * @param subPath empty: the whole volume
     */
    public record VolumeMount(String name, String mountPath, boolean readOnly, String subPath) {}

    /**
     * cpu in millicores and memory in bytes, after Kubernetes' defaulting (a request absent but
     * its limit set takes the limit's value).
     *
     * @param notEnforced other resources written (ephemeral-storage, hugepages-2Mi, ...) as text,
     *                    keyed {@code requests.NAME} / {@code limits.NAME}; reported, not applied
     */
    public record Resources(OptionalLong cpuRequestMillis, OptionalLong cpuLimitMillis,
                            OptionalLong memoryRequestBytes, OptionalLong memoryLimitBytes,
                            java.util.Map<String, String> notEnforced) {
        public static final Resources NONE = new Resources(OptionalLong.empty(), OptionalLong.empty(),
                OptionalLong.empty(), OptionalLong.empty(), java.util.Map.of());

        public Resources {
            notEnforced = ManifestMaps.copy(notEnforced);
        }

        /** Any cpu or memory request or limit (non-zero), the test of BestEffort. */
        public boolean isEmpty() {
            return zero(cpuRequestMillis) && zero(cpuLimitMillis) && zero(memoryRequestBytes) && zero(memoryLimitBytes);
        }

        private static boolean zero(OptionalLong v) {
            return v.isEmpty() || v.getAsLong() == 0;
        }
    }

    /** postStart and preStop hooks; empty when absent. */
    public record Lifecycle(Optional<Handler> postStart, Optional<Handler> preStop) {
        public static final Lifecycle NONE = new Lifecycle(Optional.empty(), Optional.empty());
    }

    /** Capabilities to add to and drop from the defaults, as written ({@code NET_ADMIN}, {@code ALL}). */
    public record Capabilities(List<String> add, List<String> drop) {
        public static final Capabilities NONE = new Capabilities(List.of(), List.of());

        public Capabilities {
            add = List.copyOf(add);
            drop = List.copyOf(drop);
        }
    }

    /**
     * The container's securityContext; empty values fall back to the pod's, then to podlab's
     * defaults.
     */
    public record SecurityContext(OptionalLong runAsUser, OptionalLong runAsGroup, Optional<Boolean> runAsNonRoot,
                                  Optional<Boolean> privileged, Capabilities capabilities,
                                  Optional<Boolean> readOnlyRootFilesystem, Optional<Boolean> allowPrivilegeEscalation,
                                  Optional<PodSpec.SeccompProfile> seccompProfile) {
        public static final SecurityContext NONE = new SecurityContext(OptionalLong.empty(), OptionalLong.empty(),
                Optional.empty(), Optional.empty(), Capabilities.NONE, Optional.empty(), Optional.empty(),
                Optional.empty());
    }
}
