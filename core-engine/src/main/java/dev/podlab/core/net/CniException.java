package dev.podlab.core.net;

import java.util.Optional;

/**
 * A CNI operation failed: a configuration that does not parse, a plugin that is missing, times out, or answers
 * with a CNI error. For the last, {@link #plugin()}, {@link #code()}, {@link #pluginMessage()} and
 * {@link #details()} carry the plugin's error JSON, and the message reads for example
 * {@code failed to add pod default/web to network podlab: bridge: failed to set bridge addr: could not add IP
 * address to "cni0": permission denied}.
 */
public class CniException extends NetworkException {

    /** CNI spec error code 11: the runtime should retry later. */
    public static final int CODE_TRY_AGAIN_LATER = 11;

    private final String plugin;
    private final int code;
    private final String pluginMessage;
    private final String details;

    public CniException(String action, String object, String detail) {
        this(action, object, detail, null);
    }

    public CniException(String action, String object, String detail, Throwable cause) {
        super(action, object, detail, cause);
        this.plugin = null;
        this.code = 0;
        this.pluginMessage = null;
        this.details = null;
    }

    CniException(String action, String object, PluginFailure failure) {
        super(action, object, failure.getMessage(), failure);
        this.plugin = failure.plugin();
        this.code = failure.code();
        this.pluginMessage = failure.pluginMessage();
        this.details = failure.details();
    }

    /** The plugin type that failed, when a plugin did. */
    public Optional<String> plugin() {
        return Optional.ofNullable(plugin);
    }

    /** The CNI error code the plugin returned, 0 when there was no error JSON. */
    public int code() {
        return code;
    }

    /** The plugin's {@code msg}, when it sent an error JSON. */
    public Optional<String> pluginMessage() {
        return Optional.ofNullable(pluginMessage);
    }

    /** The plugin's {@code details}, when it sent them. */
    public Optional<String> details() {
        return Optional.ofNullable(details);
    }
}
