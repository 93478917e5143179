package dev.podlab.api.view;

import dev.podlab.core.pod.LineDiff;

import java.util.ArrayList;
import java.util.List;

/**
 * Two texts (two containers' config.json, typically on different runtimes) side by side: rows that hold the
 * same line on both sides, a changed line (a removed line paired with the added line that replaced it), or a
 * line on one side only. Built from core's {@link LineDiff}, so the CLI's compare and the workbenches agree.
 */
public final class ConfigDiffModel extends ViewModel {
    /** How a row differs. */
    public enum Kind { SAME, CHANGED, LEFT_ONLY, RIGHT_ONLY }

    /**
     * One row of the side-by-side view.
     *
     * @param left      the left line, "" when the row has none
     * @param leftLine  1-based line number on the left, 0 when none
     */
    public record Row(Kind kind, String left, int leftLine, String right, int rightLine) {}

    private String leftTitle = "";
    private String rightTitle = "";
    private List<Row> rows = List.of();

    public ConfigDiffModel(Dispatcher ui) {
        super(ui);
    }

    /** Compares {@code left} with {@code right} and shows the result. */
    public void load(String leftTitle, String left, String rightTitle, String right) {
        checkUiThread();
        this.leftTitle = leftTitle;
        this.rightTitle = rightTitle;
        this.rows = rows(left, right);
        changed();
    }

    public void clear() {
        checkUiThread();
        leftTitle = "";
        rightTitle = "";
        rows = List.of();
        changed();
    }

    public String leftTitle() {
        return leftTitle;
    }

    public String rightTitle() {
        return rightTitle;
    }

    public List<Row> rows() {
        return rows;
    }

    /** Rows that are not the same on both sides. */
    public long differences() {
        return rows.stream().filter(r -> r.kind() != Kind.SAME).count();
    }

    /** The side-by-side rows of two texts: runs of removed and added lines are paired up as changed rows. */
    public static List<Row> rows(String left, String right) {
        List<String> ops = LineDiff.full(left, right);
        List<Row> out = new ArrayList<>();
        int l = 0;
        int r = 0;
        int k = 0;
        while (k < ops.size()) {
            String op = ops.get(k);
            if (op.startsWith("  ")) {
                out.add(new Row(Kind.SAME, op.substring(2), ++l, op.substring(2), ++r));
                k++;
                continue;
            }
            // A block of changes: every "-" and "+" up to the next common line.
            List<String> removed = new ArrayList<>();
            List<String> added = new ArrayList<>();
            while (k < ops.size() && !ops.get(k).startsWith("  ")) {
                (ops.get(k).startsWith("-") ? removed : added).add(ops.get(k).substring(2));
                k++;
            }
            int n = Math.max(removed.size(), added.size());
            for (int i = 0; i < n; i++) {
                boolean hasL = i < removed.size();
                boolean hasR = i < added.size();
                Kind kind = hasL && hasR ? Kind.CHANGED : hasL ? Kind.LEFT_ONLY : Kind.RIGHT_ONLY;
                out.add(new Row(kind, hasL ? removed.get(i) : "", hasL ? ++l : 0, hasR ? added.get(i) : "", hasR ? ++r : 0));
            }
        }
        return List.copyOf(out);
    }
}
