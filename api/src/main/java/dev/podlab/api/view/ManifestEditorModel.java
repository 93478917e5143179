package dev.podlab.api.view;

import dev.podlab.api.v1.ReportEntry;
import dev.podlab.api.v1.ValidateResponse;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A manifest being edited: its text, whether it changed since it was opened or saved, and what the engine's
 * validation (Pods.Validate) said about the latest text, by line. Each edit gets a version; a validation answer
 * for an older version is dropped, so a slow answer never marks lines of text that is gone. Debouncing belongs
 * to the view (it knows its toolkit's timers); the model only needs {@link #edit} and {@link #validated}.
 */
public final class ManifestEditorModel extends ViewModel {
    /** One problem at its place. */
    public record Problem(int line, int column, String severity, String path, String message) {
        public boolean error() {
            return severity.equals("ERROR");
        }

        /** "12:3 ERROR spec.containers[0].image: must not be empty". */
        public String format() {
            return line + ":" + column + " " + severity + " " + (path.isEmpty() ? "" : path + ": ") + message;
        }
    }

    private String file = "";
    private String text = "";
    private boolean dirty;
    private long version;
    private long validatedVersion = -1;
    private boolean valid;
    private List<Problem> problems = List.of();
    private List<String> pods = List.of();
    private String failure = "";

    public ManifestEditorModel(Dispatcher ui) {
        super(ui);
    }

    /** A file was opened (or a new buffer started, with file ""). */
    public long open(String file, String text) {
        checkUiThread();
        this.file = file == null ? "" : file;
        this.text = text == null ? "" : text;
        dirty = false;
        return bump();
    }

    /** The text was edited; returns the version a validation of it must quote. */
    public long edit(String text) {
        checkUiThread();
        if (text.equals(this.text)) {
            return version;
        }
        this.text = text;
        dirty = true;
        return bump();
    }

    private long bump() {
        version++;
        changed();
        return version;
    }

    /** The text was written to {@code file}. */
    public void saved(String file) {
        checkUiThread();
        this.file = file;
        dirty = false;
        changed();
    }

    /** The engine's answer for the text of {@code forVersion}; ignored when the text changed since. */
    public void validated(long forVersion, ValidateResponse r) {
        checkUiThread();
        if (forVersion != version) {
            return;
        }
        validatedVersion = forVersion;
        valid = r.getValid();
        problems = r.getReportList().stream().map(ManifestEditorModel::problem).toList();
        pods = List.copyOf(r.getPodsList());
        failure = "";
        changed();
    }

    /** The validation call itself failed (engine unreachable): said once, the old marks are dropped. */
    public void validationFailed(long forVersion, String message) {
        checkUiThread();
        if (forVersion != version) {
            return;
        }
        validatedVersion = forVersion;
        valid = false;
        problems = List.of();
        failure = message;
        changed();
    }

    private static Problem problem(ReportEntry e) {
        int line = e.getLine();
        int column = e.getColumn();
        if (line <= 0) {
            // Older engines send only "file:line:column": read the numbers from its end.
            String[] parts = e.getLocation().split(":");
            if (parts.length >= 3) {
                try {
                    line = Integer.parseInt(parts[parts.length - 2]);
                    column = Integer.parseInt(parts[parts.length - 1]);
                } catch (NumberFormatException notANumber) {
                    line = 0;
                }
            }
        }
        return new Problem(Math.max(0, line), Math.max(0, column), e.getSeverity(), e.getPath(), e.getMessage());
    }

    public String file() {
        return file;
    }

    public String text() {
        return text;
    }

    public boolean dirty() {
        return dirty;
    }

    public long version() {
        return version;
    }

    /** Whether the shown problems belong to the current text. */
    public boolean upToDate() {
        return validatedVersion == version;
    }

    public boolean valid() {
        return valid && upToDate();
    }

    public List<Problem> problems() {
        return problems;
    }

    /** namespace/name of the pods the text would run (from the last validation). */
    public List<String> pods() {
        return pods;
    }

    public String failure() {
        return failure;
    }

    /** The worst severity per 1-based line: "ERROR" beats "WARNING" beats "NOTE". */
    public Map<Integer, String> severityByLine() {
        Map<Integer, String> m = new TreeMap<>();
        for (Problem p : problems) {
            m.merge(p.line(), p.severity(), (a, b) -> rank(a) >= rank(b) ? a : b);
        }
        return m;
    }

    public long errorCount() {
        return problems.stream().filter(Problem::error).count();
    }

    /** A one-line summary for a status line. */
    public String summary() {
        if (!failure.isEmpty()) {
            return "cannot validate: " + failure;
        }
        if (!upToDate()) {
            return "checking...";
        }
        long errors = errorCount();
        long others = problems.size() - errors;
        if (errors == 0) {
            return "valid: " + (pods.isEmpty() ? "no pods" : String.join(", ", pods))
                    + (others == 0 ? "" : " (" + others + " warning" + (others == 1 ? "" : "s") + " or notes)");
        }
        return errors + " error" + (errors == 1 ? "" : "s") + (others == 0 ? "" : ", " + others + " warnings or notes");
    }

    private static int rank(String severity) {
        return switch (severity) {
            case "ERROR" -> 3;
            case "WARNING" -> 2;
            default -> 1;
        };
    }
}
