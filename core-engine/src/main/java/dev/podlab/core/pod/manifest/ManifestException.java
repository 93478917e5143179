package dev.podlab.core.pod.manifest;

import dev.podlab.core.PodlabException;

/**
 * A manifest file has errors (or, in strict mode, warnings); nothing in it may run. The message is
 * "failed to load pod manifest SOURCE: N errors" followed by the error lines; {@link #report()}
 * holds every entry, warnings and notes included.
 */
public class ManifestException extends PodlabException {
    private final transient Report report;

    public ManifestException(String source, Report report) {
        super(message(source, report));
        this.report = report;
    }

    /** Everything found, errors first in {@link Report#errors()}. */
    public Report report() {
        return report;
    }

    private static String message(String source, Report report) {
        var errors = report.errors();
        StringBuilder b = new StringBuilder("failed to load pod manifest ").append(source).append(": ")
                .append(errors.size()).append(errors.size() == 1 ? " error" : " errors");
        for (Report.Entry e : errors) {
            b.append('\n').append(e.format());
        }
        return b.toString();
    }
}
