package dev.podlab.core.image.unpack;

import dev.podlab.core.image.Digest;
import dev.podlab.core.sys.LibC;

/**
 * How to unpack one layer.
 *
 * @param layer              the layer's blob digest, named in every error (may be null when unknown)
 * @param devices            what to do with character and block device entries
 * @param preserveOwnership  chown to the tar's uid/gid (needs root; default: when running as root)
 */
public record UnpackOptions(Digest layer, DevicePolicy devices, boolean preserveOwnership) {

    /** Device nodes in a layer. */
    public enum DevicePolicy {
        /** Create them (privileged unpacking only). */
        CREATE,
        /** Leave them out and say so in {@link UnpackResult#notes()} (the default). */
        SKIP,
        /** Refuse the layer. */
        REJECT
    }

    public UnpackOptions {
        if (devices == null) {
            devices = DevicePolicy.SKIP;
        }
    }

    /** Skip devices; keep ownership when root. */
    public static UnpackOptions defaults(Digest layer) {
        return new UnpackOptions(layer, DevicePolicy.SKIP, isRoot());
    }

    public boolean allowDevices() {
        return devices == DevicePolicy.CREATE;
    }

    public UnpackOptions withDevices(DevicePolicy policy) {
        return new UnpackOptions(layer, policy, preserveOwnership);
    }

    public UnpackOptions withPreserveOwnership(boolean preserve) {
        return new UnpackOptions(layer, devices, preserve);
    }

    static boolean isRoot() {
        try {
            return LibC.INSTANCE.geteuid() == 0;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }
}
