package dev.podlab.core.runtime.builtin;

import dev.podlab.core.PodlabException;
import dev.podlab.core.state.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Finds the podlab-shim executable. The engine ships it inside its own jar and installs it
 * once per content hash under {@code <root>/bin}, read-only (0555), so a container can
 * never rewrite the binary that supervises the next one. {@code -Dpodlab.shim=PATH}
 * overrides (for a shim built by hand).
 */
public final class ShimBinary {
    private static final String RESOURCE = "/native/podlab-shim";

    private ShimBinary() {}

    public static Path locate(Path stateRoot) {
        String override = System.getProperty("podlab.shim");
        if (override != null) {
            return Path.of(override);
        }
        try {
            // The build writes the binary's hash beside it: when that copy is installed already,
            // starting the engine does not read (let alone hash) the 1 MB binary again.
            String known = resourceText(RESOURCE + ".sha256");
            if (known != null) {
                Path installed = stateRoot.resolve("bin").resolve("podlab-shim-" + known.substring(0, 12));
                if (Files.isExecutable(installed)) {
                    return installed;
                }
            }
            byte[] bytes;
            try (InputStream in = ShimBinary.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new PodlabException("failed to find podlab-shim: the engine was built without it "
                            + "(the build needs gcc, make and libseccomp-dev)");
                }
                bytes = in.readAllBytes();
            }
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            if (known != null && !known.equals(hash)) {
                throw new PodlabException("failed to install podlab-shim: its content does not match the hash the "
                        + "build recorded (" + known + "); rebuild podlab");
            }
            Path bin = stateRoot.resolve("bin");
            Path target = bin.resolve("podlab-shim-" + hash.substring(0, 12));
            if (!Files.isExecutable(target)) {
                Files.createDirectories(bin);
                AtomicFiles.write(target, bytes);
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("r-xr-xr-x"));
            }
            return target;
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new PodlabException(PodlabException.failed("install", "podlab-shim", e), e);
        }
    }

    private static String resourceText(String name) throws IOException {
        try (InputStream in = ShimBinary.class.getResourceAsStream(name)) {
            if (in == null) {
                return null;
            }
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip();
            return text.matches("[0-9a-f]{64}") ? text : null;
        }
    }
}
