package dev.podlab.core.config;

import dev.podlab.core.PodlabException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the engine configuration file ({@code /etc/podlab/podlab.yaml}) into {@link EngineSettings}.
 *
 * <p>Strict: an unknown key, a value of the wrong type or out of range, a duplicate key, a YAML alias
 * or tag, a second document: each is a {@link ConfigException} whose one-line message names the
 * file, the line and column and the key path, for example
 * {@code failed to load /etc/podlab/podlab.yaml: line 7, column 3: unknown key registries.mirorrs
 * (known: insecure, mirrors, parallelDownloads)}. Keys that are absent keep their defaults; an
 * empty file is all defaults.
 *
 * <p>The file is read with Jackson's streaming YAML parser into nodes that keep their positions
 * ({@link YamlTree}); Jackson's tree model is not used because it reads aliases as their anchor's
 * name and keeps the last of two equal keys.
 */
public final class EngineSettingsLoader {
    public static final Path DEFAULT_FILE = Path.of("/etc/podlab/podlab.yaml");
    /** Names the configuration file instead of {@link #DEFAULT_FILE}; it must then exist. */
    public static final String CONFIG_ENV = "PODLAB_CONFIG";
    /** The commented example, every key at its default, on the classpath. */
    public static final String EXAMPLE_RESOURCE = "/dev/podlab/core/config/podlab.yaml";

    /** Far larger than any real configuration; a bigger file is not what the user meant to load. */
    static final int MAX_BYTES = 1 << 20;

    private EngineSettingsLoader() {}

    /** Reads {@code file}; defaults when it does not exist. */
    public static EngineSettings load(Path file) {
        return read(file, false);
    }

    /** Reads {@code file}, which must exist (a {@code --config FILE} flag, {@code $PODLAB_CONFIG}). */
    public static EngineSettings loadRequired(Path file) {
        return read(file, true);
    }

    /**
     * Reads the configuration the engine uses when no file is named on the command line:
     * {@code $PODLAB_CONFIG} if set (it must exist), else {@code /etc/podlab/podlab.yaml} if present,
     * else the defaults.
     */
    public static EngineSettings loadDefault() {
        return loadDefault(System.getenv(), DEFAULT_FILE);
    }

    static EngineSettings loadDefault(Map<String, String> env, Path fallback) {
        return configuredFile(env, fallback).map(EngineSettingsLoader::loadRequired)
                .orElseGet(EngineSettings::defaults);
    }

    /**
     * The file {@link #loadDefault()} reads: {@code $PODLAB_CONFIG} when set, else
     * {@code /etc/podlab/podlab.yaml} when it exists, else empty (defaults apply). For "config: ..."
     * lines in status output.
     */
    public static Optional<Path> configuredFile() {
        return configuredFile(System.getenv(), DEFAULT_FILE);
    }

    static Optional<Path> configuredFile(Map<String, String> env, Path fallback) {
        String named = env.get(CONFIG_ENV);
        if (named != null && !named.isBlank()) {
            return Optional.of(Path.of(named));
        }
        return Files.exists(fallback) ? Optional.of(fallback) : Optional.empty();
    }

    /**
     * Parses {@code yaml}; {@code sourceName} names it in messages ("failed to load SOURCE: ...").
     *
     * @throws ConfigException at the first problem, with its line, column and key path
     */
    public static EngineSettings parse(String yaml, String sourceName) {
        String text = yaml.startsWith("\uFEFF") ? yaml.substring(1) : yaml;
        try {
            return SettingsBinder.bind(YamlTree.read(text));
        } catch (YamlTree.Problem p) {
            throw ConfigException.at(sourceName, p.loc.line(), p.loc.column(), p.keyPath, p.getMessage(), p.getCause());
        }
    }

    /** The commented example file shipped in this jar: every key, each at its default. */
    public static String exampleFile() {
        try (InputStream in = EngineSettingsLoader.class.getResourceAsStream(EXAMPLE_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + EXAMPLE_RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static EngineSettings read(Path file, boolean required) {
        String source = file.toString();
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw ConfigException.unreadable(source, "is a directory, expected a YAML file", null);
            }
            if (Files.exists(file) && Files.size(file) > MAX_BYTES) {
                throw ConfigException.unreadable(source, "larger than " + (MAX_BYTES >> 20)
                        + " MiB, expected a small YAML file", null);
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            if (!required) {
                return EngineSettings.defaults();
            }
            throw ConfigException.unreadable(source, "no such file", e);
        } catch (AccessDeniedException e) {
            throw ConfigException.unreadable(source, "permission denied", e);
        } catch (IOException e) {
            throw ConfigException.unreadable(source, PodlabException.describe(e), e);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw ConfigException.unreadable(source, "not UTF-8 text", e);
        }
        return parse(text, source);
    }
}
