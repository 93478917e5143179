package dev.podlab.core.pod.manifest;

import java.util.List;

/**
 * What podlab found in a manifest file besides the objects themselves: errors that stop it from
 * running anything, warnings for every field it recognises but does not honour (or does not know),
 * and notes about how it will read the file (a Deployment's template runs once).
 *
 * <p>With {@link #strict()} set (for {@code podlab play --strict}) every warning counts as an
 * error: {@link #errors()} includes them with severity {@link Severity#ERROR}.
 *
 * @param entries in the order they were found (document order, then field order)
 * @param strict  whether warnings count as errors
 */
public record Report(List<Entry> entries, boolean strict) {
    public Report {
        entries = List.copyOf(entries);
    }

    /** How much an entry matters. */
    public enum Severity { ERROR, WARNING, NOTE }

    /**
     * One finding.
     *
     * @param path    the field path inside its document ({@code spec.containers[0].image}); empty
     *                for problems with the document as a whole (YAML syntax)
     */
    public record Entry(Severity severity, Location location, String path, String message) {
        /** {@code file:line:column: path: message}, the one-line form users read. */
        public String format() {
            return location + ": " + (path.isEmpty() ? "" : path + ": ") + message;
        }

        @Override
        public String toString() {
            return severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + format();
        }
    }

    /** The same entries with warnings counted as errors when {@code strict}. */
    public Report withStrict(boolean strict) {
        return new Report(entries, strict);
    }

    /** Entries as they count: in strict mode warnings come back as errors. */
    public List<Entry> effectiveEntries() {
        if (!strict) {
            return entries;
        }
        return entries.stream().map(e -> e.severity() == Severity.WARNING
                ? new Entry(Severity.ERROR, e.location(), e.path(), e.message()) : e).toList();
    }

    /** Errors (and, when strict, warnings turned into errors). */
    public List<Entry> errors() {
        return effectiveEntries().stream().filter(e -> e.severity() == Severity.ERROR).toList();
    }

    /** Warnings; empty when strict (they are errors then). */
    public List<Entry> warnings() {
        return effectiveEntries().stream().filter(e -> e.severity() == Severity.WARNING).toList();
    }

    public List<Entry> notes() {
        return entries.stream().filter(e -> e.severity() == Severity.NOTE).toList();
    }

    public boolean hasErrors() {
        return !errors().isEmpty();
    }

    /** Every entry as {@code severity: file:line:column: path: message}, one per line. */
    public String format() {
        StringBuilder b = new StringBuilder();
        for (Entry e : effectiveEntries()) {
            b.append(e).append('\n');
        }
        return b.toString();
    }
}
