package dev.podlab.gui;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.EventFilter;
import dev.podlab.api.view.ContainersTableModel;
import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.EngineInfoModel;
import dev.podlab.api.view.EventsModel;
import dev.podlab.api.view.MetricsSeriesModel;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The main window's content: a header with the engine and host, a navigation rail (Containers, Images,
 * Runtimes, Events), the current view and a status line. It owns the view models and the {@link EngineFeeds}
 * that fill them: engine calls run on the feeds' workers, results arrive on the FX thread through
 * {@link FxDispatcher}. Create, use and close it on the FX thread.
 */
public final class Workbench implements AutoCloseable {
    /** The views of the navigation rail. */
    public enum View { CONTAINERS, IMAGES, RUNTIMES, EVENTS;

        /** The view named {@code name} (case-insensitive), as the CLI's --view takes it. */
        public static View parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new GuiException("failed to show view " + name + ": not one of containers, images, runtimes, events");
            }
        }
    }

    static final String LIGHT_CSS = Workbench.class.getResource("podlab.css").toExternalForm();
    static final String DARK_CSS = Workbench.class.getResource("dark.css").toExternalForm();

    private final EngineFeeds feeds;
    final ContainersTableModel table = new ContainersTableModel(FxDispatcher.INSTANCE);
    final MetricsSeriesModel metrics = new MetricsSeriesModel(FxDispatcher.INSTANCE, 300);
    final EngineInfoModel info = new EngineInfoModel(FxDispatcher.INSTANCE);
    final EventsModel events = new EventsModel(FxDispatcher.INSTANCE, 2000);
    final ContainersView containers;
    final ImagesView images;
    final RuntimesView runtimes;
    final EventsView eventsView;
    private final BorderPane root = new BorderPane();
    private final Map<View, ToggleButton> rail = new LinkedHashMap<>();
    private final Label engineLine = new Label("connecting to the engine...");
    final Label status = new Label();
    final ToggleButton dark = new ToggleButton("Dark");
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private View current;
    private boolean imagesLoaded;

    /** Starts the feeds against the engine behind {@code client}; call on the FX thread. */
    public Workbench(PodlabClient client) {
        if (!FxDispatcher.INSTANCE.isUiThread()) {
            throw new IllegalStateException("failed to create the workbench: called from "
                    + Thread.currentThread().getName() + ", not the FX application thread");
        }
        feeds = new EngineFeeds(client, FxDispatcher.INSTANCE, this::error);
        containers = new ContainersView(feeds, table, metrics);
        images = new ImagesView(feeds);
        runtimes = new RuntimesView(info);
        eventsView = new EventsView(events);

        ToggleGroup group = new ToggleGroup();
        VBox nav = new VBox(4);
        nav.getStyleClass().add("nav-rail");
        nav.setPadding(new Insets(8));
        for (View v : View.values()) {
            String label = v.name().charAt(0) + v.name().substring(1).toLowerCase(Locale.ROOT);
            ToggleButton b = new ToggleButton(label);
            b.setToggleGroup(group);
            b.setMaxWidth(Double.MAX_VALUE);
            b.getStyleClass().add("nav-button");
            b.setOnAction(e -> show(v));
            rail.put(v, b);
            nav.getChildren().add(b);
        }
        Label title = new Label("podlab");
        title.getStyleClass().add("app-title");
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        dark.setOnAction(e -> applyTheme());
        HBox top = new HBox(12, title, engineLine, spacer, dark);
        top.getStyleClass().add("top-bar");
        top.setPadding(new Insets(6, 10, 6, 10));
        status.getStyleClass().add("status-line");
        status.setPadding(new Insets(2, 10, 2, 10));
        root.setTop(top);
        root.setLeft(nav);
        root.setBottom(status);
        root.getStyleClass().add("workbench");
        root.getStylesheets().add(LIGHT_CSS);

        info.addListener(this::updateHeader);
        table.addListener(this::updateHeader);
        subscriptions.add(feeds.watchInfo(info));
        subscriptions.add(feeds.watchContainers(table));
        subscriptions.add(feeds.watchMetrics(metrics, table));
        subscriptions.add(feeds.watchEvents(events, EventFilter.getDefaultInstance()));
        show(View.CONTAINERS);
    }

    /** The window's content, to put in a Scene. */
    public Parent root() {
        return root;
    }

    public View current() {
        return current;
    }

    /** Shows {@code view} (the images list is read when first shown). */
    public void show(View view) {
        current = view;
        rail.get(view).setSelected(true);
        Node n = switch (view) {
            case CONTAINERS -> containers;
            case IMAGES -> images;
            case RUNTIMES -> runtimes;
            case EVENTS -> eventsView;
        };
        if (view == View.IMAGES && !imagesLoaded) {
            imagesLoaded = true;
            images.reload();
        }
        root.setCenter(n);
    }

    /** Switches between the light and the dark stylesheet. */
    public void setDark(boolean on) {
        dark.setSelected(on);
        applyTheme();
    }

    private void applyTheme() {
        if (dark.isSelected()) {
            if (!root.getStylesheets().contains(DARK_CSS)) {
                root.getStylesheets().add(DARK_CSS);
            }
        } else {
            root.getStylesheets().remove(DARK_CSS);
        }
    }

    private void updateHeader() {
        var i = info.info();
        engineLine.setText("kernel " + i.getKernel() + "  engine " + info.version().getVersion()
                + "  cgroup " + i.getCgroupVersion() + "  containers " + table.rows().size() + "/" + table.total() + " (" + table.running() + " running)");
    }

    private void error(String message) {
        status.setText(message);
        status.getStyleClass().remove("error");
        status.getStyleClass().add("error");
    }

    @Override
    public void close() {
        subscriptions.forEach(s -> {
            try {
                s.close();
            } catch (Exception e) {
                // Closing a stream of an engine that is gone already: nothing left to release.
            }
        });
        feeds.close();
    }
}
