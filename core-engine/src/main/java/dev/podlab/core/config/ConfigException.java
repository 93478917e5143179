package dev.podlab.core.config;

import dev.podlab.core.PodlabException;

/**
 * The engine configuration could not be read or holds a bad value. The message is one line that
 * names the file, the position and the key path:
 * {@code failed to load /etc/podlab/podlab.yaml: line 7, column 3: unknown key registries.mirorrs
 * (known: insecure, mirrors, parallelDownloads)}.
 *
 * <p>{@link #line()} and {@link #column()} are 1-based and 0 when the problem has no position (an
 * unreadable file, a bad command-line override). {@link #keyPath()} is empty when the problem is not
 * about one key (a YAML syntax error, an unreadable file).
 */
public class ConfigException extends PodlabException {
    private final String source;
    private final int line;
    private final int column;
    private final String keyPath;
    private final String detail;

    private ConfigException(String message, String source, int line, int column, String keyPath, String detail,
                            Throwable cause) {
        super(message, cause);
        this.source = source;
        this.line = line;
        this.column = column;
        this.keyPath = keyPath;
        this.detail = detail;
    }

    /** "failed to load SOURCE: line L, column C: DETAIL". */
    static ConfigException at(String source, int line, int column, String keyPath, String detail, Throwable cause) {
        return new ConfigException("failed to load " + source + ": line " + line + ", column " + column + ": " + detail,
                source, line, column, keyPath, detail, cause);
    }

    /** "failed to load SOURCE: DETAIL", for problems with the file as a whole. */
    static ConfigException unreadable(String source, String detail, Throwable cause) {
        return new ConfigException("failed to load " + source + ": " + detail, source, 0, 0, "", detail, cause);
    }

    /** "failed to apply overrides: KEY: DETAIL", for values that came from flags rather than the file. */
    static ConfigException override(String keyPath, String detail) {
        String d = keyPath + ": " + detail;
        return new ConfigException("failed to apply overrides: " + d, "overrides", 0, 0, keyPath, d, null);
    }

    /** The file name (or the name given to {@link EngineSettingsLoader#parse}); "overrides" for flags. */
    public String source() {
        return source;
    }

    /** 1-based line of the offending key or value; 0 when unknown. */
    public int line() {
        return line;
    }

    /** 1-based column of the offending key or value; 0 when unknown. */
    public int column() {
        return column;
    }

    /** The key path at fault ({@code registries.parallelDownloads}, {@code cni.binDirs[1]}); empty when none. */
    public String keyPath() {
        return keyPath;
    }

    /** The message without "failed to load SOURCE: line L, column C: ". */
    public String detail() {
        return detail;
    }
}
