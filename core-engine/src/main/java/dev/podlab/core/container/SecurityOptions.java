package dev.podlab.core.container;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a container asks beyond the security defaults (Docker's 14 capabilities, no_new_privs, the
 * RuntimeDefault seccomp profile, masked and read-only /proc paths): Kubernetes' securityContext in domain form.
 *
 * @param capAdd          capabilities to add ({@code NET_ADMIN} or {@code CAP_NET_ADMIN})
 * @param capDrop         capabilities to drop; {@code ALL} drops every default first
 * @param privileged      every capability, no seccomp filter, no masked or read-only paths, the host's device nodes
 *                        in /dev and every device allowed by the devices cgroup
 * @param noNewPrivileges false only when privilege escalation is allowed
 * @param seccomp         {@code RuntimeDefault}, {@code Unconfined} or {@code Localhost}
 * @param sysctls         namespaced kernel parameters to set (the manifest parser allows only Kubernetes' safe set)
 * @param localhostProfile with {@code Localhost}: the absolute host path of the seccomp profile (JSON, Docker/OCI
 *                        format, see {@link dev.podlab.core.oci.LocalhostSeccomp}); null otherwise
 */
public record SecurityOptions(List<String> capAdd, List<String> capDrop, boolean privileged, boolean noNewPrivileges,
                              String seccomp, Map<String, String> sysctls, String localhostProfile) {
    public static final String RUNTIME_DEFAULT = "RuntimeDefault";
    public static final String UNCONFINED = "Unconfined";
    public static final String LOCALHOST = "Localhost";
    public static final SecurityOptions DEFAULTS = new SecurityOptions(List.of(), List.of(), false, true,
            RUNTIME_DEFAULT, Map.of());

    /** Options with the RuntimeDefault or Unconfined profile. */
    public SecurityOptions(List<String> capAdd, List<String> capDrop, boolean privileged, boolean noNewPrivileges,
                           String seccomp, Map<String, String> sysctls) {
        this(capAdd, capDrop, privileged, noNewPrivileges, seccomp, sysctls, null);
    }

    public SecurityOptions {
        capAdd = capAdd.stream().map(SecurityOptions::capName).toList();
        capDrop = capDrop.stream().map(SecurityOptions::capName).toList();
        sysctls = Map.copyOf(sysctls);
        if (!seccomp.equals(RUNTIME_DEFAULT) && !seccomp.equals(UNCONFINED) && !seccomp.equals(LOCALHOST)) {
            throw new InvalidConfigException("failed to configure seccomp: \"" + seccomp + "\" is not "
                    + RUNTIME_DEFAULT + ", " + UNCONFINED + " or " + LOCALHOST);
        }
        if (seccomp.equals(LOCALHOST) != (localhostProfile != null)) {
            throw new InvalidConfigException("failed to configure seccomp: a profile path goes with " + LOCALHOST
                    + " and only with it");
        }
        if (localhostProfile != null && !localhostProfile.startsWith("/")) {
            throw new InvalidConfigException("failed to configure seccomp: profile \"" + localhostProfile
                    + "\" is not an absolute path");
        }
    }

    /** {@code net_admin} or {@code NET_ADMIN} -> {@code CAP_NET_ADMIN}; {@code ALL} stays. */
    static String capName(String c) {
        String u = c.toUpperCase(Locale.ROOT);
        return u.equals("ALL") || u.startsWith("CAP_") ? u : "CAP_" + u;
    }
}
