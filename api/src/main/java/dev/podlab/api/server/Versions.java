package dev.podlab.api.server;

/** podlab's version: from the jar manifest when packaged, else the development marker. */
public final class Versions {
    private Versions() {}

    public static String podlab() {
        String v = Versions.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
