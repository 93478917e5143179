package dev.podlab.core;

/**
 * Base of podlab's typed errors. Messages read "failed to &lt;action&gt; &lt;object&gt;: &lt;cause&gt;"
 * so that a chain printed on one line still tells the user what went wrong and where.
 */
public class PodlabException extends RuntimeException {
    public PodlabException(String message) {
        super(message);
    }

    public PodlabException(String message, Throwable cause) {
        super(message, cause);
    }

    /** "failed to ACTION OBJECT: CAUSE" with the cause's own message appended. */
    public static String failed(String action, String object, Throwable cause) {
        return "failed to " + action + " " + object + ": " + describe(cause);
    }

    public static String describe(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        return m;
    }
}
