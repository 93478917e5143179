package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.podlab.api.Bytes;
import dev.podlab.api.v1.Image;
import dev.podlab.api.v1.ListImagesRequest;

import java.util.List;

/** The stored images (Images.List); Enter opens the layers of one. */
final class ImagesView implements View {
    private final PodlabTui app;
    private final ListNav nav = new ListNav();
    private List<Image> images = List.of();
    private boolean loaded;

    ImagesView(PodlabTui app) {
        this.app = app;
    }

    @Override
    public String title() {
        return "images " + images.size();
    }

    @Override
    public String hints() {
        return "Enter layers  r reload  Up/Down  Esc back";
    }

    @Override
    public void shown() {
        reload();
    }

    private void reload() {
        app.feeds().call(() -> app.feeds().client().images().list(ListImagesRequest.getDefaultInstance()).getImagesList(),
                list -> {
                    images = list;
                    loaded = true;
                    nav.clamp(images.size());
                    app.invalidate();
                });
    }

    static String name(Image i) {
        return i.getNamesCount() > 0 ? i.getNames(0) : i.getId().substring(0, Math.min(19, i.getId().length()));
    }

    @Override
    public void draw(Canvas c) {
        c.text(0, 0, Canvas.fit("NAME", 40) + Canvas.fit("ID", 20) + Canvas.right("SIZE", 10) + Canvas.right("LAYERS", 8)
                + "  " + Canvas.fit("PLATFORM", 14) + "AGE", Style.COLUMN);
        if (images.isEmpty()) {
            c.text(1, 1, loaded ? "no images (podlab pull REF)" : "loading...", Style.DIM);
        }
        int height = c.height() - 1;
        nav.scrollTo(height, images.size());
        for (int i = 0; i < height && nav.top + i < images.size(); i++) {
            Image im = images.get(nav.top + i);
            boolean sel = nav.top + i == nav.selected;
            if (sel) {
                c.fillRow(i + 1, Style.SELECTED);
            }
            String id = im.getId().startsWith("sha256:") ? im.getId().substring(7) : im.getId();
            c.text(0, i + 1, Canvas.fit(name(im), 39) + " " + Canvas.fit(id.substring(0, Math.min(12, id.length())), 20)
                    + Canvas.right(Bytes.human(im.getSizeBytes()), 10) + Canvas.right(String.valueOf(im.getLayers()), 8) + "  "
                    + Canvas.fit(im.getOs() + "/" + im.getArchitecture(), 14) + Format.since(im.getCreated()),
                    sel ? Style.SELECTED : Style.NORMAL);
        }
    }

    @Override
    public boolean onClick(int row, int column, boolean twice) {
        if (!nav.click(row, images.size())) {
            return false;
        }
        return !twice || onKey(new KeyStroke(KeyType.Enter, false, false));
    }

    @Override
    public boolean onKey(KeyStroke k) {
        if (nav.onKey(k, images.size())) {
            return true;
        }
        if (Keys.is(k, 'r')) {
            reload();
            return true;
        }
        if (Keys.type(k, KeyType.Enter) && !images.isEmpty()) {
            Image im = images.get(nav.selected);
            app.push(new LayersView(app, im.getNamesCount() > 0 ? im.getNames(0) : im.getId(), name(im)));
            return true;
        }
        return false;
    }
}
