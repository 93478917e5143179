package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;

import java.util.ArrayList;
import java.util.List;

/** A scrollable document of styled lines with section headings (Tab jumps between them). */
final class Doc {
    record Line(String text, Style style, boolean heading) {}

    private final List<Line> lines = new ArrayList<>();
    int top;
    private int height = 10;

    void clear() {
        lines.clear();
    }

    Doc heading(String text) {
        if (!lines.isEmpty()) {
            lines.add(new Line("", Style.NORMAL, false));
        }
        lines.add(new Line(text, Style.HEADER, true));
        return this;
    }

    Doc line(String text, Style style) {
        lines.add(new Line(text, style, false));
        return this;
    }

    Doc line(String text) {
        return line(text, Style.NORMAL);
    }

    /** Scrolls so the last section's heading is the top line. */
    void toLastHeading() {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).heading()) {
                top = i;
                return;
            }
        }
    }

    int size() {
        return lines.size();
    }

    void draw(Canvas c) {
        height = c.height();
        top = Math.max(0, Math.min(top, Math.max(0, lines.size() - height)));
        for (int i = 0; i < height && top + i < lines.size(); i++) {
            Line l = lines.get(top + i);
            c.text(1, i, l.text(), l.style());
        }
    }

    boolean onKey(KeyStroke k) {
        if (Keys.type(k, KeyType.ArrowUp) || Keys.is(k, 'k')) {
            top--;
        } else if (Keys.type(k, KeyType.ArrowDown) || Keys.is(k, 'j')) {
            top++;
        } else if (Keys.type(k, KeyType.PageUp)) {
            top -= height - 1;
        } else if (Keys.type(k, KeyType.PageDown)) {
            top += height - 1;
        } else if (Keys.type(k, KeyType.Home)) {
            top = 0;
        } else if (Keys.type(k, KeyType.End)) {
            top = lines.size();
        } else if (Keys.type(k, KeyType.Tab)) {
            for (int i = top + 1; i < lines.size(); i++) {
                if (lines.get(i).heading()) {
                    top = i;
                    return true;
                }
            }
            top = 0;
        } else {
            return false;
        }
        top = Math.max(0, top);
        return true;
    }
}
