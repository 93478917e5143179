package dev.podlab.core.cgroup;

/**
 * One entry of the devices allowlist ("c 1:3 rwm"): which device nodes a container may
 * open or create. Without it, a container holding CAP_MKNOD could make a node for the
 * host's disk and read it.
 *
 * @param type  'a' (all), 'c' (char) or 'b' (block)
 * @param major null for any
 * @param minor null for any
 */
public record DeviceRule(boolean allow, char type, Long major, Long minor, String access) {
    public DeviceRule {
        if (type != 'a' && type != 'c' && type != 'b') {
            throw new CgroupException("validate", "device rule", "type must be a, c or b, got " + type);
        }
        if (access == null || access.isEmpty() || !access.matches("[rwm]+")) {
            throw new CgroupException("validate", "device rule", "access must be letters of rwm, got " + access);
        }
    }

    /** The kernel's v1 syntax: "c 1:3 rwm", "a *:* rwm". */
    public String v1Syntax() {
        return type + " " + (major == null ? "*" : major) + ":" + (minor == null ? "*" : minor) + " " + access;
    }
}
