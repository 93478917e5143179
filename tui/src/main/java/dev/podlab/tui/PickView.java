package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;

import java.util.List;
import java.util.function.IntConsumer;

/** Choose one line of a short list (a runtime to swap to); Enter picks it and closes the list. */
final class PickView implements View {
    private final PodlabTui app;
    private final String title;
    private final List<String> items;
    private final IntConsumer onPick;
    private final ListNav nav = new ListNav();

    PickView(PodlabTui app, String title, List<String> items, IntConsumer onPick) {
        this.app = app;
        this.title = title;
        this.items = List.copyOf(items);
        this.onPick = onPick;
    }

    @Override
    public String title() {
        return title;
    }

    @Override
    public String hints() {
        return "Enter choose  Up/Down move  Esc cancel";
    }

    @Override
    public void draw(Canvas c) {
        nav.clamp(items.size());
        nav.scrollTo(c.height(), items.size());
        for (int i = 0; i < c.height() && nav.top + i < items.size(); i++) {
            int index = nav.top + i;
            boolean sel = index == nav.selected;
            if (sel) {
                c.fillRow(i, Style.SELECTED);
            }
            String l = items.get(index);
            c.text(1, i, l, sel ? Style.SELECTED : l.contains("✗") ? Style.BAD : Style.NORMAL);
        }
    }

    @Override
    public boolean onKey(KeyStroke k) {
        if (nav.onKey(k, items.size())) {
            return true;
        }
        if (Keys.type(k, KeyType.Enter) && !items.isEmpty()) {
            int chosen = nav.selected;
            app.pop();
            onPick.accept(chosen);
            return true;
        }
        return false;
    }
}
