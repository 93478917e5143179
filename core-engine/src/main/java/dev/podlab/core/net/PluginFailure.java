package dev.podlab.core.net;

/**
 * One plugin invocation failed (package-private): error JSON, other non-zero exit, or timeout. {@link CniRunner}
 * wraps it into a {@link CniException} naming the pod and network. The message is {@code <plugin>: <msg>[: <details>]}.
 */
final class PluginFailure extends Exception {

    private final String plugin;
    private final int code;
    private final String pluginMessage;
    private final String details;

    PluginFailure(String plugin, int code, String pluginMessage, String details) {
        super(plugin + ": " + pluginMessage + (details == null || details.isBlank() ? "" : ": " + details));
        this.plugin = plugin;
        this.code = code;
        this.pluginMessage = pluginMessage;
        this.details = details == null || details.isBlank() ? null : details;
    }

    String plugin() {
        return plugin;
    }

    int code() {
        return code;
    }

    String pluginMessage() {
        return pluginMessage;
    }

    String details() {
        return details;
    }
}
