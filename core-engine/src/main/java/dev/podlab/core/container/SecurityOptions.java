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
 * @param privileged      every capability, no seccomp filter, no masked or read-only paths, every device allowed by
 *                        the devices cgroup (host device nodes are not bind-mounted)
 * @param noNewPrivileges false only when privilege escalation is allowed
 * @param seccomp         {@code RuntimeDefault} or {@code Unconfined}
 * @param sysctls         namespaced kernel parameters to set (the manifest parser allows only Kubernetes' safe set)
 */
public record SecurityOptions(List<String> capAdd, List<String> capDrop, boolean privileged, boolean noNewPrivileges,
                              String seccomp, Map<String, String> sysctls) {
    public static final String RUNTIME_DEFAULT = "RuntimeDefault";
    public static final String UNCONFINED = "Unconfined";
    public static final SecurityOptions DEFAULTS = new SecurityOptions(List.of(), List.of(), false, true,
            RUNTIME_DEFAULT, Map.of());

    public SecurityOptions {
        capAdd = capAdd.stream().map(SecurityOptions::capName).toList();
        capDrop = capDrop.stream().map(SecurityOptions::capName).toList();
        sysctls = Map.copyOf(sysctls);
        if (!seccomp.equals(RUNTIME_DEFAULT) && !seccomp.equals(UNCONFINED)) {
            throw new InvalidConfigException("failed to configure seccomp: \"" + seccomp + "\" is not "
                    + RUNTIME_DEFAULT + " or " + UNCONFINED + " (Localhost profiles are not supported yet)");
        }
    }

    /** {@code net_admin} or {@code NET_ADMIN} -> {@code CAP_NET_ADMIN}; {@code ALL} stays. */
    static String capName(String c) {
        String u = c.toUpperCase(Locale.ROOT);
        return u.equals("ALL") || u.startsWith("CAP_") ? u : "CAP_" + u;
    }
}
