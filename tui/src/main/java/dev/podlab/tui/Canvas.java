package dev.podlab.tui;

import com.googlecode.lanterna.graphics.TextGraphics;

/** A rectangle of the screen to draw styled text in; text past its right edge is cut. */
final class Canvas {
    private final TextGraphics g;
    private final Palette palette;
    private final int left;
    private final int top;
    private final int width;
    private final int height;

    Canvas(TextGraphics g, Palette palette, int left, int top, int width, int height) {
        this.g = g;
        this.palette = palette;
        this.left = left;
        this.top = top;
        this.width = Math.max(0, width);
        this.height = Math.max(0, height);
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    /** A sub-area, relative to this one. */
    Canvas region(int col, int row, int w, int h) {
        return new Canvas(g, palette, left + col, top + row, Math.min(w, width - col), Math.min(h, height - row));
    }

    /** Writes {@code text} at (col, row), cut at the right edge; returns the column after it. */
    int text(int col, int row, String text, Style style) {
        if (row < 0 || row >= height || col >= width || text == null) {
            return col;
        }
        String s = text.length() > width - col ? text.substring(0, Math.max(0, width - col)) : text;
        palette.apply(g, style);
        g.putString(left + col, top + row, s.replace('\t', ' ').replace('\r', ' ').replace('\n', ' '));
        return col + s.length();
    }

    /** Fills a whole row with blanks in {@code style} (a selection bar, a title bar). */
    void fillRow(int row, Style style) {
        if (row < 0 || row >= height) {
            return;
        }
        palette.apply(g, style);
        g.putString(left, top + row, " ".repeat(width));
    }

    /** {@code s} cut or padded to exactly {@code w} cells. */
    static String fit(String s, int w) {
        if (w <= 0) {
            return "";
        }
        if (s == null) {
            s = "";
        }
        if (s.length() > w) {
            return w == 1 ? "…" : s.substring(0, w - 1) + "…";
        }
        return s + " ".repeat(w - s.length());
    }

    /** {@code s} right-aligned in {@code w} cells. */
    static String right(String s, int w) {
        if (s.length() >= w) {
            return s.substring(0, w);
        }
        return " ".repeat(w - s.length()) + s;
    }
}
