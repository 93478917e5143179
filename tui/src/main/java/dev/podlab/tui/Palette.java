package dev.podlab.tui;

import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TextColor;
import com.googlecode.lanterna.graphics.TextGraphics;

/**
 * The 16-colour ANSI palette, or a monochrome one (bold and reverse video only) when {@code NO_COLOR} is set
 * (no-color.org): every screen stays readable without colour.
 */
final class Palette {
    private final boolean mono;

    private Palette(boolean mono) {
        this.mono = mono;
    }

    static Palette color() {
        return new Palette(false);
    }

    static Palette monochrome() {
        return new Palette(true);
    }

    /** Monochrome when NO_COLOR is set to anything non-empty, as the convention says. */
    static Palette fromEnvironment() {
        String v = System.getenv("NO_COLOR");
        return v != null && !v.isEmpty() ? monochrome() : color();
    }

    boolean mono() {
        return mono;
    }

    void apply(TextGraphics g, Style s) {
        g.clearModifiers();
        g.setForegroundColor(TextColor.ANSI.DEFAULT);
        g.setBackgroundColor(TextColor.ANSI.DEFAULT);
        if (mono) {
            switch (s) {
                case SELECTED, PROMPT -> g.enableModifiers(SGR.REVERSE);
                case HEADER, TITLE, COLUMN, BAD -> g.enableModifiers(SGR.BOLD);
                default -> { }
            }
            return;
        }
        switch (s) {
            case HEADER -> g.setForegroundColor(TextColor.ANSI.CYAN_BRIGHT);
            case TITLE -> {
                g.setForegroundColor(TextColor.ANSI.BLACK);
                g.setBackgroundColor(TextColor.ANSI.CYAN);
            }
            case COLUMN -> {
                g.setForegroundColor(TextColor.ANSI.WHITE_BRIGHT);
                g.enableModifiers(SGR.BOLD);
            }
            case SELECTED -> {
                g.setForegroundColor(TextColor.ANSI.WHITE_BRIGHT);
                g.setBackgroundColor(TextColor.ANSI.BLUE);
            }
            case DIM -> g.setForegroundColor(TextColor.ANSI.BLACK_BRIGHT);
            case GOOD -> g.setForegroundColor(TextColor.ANSI.GREEN);
            case WARN -> g.setForegroundColor(TextColor.ANSI.YELLOW);
            case BAD -> g.setForegroundColor(TextColor.ANSI.RED_BRIGHT);
            case ACCENT -> g.setForegroundColor(TextColor.ANSI.MAGENTA_BRIGHT);
            case PROMPT -> {
                g.setForegroundColor(TextColor.ANSI.BLACK);
                g.setBackgroundColor(TextColor.ANSI.YELLOW);
            }
            default -> { }
        }
    }
}
