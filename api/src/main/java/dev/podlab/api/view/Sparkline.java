package dev.podlab.api.view;

/** Sparklines with the eight block characters, for any text surface (TUI cells, GUI labels, tests). */
public final class Sparkline {
    private static final char[] BARS = {'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'};

    private Sparkline() {}

    /**
     * The last {@code width} values as bars, right-aligned (older cells left blank). NaN is a blank cell.
     *
     * @param max the value of a full bar; 0 or less scales to the largest value shown
     */
    public static String render(double[] values, int width, double max) {
        if (width <= 0) {
            return "";
        }
        int from = Math.max(0, values.length - width);
        double top = max;
        if (top <= 0) {
            for (int i = from; i < values.length; i++) {
                if (!Double.isNaN(values[i])) {
                    top = Math.max(top, values[i]);
                }
            }
        }
        StringBuilder sb = new StringBuilder(width);
        for (int i = values.length - from; i < width; i++) {
            sb.append(' ');
        }
        for (int i = from; i < values.length; i++) {
            double v = values[i];
            if (Double.isNaN(v)) {
                sb.append(' ');
            } else if (top <= 0) {
                sb.append(BARS[0]);
            } else {
                int level = (int) Math.round(Math.min(1.0, Math.max(0.0, v / top)) * (BARS.length - 1));
                sb.append(BARS[level]);
            }
        }
        return sb.toString();
    }

    public static String render(long[] values, int width, double max) {
        double[] d = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = values[i] < 0 ? Double.NaN : values[i];
        }
        return render(d, width, max);
    }
}
