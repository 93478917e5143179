package dev.podlab.core.pod.manifest;

/**
 * Where an environment variable's value comes from. In a {@link Container} every variant may
 * appear; after {@link EnvResolver} only {@link Literal} and the two runtime placeholders
 * ({@link FieldRef}, {@link ResourceFieldRef}) are left, which the pod controller fills once the
 * pod exists (its IP, its resolved limits).
 */
public sealed interface EnvSource {
    /** {@code value: text}. */
    record Literal(String value) implements EnvSource {}

    /**
     * {@code fieldRef}: a field of the running pod ({@code metadata.name}, {@code status.podIP},
     * {@code metadata.labels['app']}).
     */
    record FieldRef(String apiVersion, String fieldPath) implements EnvSource {}

    /**
     * {@code resourceFieldRef}: a container's request or limit ({@code limits.memory}) divided by
     * {@code divisor} and rounded up.
     *
     * @param containerName empty for the container that declares the variable
     */
    record ResourceFieldRef(String containerName, String resource, Quantity divisor) implements EnvSource {}

    /** {@code configMapKeyRef}: one key of a ConfigMap of the same file. */
    record ConfigMapKeyRef(String name, String key, boolean optional) implements EnvSource {}

    /** {@code secretKeyRef}: one key of a Secret of the same file. */
    record SecretKeyRef(String name, String key, boolean optional) implements EnvSource {}
}
