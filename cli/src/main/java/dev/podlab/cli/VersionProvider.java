package dev.podlab.cli;

import picocli.CommandLine;

/** Version from the jar manifest when packaged, else the development marker. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"podlab " + (v != null ? v : "0.1.0-SNAPSHOT (development build)"),
                "Java " + Runtime.version() + ", " + System.getProperty("os.name") + " " + System.getProperty("os.version")};
    }
}
