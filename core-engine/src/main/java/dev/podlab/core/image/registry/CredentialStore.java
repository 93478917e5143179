package dev.podlab.core.image.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.podlab.core.PodlabException;
import dev.podlab.core.image.ImageException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Registry credentials from the auth files other tools keep, plus podlab's own file, which
 * {@code podlab login} writes. All use the docker format:
 * {@code {"auths": {"<host>": {"auth": "<base64 user:pass>", "identitytoken": "..."}}}}.
 *
 * <p>Lookup order: podlab's file, {@code $XDG_RUNTIME_DIR/containers/auth.json} (podman, skopeo),
 * {@code ~/.docker/config.json}. Files are read on every lookup, so a login takes effect at once.
 * Credential helpers ({@code credsStore}, {@code credHelpers}) are not run.
 */
public final class CredentialStore implements Credentials {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path own;
    private final List<Path> others;

    private CredentialStore(Path own, List<Path> others) {
        this.own = own;
        this.others = List.copyOf(others);
    }

    /**
     * @param ownFile       podlab's auth file (read first, the only one written)
     * @param home          home directory holding {@code .docker/config.json}; null to skip
     * @param xdgRuntimeDir directory holding {@code containers/auth.json}; null to skip
     */
    public static CredentialStore open(Path ownFile, Path home, Path xdgRuntimeDir) {
        List<Path> others = new ArrayList<>();
        if (xdgRuntimeDir != null) {
            others.add(xdgRuntimeDir.resolve("containers/auth.json"));
        }
        if (home != null) {
            others.add(home.resolve(".docker/config.json"));
        }
        return new CredentialStore(ownFile, others);
    }

    /** {@link #open} with this user's home ({@code user.home}) and {@code $XDG_RUNTIME_DIR}. */
    public static CredentialStore forCurrentUser(Path ownFile) {
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        return open(ownFile, Path.of(System.getProperty("user.home")),
                xdg == null || xdg.isBlank() ? null : Path.of(xdg));
    }

    /** Every file consulted, in lookup order. */
    public List<Path> files() {
        List<Path> all = new ArrayList<>();
        all.add(own);
        all.addAll(others);
        return List.copyOf(all);
    }

    public Path ownFile() {
        return own;
    }

    @Override
    public Optional<Credential> find(String registry) {
        String host = RegistryConfig.normalise(registry);
        for (Path file : files()) {
            Optional<Credential> c = findIn(file, host);
            if (c.isPresent()) {
                return c;
            }
        }
        return Optional.empty();
    }

    /** Where the credential for {@code registry} comes from, if any (for {@code podlab login} to tell). */
    public Optional<Path> sourceOf(String registry) {
        String host = RegistryConfig.normalise(registry);
        return files().stream().filter(f -> findIn(f, host).isPresent()).findFirst();
    }

    /** Stores {@code user:password} for {@code registry} in podlab's file: atomically, mode 0600. */
    public void save(String registry, String username, String password) {
        String host = RegistryConfig.normalise(registry);
        if (username == null || username.isEmpty() || username.contains(":")) {
            throw new ImageException("failed to save credentials for " + host
                    + ": the user name must be non-empty and contain no ':'");
        }
        update("save credentials for " + host, root -> {
            ObjectNode auths = root.withObjectProperty("auths");
            ObjectNode entry = JSON.createObjectNode();
            entry.put("auth", Base64.getEncoder().encodeToString(
                    (username + ":" + (password == null ? "" : password)).getBytes(StandardCharsets.UTF_8)));
            auths.set(host, entry);
            return true;
        });
    }

    /** Forgets the credentials for {@code registry} in podlab's file; false when there were none. */
    public boolean remove(String registry) {
        String host = RegistryConfig.normalise(registry);
        boolean[] removed = {false};
        update("remove credentials for " + host, root -> {
            JsonNode auths = root.get("auths");
            if (auths instanceof ObjectNode o) {
                for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                    String key = it.next();
                    if (matches(key, host)) {
                        it.remove();
                        removed[0] = true;
                    }
                }
            }
            return removed[0];
        });
        return removed[0];
    }

    private interface Edit {
        boolean apply(ObjectNode root);
    }

    private void update(String what, Edit edit) {
        Path dir = own.toAbsolutePath().getParent();
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            // A lock next to the file serialises concurrent logins; the rename keeps readers safe.
            Path lockFile = dir.resolve("." + own.getFileName() + ".lock");
            try (FileChannel lockCh = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = lockCh.lock()) {
                ObjectNode root = readTree(own).orElseGet(JSON::createObjectNode);
                if (edit.apply(root)) {
                    writePrivate(own, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
                }
            }
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed(what, "in " + own, e), e);
        }
    }

    /** temp file created 0600 (never readable by others, not even briefly), fsync, rename, fsync dir. */
    private static void writePrivate(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid()
                + "-" + Thread.currentThread().threadId());
        Files.deleteIfExists(tmp);
        try {
            try (FileChannel ch = FileChannel.open(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static Optional<ObjectNode> readTree(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty(); // no such file: nothing stored there, which is fine
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("read credentials", "file " + file, e), e);
        }
        if (bytes.length == 0) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(bytes);
            if (!(n instanceof ObjectNode o)) {
                throw new ImageException("failed to read credentials file " + file + ": not a JSON object");
            }
            return Optional.of(o);
        } catch (IOException e) {
            throw new ImageException("failed to read credentials file " + file + ": invalid JSON: "
                    + PodlabException.describe(e).lines().findFirst().orElse(""), e);
        }
    }

    private static Optional<Credential> findIn(Path file, String host) {
        Optional<ObjectNode> root = readTree(file);
        if (root.isEmpty() || !(root.get().get("auths") instanceof ObjectNode auths)) {
            return Optional.empty();
        }
        // An exact key wins over a URL-form key ("https://index.docker.io/v1/") for the same host.
        JsonNode entry = auths.get(host);
        if (entry == null) {
            for (Map.Entry<String, JsonNode> e : auths.properties()) {
                if (matches(e.getKey(), host)) {
                    entry = e.getValue();
                    break;
                }
            }
        }
        if (entry == null || !entry.isObject()) {
            return Optional.empty();
        }
        return Optional.ofNullable(decode(file, host, entry));
    }

    /** Key forms: "host[:port]", "http(s)://host[:port][/path]"; keys scoped to a repository path are not host keys. */
    static boolean matches(String key, String host) {
        String k = key.toLowerCase(Locale.ROOT);
        boolean url = false;
        for (String scheme : List.of("https://", "http://")) {
            if (k.startsWith(scheme)) {
                k = k.substring(scheme.length());
                url = true;
            }
        }
        int slash = k.indexOf('/');
        if (slash >= 0) {
            if (!url) {
                return false;
            }
            k = k.substring(0, slash);
        }
        return RegistryConfig.normalise(k).equals(host);
    }

    private static Credential decode(Path file, String host, JsonNode entry) {
        String identityToken = text(entry, "identitytoken");
        String auth = text(entry, "auth");
        String user = text(entry, "username");
        String password = text(entry, "password");
        if (auth != null && !auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new ImageException("failed to read credentials for " + host + " in " + file
                        + ": \"auth\" is not base64", e);
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new ImageException("failed to read credentials for " + host + " in " + file
                        + ": \"auth\" does not decode to user:password");
            }
            user = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        if (user == null && password == null && identityToken == null) {
            return null;
        }
        return new Credential(user, password, identityToken);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() && !v.asText().isEmpty() ? v.asText() : null;
    }
}
