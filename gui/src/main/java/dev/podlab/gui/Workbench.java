package dev.podlab.gui;

import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.EventFilter;
import dev.podlab.api.view.ContainersTableModel;
import dev.podlab.api.view.PodsTableModel;
import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.EngineInfoModel;
import dev.podlab.api.view.EventsModel;
import dev.podlab.api.view.MetricsSeriesModel;
import javafx.application.Platform;
import javafx.geometry.Insets;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Label;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyEvent;
import dev.podlab.api.v1.ListContainersRequest;
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
 * The main window's content: a header with the engine and host, an actions toolbar, a navigation rail
 * (Pods, Containers, Images, Runtimes, Events, Host, Editor; it opens on Pods), the current view and a status
 * line; keyboard shortcuts. It owns the view models and the {@link EngineFeeds}
 * that fill them: engine calls run on the feeds' workers, results arrive on the FX thread through
 * {@link FxDispatcher}. Create, use and close it on the FX thread.
 */
public final class Workbench implements AutoCloseable {
    /** The views of the navigation rail. */
    public enum View { PODS, CONTAINERS, IMAGES, RUNTIMES, EVENTS, HOST, EDITOR;

        /** The view named {@code name} (case-insensitive), as the CLI's --view takes it. */
        public static View parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new GuiException("failed to show view " + name
                        + ": not one of pods, containers, images, runtimes, events, host, editor");
            }
        }
    }

    /** The details tab a screenshot or a shortcut opens with the containers view. */
    public enum Tab { OVERVIEW, LOGS, EXEC, DIFF, DIAGRAM;

        public static Tab parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new GuiException("failed to show tab " + name + ": not one of overview, logs, exec, diff, diagram");
            }
        }
    }

    static final String LIGHT_CSS = Workbench.class.getResource("podlab.css").toExternalForm();
    static final String DARK_CSS = Workbench.class.getResource("dark.css").toExternalForm();

    private final EngineFeeds feeds;
    final ContainersTableModel table = new ContainersTableModel(FxDispatcher.INSTANCE);
    final PodsTableModel pods = new PodsTableModel(FxDispatcher.INSTANCE);
    final MetricsSeriesModel metrics = new MetricsSeriesModel(FxDispatcher.INSTANCE, 300);
    final EngineInfoModel info = new EngineInfoModel(FxDispatcher.INSTANCE);
    final EventsModel events = new EventsModel(FxDispatcher.INSTANCE, 2000);
    final PodsView podsView;
    final ContainersView containers;
    final ImagesView images;
    final RuntimesView runtimes;
    final EventsView eventsView;
    final HostView host;
    final EditorView editor;
    final Actions actions;
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
        podsView = new PodsView(feeds, pods, metrics, id -> {
            show(View.CONTAINERS);
            table.selectId(id);
        });
        images = new ImagesView(feeds);
        runtimes = new RuntimesView(feeds, info, pods, this::info);
        eventsView = new EventsView(events);
        host = new HostView(info);
        editor = new EditorView(feeds, this::info);
        actions = new Actions(this, feeds);

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
        top.setAlignment(javafx.geometry.Pos.CENTER_LEFT);
        VBox head = new VBox(top, actions.toolbar);
        status.getStyleClass().add("status-line");
        status.setPadding(new Insets(2, 10, 2, 10));
        root.setTop(head);
        root.setLeft(nav);
        root.setBottom(status);
        root.getStyleClass().add("workbench");
        root.getStylesheets().add(LIGHT_CSS);

        info.addListener(this::updateHeader);
        table.addListener(this::updateHeader);
        subscriptions.add(feeds.watchInfo(info));
        subscriptions.add(feeds.watchContainers(table));
        subscriptions.add(feeds.watchPods(pods));
        subscriptions.add(feeds.watchMetrics(metrics, table, pods));
        subscriptions.add(feeds.watchEvents(events, EventFilter.getDefaultInstance()));
        root.addEventFilter(KeyEvent.KEY_PRESSED, this::shortcut);
        // Pods first: the pod is what people play and look at; a remembered view (apply) wins over this.
        show(View.PODS);
    }

    /**
     * Ctrl+1..7 views, Ctrl+F the filter, Ctrl+L the selected container's logs, F5 reads everything again,
     * Delete removes the selected container (with confirmation; not while typing in a text field).
     */
    private void shortcut(KeyEvent e) {
        if (e.isShortcutDown() && !e.isShiftDown() && !e.isAltDown()) {
            int n = switch (e.getCode()) {
                case DIGIT1 -> 1;
                case DIGIT2 -> 2;
                case DIGIT3 -> 3;
                case DIGIT4 -> 4;
                case DIGIT5 -> 5;
                case DIGIT6 -> 6;
                case DIGIT7 -> 7;
                default -> 0;
            };
            if (n > 0) {
                show(View.values()[n - 1]);
                e.consume();
            } else if (e.getCode() == KeyCode.F) {
                show(View.CONTAINERS);
                // After the view's first layout: a control skinned only now would otherwise take the focus back.
                Platform.runLater(() -> {
                    containers.filter.requestFocus();
                    containers.filter.selectAll();
                });
                e.consume();
            } else if (e.getCode() == KeyCode.L) {
                show(View.CONTAINERS);
                showTab(Tab.LOGS);
                e.consume();
            }
        } else if (e.getCode() == KeyCode.F5) {
            refresh();
            e.consume();
        } else if (e.getCode() == KeyCode.DELETE && current == View.CONTAINERS
                && !(e.getTarget() instanceof javafx.scene.control.TextInputControl)) {
            actions.remove();
            e.consume();
        }
    }

    /** Opens a details tab of the containers view. */
    public void showTab(Tab tab) {
        var t = switch (tab) {
            case OVERVIEW -> containers.overviewTab;
            case LOGS -> containers.logsTab;
            case EXEC -> containers.execTab;
            case DIFF -> containers.diffTab;
            case DIAGRAM -> containers.diagramTab;
        };
        containers.tabs.getSelectionModel().select(t);
    }

    /** Reads the containers, images and the header again (F5). */
    public void refresh() {
        feeds.call(() -> feeds.client().containers().list(ListContainersRequest.newBuilder().setAll(true).build())
                .getContainersList(), table::setAll);
        if (imagesLoaded) {
            images.reload();
        }
        table.selected().ifPresent(r -> containers.diagram.show(r, true));
        info("refreshed");
    }

    /** The state to remember for the next start (the stage's geometry is added by the caller). */
    WindowState state(double x, double y, double w, double h, boolean maximized) {
        return new WindowState(x, y, w, h, maximized, current.name().toLowerCase(Locale.ROOT), dark.isSelected());
    }

    /** Shows the remembered view and theme. */
    void apply(WindowState s) {
        setDark(s.dark());
        try {
            show(View.parse(s.view()));
        } catch (GuiException unknownView) {
            show(View.PODS); // a view of a newer or older version: start where everybody starts
        }
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
            case PODS -> podsView;
            case CONTAINERS -> containers;
            case IMAGES -> images;
            case RUNTIMES -> runtimes;
            case EVENTS -> eventsView;
            case HOST -> host;
            case EDITOR -> editor;
        };
        if (view == View.IMAGES && !imagesLoaded) {
            imagesLoaded = true;
            images.reload();
        }
        root.setCenter(n);
        // Skins now, not at the next pulse: a SplitPane or TabPane puts its children in the scene only through its
        // skin, and a shortcut (or a test) may reach for one of them right away.
        n.applyCss();
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
        containers.diagram.setDark(dark.isSelected());
    }

    private void updateHeader() {
        var i = info.info();
        engineLine.setText("kernel " + i.getKernel() + "  engine " + info.version().getVersion()
                + "  cgroup " + i.getCgroupVersion() + "  containers " + table.rows().size() + "/" + table.total() + " (" + table.running() + " running)");
    }

    /** Shows an engine failure on the status line. */
    void error(String message) {
        status.setText(message);
        status.getStyleClass().remove("error");
        status.getStyleClass().add("error");
    }

    /** Shows a message on the status line; messages that start "failed" show as errors. */
    void info(String message) {
        if (message.startsWith("failed") || message.startsWith("cannot")) {
            error(message);
            return;
        }
        status.setText(message);
        status.getStyleClass().remove("error");
    }

    EngineFeeds feeds() {
        return feeds;
    }

    @Override
    public void close() {
        podsView.close();
        containers.close();
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
