package dev.podlab.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * {@code podlab --version}: the version, git commit and build time the build wrote into
 * {@code build-info.properties}, and the Java runtime actually running (the packaged one under
 * /opt/podlab/lib/runtime when installed from the .deb).
 */
public final class VersionProvider implements CommandLine.IVersionProvider {
    static final String RESOURCE = "build-info.properties";

    /** What the build recorded; {@code unknown} for anything it could not find out. */
    public record BuildInfo(String version, String commit, String buildTime) {
        static BuildInfo read(Properties p) {
            return new BuildInfo(value(p, "version"), value(p, "commit"), value(p, "buildTime"));
        }

        private static String value(Properties p, String key) {
            String v = p.getProperty(key, "").strip();
            // An unfiltered placeholder (an IDE build that skipped Maven's filtering) says nothing.
            return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
        }
    }

    /** The build information on the classpath, or all {@code unknown} without it. */
    public static BuildInfo buildInfo() {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return BuildInfo.read(p);
    }

    @Override
    public String[] getVersion() {
        BuildInfo b = buildInfo();
        return new String[] {
                "podlab " + b.version(),
                "commit: " + b.commit() + ", built " + b.buildTime(),
                "Java: " + Runtime.version() + " (" + System.getProperty("java.vendor") + ") at "
                        + System.getProperty("java.home"),
                "OS: " + System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch")};
    }
}
