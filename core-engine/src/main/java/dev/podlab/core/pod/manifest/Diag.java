package dev.podlab.core.pod.manifest;

import dev.podlab.core.config.YamlTree.Loc;

import java.util.ArrayList;
import java.util.List;

/** Collects report entries for one source while a file is bound; never stops at the first. */
final class Diag {
    final String source;
    private final List<Report.Entry> entries = new ArrayList<>();
    private int errors;

    Diag(String source) {
        this.source = source;
    }

    Location at(Loc l) {
        return new Location(source, l.line(), l.column());
    }

    void error(Loc l, String path, String message) {
        errors++;
        entries.add(new Report.Entry(Report.Severity.ERROR, at(l), path, message));
    }

    void warn(Loc l, String path, String message) {
        entries.add(new Report.Entry(Report.Severity.WARNING, at(l), path, message));
    }

    void note(Loc l, String path, String message) {
        entries.add(new Report.Entry(Report.Severity.NOTE, at(l), path, message));
    }

    int errorCount() {
        return errors;
    }

    List<Report.Entry> entries() {
        return entries;
    }
}
