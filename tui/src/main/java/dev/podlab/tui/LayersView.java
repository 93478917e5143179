package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import dev.podlab.api.Bytes;
import dev.podlab.api.v1.ImageLayersRequest;
import dev.podlab.api.v1.Layer;
import dev.podlab.api.view.ImageLayersModel;

import java.util.List;

/**
 * One image's layers as dive shows them: sizes, what made each, efficiency and wasted bytes, and the file
 * tree of the selected layer with added (+), modified (~) and removed (-) marks.
 */
final class LayersView implements View {
    private final PodlabTui app;
    private final String reference;
    private final String name;
    private final ImageLayersModel model;
    private int treeTop;
    private int treeHeight = 10;

    LayersView(PodlabTui app, String reference, String name) {
        this.app = app;
        this.reference = reference;
        this.name = name;
        this.model = new ImageLayersModel(app);
        model.addListener(app::invalidate);
    }

    @Override
    public String title() {
        return "layers " + name;
    }

    @Override
    public String hints() {
        return "Up/Down layer  PgUp/PgDn tree  Esc back";
    }

    @Override
    public void shown() {
        if (!model.loaded()) {
            app.feeds().call(() -> app.feeds().client().images().layers(ImageLayersRequest.newBuilder()
                    .setReference(reference).setFiles(true).build()), model::load);
        }
    }

    @Override
    public void draw(Canvas c) {
        if (!model.loaded()) {
            c.text(1, 0, "reading the layers of " + name + "...", Style.DIM);
            return;
        }
        c.text(0, 0, String.format("%s  total %s  efficiency %.1f %%  wasted %s", name, Bytes.human(model.totalSize()),
                model.efficiency() * 100, Bytes.human(model.wastedBytes())), model.wastedBytes() > 0 ? Style.WARN : Style.GOOD);
        List<Layer> layers = model.layers();
        c.text(0, 1, Canvas.right("#", 3) + " " + Canvas.right("SIZE", 10) + Canvas.right("FILES", 7) + "  "
                + Canvas.fit("+ADD ~MOD -DEL", 18) + "CREATED BY", Style.COLUMN);
        int listHeight = Math.min(layers.size(), Math.max(3, c.height() / 3));
        int first = Math.max(0, Math.min(model.selectedLayer() - listHeight / 2, layers.size() - listHeight));
        for (int i = 0; i < listHeight && first + i < layers.size(); i++) {
            Layer l = layers.get(first + i);
            boolean sel = first + i == model.selectedLayer();
            if (sel) {
                c.fillRow(2 + i, Style.SELECTED);
            }
            c.text(0, 2 + i, Canvas.right(String.valueOf(l.getIndex()), 3) + " " + Canvas.right(Bytes.human(l.getUnpackedSize()), 10)
                    + Canvas.right(String.valueOf(l.getFileCount()), 7) + "  "
                    + Canvas.fit("+" + l.getAdded() + " ~" + l.getModified() + " -" + l.getRemoved(), 18)
                    + l.getCreatedBy(), sel ? Style.SELECTED : Style.NORMAL);
        }
        int y = 3 + listHeight;
        c.text(0, y, "files of layer " + model.selectedLayer() + " (+ added  ~ modified  - removed)", Style.HEADER);
        var tree = model.tree();
        treeHeight = Math.max(1, c.height() - y - 1);
        treeTop = Math.max(0, Math.min(treeTop, Math.max(0, tree.size() - treeHeight)));
        for (int i = 0; i < treeHeight && treeTop + i < tree.size(); i++) {
            var t = tree.get(treeTop + i);
            Style st = switch (t.mark()) {
                case ADDED -> Style.GOOD;
                case MODIFIED -> Style.WARN;
                case REMOVED -> Style.BAD;
                case UNCHANGED -> Style.DIM;
            };
            c.text(0, y + 1 + i, t.mark().symbol + " " + "  ".repeat(t.depth()) + t.name() + (t.directory() ? "/" : "")
                    + (t.linkTarget().isEmpty() ? "" : " -> " + t.linkTarget())
                    + (t.directory() || !t.linkTarget().isEmpty() || t.mark() == ImageLayersModel.Mark.REMOVED ? ""
                    : "  " + Bytes.human(t.size())), st);
        }
    }

    @Override
    public boolean onKey(KeyStroke k) {
        if (Keys.type(k, KeyType.ArrowUp) || Keys.is(k, 'k')) {
            model.selectLayer(model.selectedLayer() - 1);
            treeTop = 0;
        } else if (Keys.type(k, KeyType.ArrowDown) || Keys.is(k, 'j')) {
            model.selectLayer(model.selectedLayer() + 1);
            treeTop = 0;
        } else if (Keys.type(k, KeyType.PageDown)) {
            treeTop += treeHeight - 1;
        } else if (Keys.type(k, KeyType.PageUp)) {
            treeTop = Math.max(0, treeTop - treeHeight + 1);
        } else {
            return false;
        }
        return true;
    }
}
