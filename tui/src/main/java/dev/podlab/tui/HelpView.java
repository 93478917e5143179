package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;

/** Every key, by view. */
final class HelpView implements View {
    private final Doc doc = new Doc();

    @Override
    public String title() {
        return "help";
    }

    @Override
    public String hints() {
        return "Up/Down scroll  Esc back";
    }

    @Override
    public void draw(Canvas c) {
        doc.clear();
        String scope = "";
        for (String[] h : Keys.HELP) {
            if (!h[0].equals(scope)) {
                scope = h[0];
                doc.heading(scope);
            }
            doc.line(Canvas.fit(h[1], 22) + h[2]);
        }
        doc.draw(c);
    }

    @Override
    public boolean onKey(KeyStroke k) {
        return doc.onKey(k);
    }
}
