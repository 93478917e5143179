package dev.podlab.gui;

import dev.podlab.api.Bytes;
import dev.podlab.api.v1.Image;
import dev.podlab.api.v1.ImageLayersRequest;
import dev.podlab.api.v1.Layer;
import dev.podlab.api.v1.ListImagesRequest;
import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.ImageLayersModel;
import dev.podlab.api.view.ImageLayersModel.TreeLine;
import javafx.geometry.Insets;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.SplitPane;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;

/**
 * Images: the stored images (Images.List) and, for the selected one, its layers as dive shows them (sizes,
 * created-by, efficiency, wasted bytes) and the selected layer's file tree coloured by added, modified, removed.
 */
final class ImagesView extends SplitPane {
    private final EngineFeeds feeds;
    final ListView<Image> images = new ListView<>();
    final ImageLayersModel layersModel;
    final Label summary = new Label("select an image");
    final ListView<Layer> layers = new ListView<>();
    final ListView<TreeLine> tree = new ListView<>();
    private boolean syncing;

    ImagesView(EngineFeeds feeds) {
        this.feeds = feeds;
        this.layersModel = new ImageLayersModel(FxDispatcher.INSTANCE);
        getStyleClass().add("images-view");
        images.setPlaceholder(new Label("no images (podlab pull or podlab samples)"));
        images.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(Image im, boolean empty) {
                super.updateItem(im, empty);
                setText(empty || im == null ? null : name(im) + "   " + Bytes.human(im.getSizeBytes()) + "   "
                        + im.getLayers() + " layers");
            }
        });
        images.getSelectionModel().selectedItemProperty().addListener((o, a, im) -> {
            if (im != null) {
                summary.setText("reading the layers of " + name(im) + "...");
                String ref = im.getNamesCount() > 0 ? im.getNames(0) : im.getId();
                feeds.call(() -> feeds.client().images().layers(ImageLayersRequest.newBuilder().setReference(ref)
                        .setFiles(true).build()), layersModel::load);
            }
        });
        layers.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(Layer l, boolean empty) {
                super.updateItem(l, empty);
                setText(empty || l == null ? null : String.format("#%d  %10s  %6d files  +%d ~%d -%d   %s", l.getIndex(),
                        Bytes.human(l.getUnpackedSize()), l.getFileCount(), l.getAdded(), l.getModified(), l.getRemoved(),
                        l.getCreatedBy()));
            }
        });
        layers.getSelectionModel().selectedIndexProperty().addListener((o, a, i) -> {
            if (!syncing && i.intValue() >= 0) {
                layersModel.selectLayer(i.intValue());
            }
        });
        tree.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(TreeLine t, boolean empty) {
                super.updateItem(t, empty);
                getStyleClass().removeAll("added", "modified", "removed", "unchanged");
                if (empty || t == null) {
                    setText(null);
                    return;
                }
                getStyleClass().add(t.mark().name().toLowerCase(java.util.Locale.ROOT));
                setText(t.mark().symbol + " " + "    ".repeat(t.depth()) + t.name() + (t.directory() ? "/" : "")
                        + (t.linkTarget().isEmpty() ? "" : " -> " + t.linkTarget())
                        + (t.directory() || !t.linkTarget().isEmpty() || t.mark() == ImageLayersModel.Mark.REMOVED
                        ? "" : "   " + Bytes.human(t.size())));
            }
        });
        tree.getStyleClass().add("file-tree");
        layers.setPrefHeight(150);
        layers.setMinHeight(80);
        layersModel.addListener(this::sync);
        Label treeHead = new Label("files of the selected layer (+ added  ~ modified  - removed)");
        VBox right = new VBox(6, summary, layers, treeHead, tree);
        VBox.setVgrow(tree, Priority.ALWAYS);
        right.setPadding(new Insets(6));
        VBox left = new VBox(6, new Label("images"), images);
        VBox.setVgrow(images, Priority.ALWAYS);
        left.setPadding(new Insets(6));
        getItems().addAll(left, right);
        setDividerPositions(0.35);
    }

    static String name(Image im) {
        return im.getNamesCount() > 0 ? im.getNames(0) : im.getId().substring(0, Math.min(19, im.getId().length()));
    }

    /** Reads the image list again. */
    void reload() {
        feeds.call(() -> feeds.client().images().list(ListImagesRequest.getDefaultInstance()).getImagesList(), list -> {
            images.getItems().setAll(list);
            if (images.getSelectionModel().isEmpty() && !list.isEmpty()) {
                images.getSelectionModel().select(0);
            }
        });
    }

    private void sync() {
        syncing = true;
        try {
            summary.setText(String.format("%s   total %s   efficiency %.1f %%   wasted %s", name(layersModel.image()),
                    Bytes.human(layersModel.totalSize()), layersModel.efficiency() * 100,
                    Bytes.human(layersModel.wastedBytes())));
            summary.getStyleClass().removeAll("warn", "good");
            summary.getStyleClass().add(layersModel.wastedBytes() > 0 ? "warn" : "good");
            layers.getItems().setAll(layersModel.layers());
            layers.getSelectionModel().select(layersModel.selectedLayer());
            tree.getItems().setAll(layersModel.tree());
        } finally {
            syncing = false;
        }
    }
}
