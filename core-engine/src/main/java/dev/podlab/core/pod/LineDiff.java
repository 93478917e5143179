package dev.podlab.core.pod;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff of two texts (longest common subsequence), printed as "-" and "+" lines with a little context.
 * Public for the workbenches' side-by-side config.json diff ({@link #full}).
 */
public final class LineDiff {
    private static final int CONTEXT = 1;

    private LineDiff() {}

    static List<String> unified(String before, String after) {
        List<String> ops = full(before, after);
        List<String> out = new ArrayList<>();
        for (int k = 0; k < ops.size(); k++) {
            if (!ops.get(k).startsWith("  ")) {
                out.add(ops.get(k));
                continue;
            }
            boolean near = false;
            for (int d = -CONTEXT; d <= CONTEXT && !near; d++) {
                int n = k + d;
                near = d != 0 && n >= 0 && n < ops.size() && !ops.get(n).startsWith("  ");
            }
            if (near) {
                out.add(ops.get(k));
            } else if (!out.isEmpty() && !out.get(out.size() - 1).equals("  ...")) {
                out.add("  ...");
            }
        }
        while (!out.isEmpty() && out.get(out.size() - 1).equals("  ...")) {
            out.remove(out.size() - 1);
        }
        return out.stream().anyMatch(l -> !l.startsWith("  ")) ? out : List.of();
    }

    /**
     * Every line of both texts in diff order, each prefixed by "  " (in both), "- " (only in {@code before})
     * or "+ " (only in {@code after}); nothing is left out.
     */
    public static List<String> full(String before, String after) {
        String[] a = before.split("\n", -1);
        String[] b = after.split("\n", -1);
        int[][] lcs = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                lcs[i][j] = a[i].equals(b[j]) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<String> ops = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i].equals(b[j])) {
                ops.add("  " + a[i++]);
                j++;
            } else if (j < b.length && (i == a.length || lcs[i][j + 1] >= lcs[i + 1][j])) {
                ops.add("+ " + b[j++]);
            } else {
                ops.add("- " + a[i++]);
            }
        }
        return ops;
    }
}
