package dev.podlab.gui;

import dev.podlab.api.v1.PlayRequest;
import dev.podlab.api.v1.PlayResponse;
import dev.podlab.api.v1.ValidateRequest;
import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.ManifestEditorModel;
import dev.podlab.api.view.ManifestEditorModel.Problem;
import dev.podlab.api.view.YamlTokens;
import javafx.animation.PauseTransition;
import javafx.geometry.Insets;
import javafx.geometry.Pos;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ScrollPane;
import javafx.scene.control.SplitPane;
import javafx.scene.control.TextArea;
import javafx.scene.layout.BorderPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.Region;
import javafx.scene.layout.VBox;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;
import javafx.stage.FileChooser;
import javafx.util.Duration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The manifest editor over {@link ManifestEditorModel}: a text area with a line-number gutter that marks the
 * lines with problems, the engine's validation (Pods.Validate) {@link #DEBOUNCE} after the last keystroke,
 * the problems listed (click one to go to its line), a YAML-highlighted rendering of the text, and Play.
 */
final class EditorView extends BorderPane {
    static final Duration DEBOUNCE = Duration.millis(350);

    private final EngineFeeds feeds;
    private final Consumer<String> status;
    final ManifestEditorModel model = new ManifestEditorModel(FxDispatcher.INSTANCE);
    final TextArea text = new TextArea();
    /** Line numbers: a second, read-only text area, so its lines have exactly the editor's height. */
    final TextArea gutter = new TextArea();
    private List<Integer> errorLines = List.of();
    final ListView<Problem> problems = new ListView<>();
    final TextFlow highlighted = new TextFlow();
    final Label summary = new Label("new manifest");
    final Label fileLabel = new Label("(unsaved)");
    final Button play = new Button("Play");
    private final PauseTransition debounce = new PauseTransition(DEBOUNCE);

    EditorView(EngineFeeds feeds, Consumer<String> status) {
        this.feeds = feeds;
        this.status = status;
        getStyleClass().add("editor-view");

        Button open = new Button("Open...");
        open.setOnAction(e -> chooseAndOpen());
        Button save = new Button("Save");
        save.setOnAction(e -> save(false));
        Button saveAs = new Button("Save as...");
        saveAs.setOnAction(e -> save(true));
        play.setOnAction(e -> play());
        play.getStyleClass().add("accent");
        Region spacer = new Region();
        HBox.setHgrow(spacer, Priority.ALWAYS);
        HBox bar = new HBox(8, open, save, saveAs, play, fileLabel, spacer, summary);
        bar.setAlignment(Pos.CENTER_LEFT);
        bar.setPadding(new Insets(6));

        text.getStyleClass().add("manifest-text");
        text.setWrapText(false);
        text.textProperty().addListener((o, a, b) -> {
            model.edit(b);
            debounce.playFromStart();
        });
        debounce.setOnFinished(e -> validate());
        gutter.getStyleClass().add("gutter-area");
        gutter.setEditable(false);
        gutter.setFocusTraversable(false);
        gutter.setMouseTransparent(true);
        gutter.setMinWidth(58);
        gutter.setPrefWidth(58);
        gutter.setMaxWidth(58);
        // The gutter follows the text's vertical scrolling.
        text.scrollTopProperty().addListener((o, a, b) -> gutter.setScrollTop(b.doubleValue()));
        HBox editor = new HBox(gutter, text);
        HBox.setHgrow(text, Priority.ALWAYS);

        problems.getStyleClass().add("problems");
        problems.setPlaceholder(new Label("no problems"));
        problems.setPrefHeight(130);
        problems.setCellFactory(v -> new ListCell<>() {
            @Override
            protected void updateItem(Problem p, boolean empty) {
                super.updateItem(p, empty);
                getStyleClass().removeAll("error", "warning", "note");
                if (empty || p == null) {
                    setText(null);
                    return;
                }
                getStyleClass().add(p.severity().toLowerCase(Locale.ROOT));
                setText(p.format());
            }
        });
        problems.getSelectionModel().selectedItemProperty().addListener((o, a, p) -> {
            if (p != null) {
                goToLine(p.line(), p.column());
            }
        });
        highlighted.getStyleClass().add("yaml-view");
        highlighted.setPadding(new Insets(6));
        ScrollPane hs = new ScrollPane(highlighted);
        hs.setFitToWidth(true);
        VBox right = new VBox(4, new Label("highlighted"), hs);
        VBox.setVgrow(hs, Priority.ALWAYS);
        right.setPadding(new Insets(0, 0, 0, 6));
        SplitPane split = new SplitPane(editor, right);
        split.setDividerPositions(0.6);
        VBox centre = new VBox(6, split, new Label("problems (from the engine's manifest validation)"), problems);
        VBox.setVgrow(split, Priority.ALWAYS);
        centre.setPadding(new Insets(0, 6, 6, 6));
        setTop(bar);
        setCenter(centre);

        model.addListener(this::sync);
        text.setText(SAMPLE);
        model.open("", SAMPLE);
        validate();
    }

    /** A starting point: a valid pod to edit. */
    static final String SAMPLE = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: hello
            spec:
              containers:
                - name: app
                  image: localhost/podlab/busybox:latest
                  command: ["sh", "-c", "echo hello from podlab; sleep 3600"]
            """;

    /** Opens {@code file} in the editor. */
    void open(Path file) {
        try {
            String content = Files.readString(file, StandardCharsets.UTF_8);
            text.setText(content);
            model.open(file.toString(), content);
            validate();
        } catch (IOException e) {
            status.accept("failed to open " + file + ": " + e.getMessage());
        }
    }

    private void chooseAndOpen() {
        FileChooser fc = chooser("Open a pod manifest");
        var f = fc.showOpenDialog(getScene() == null ? null : getScene().getWindow());
        if (f != null) {
            open(f.toPath());
        }
    }

    private void save(boolean as) {
        Path file = model.file().isEmpty() ? null : Path.of(model.file());
        if (as || file == null) {
            var f = chooser("Save the manifest").showSaveDialog(getScene() == null ? null : getScene().getWindow());
            if (f == null) {
                return;
            }
            file = f.toPath();
        }
        try {
            Files.writeString(file, text.getText(), StandardCharsets.UTF_8);
            model.saved(file.toString());
            status.accept("saved " + file);
        } catch (IOException e) {
            status.accept("failed to save " + file + ": " + e.getMessage());
        }
    }

    static FileChooser chooser(String title) {
        FileChooser fc = new FileChooser();
        fc.setTitle(title);
        fc.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("YAML", "*.yaml", "*.yml"),
                new FileChooser.ExtensionFilter("all files", "*"));
        return fc;
    }

    private String source() {
        return model.file().isEmpty() ? "<editor>" : Path.of(model.file()).getFileName().toString();
    }

    /** Asks the engine about the current text (also called after the debounce). */
    void validate() {
        long v = model.version();
        String content = model.text();
        String src = source();
        feeds.call(() -> feeds.client().pods().validate(ValidateRequest.newBuilder().setSource(src).setManifest(content)
                .build()), r -> model.validated(v, r), m -> model.validationFailed(v, m));
    }

    /** Plays the current text (Pods.Play, replacing pods of the same name); the result goes to the status line. */
    void play() {
        String content = text.getText();
        String src = source();
        status.accept("playing " + src + "...");
        feeds.call(() -> feeds.client().pods().play(PlayRequest.newBuilder().setSource(src).setManifest(content)
                .setReplace(true).build()), (PlayResponse r) -> status.accept("played " + src + ": "
                + String.join(", ", r.getPodsList().stream().map(p -> p.getNamespace() + "/" + p.getName() + " "
                + p.getPhase()).toList())), status);
    }

    private void goToLine(int line, int column) {
        String t = text.getText();
        int pos = 0;
        for (int l = 1; l < line && pos >= 0; l++) {
            pos = t.indexOf('\n', pos) + 1;
            if (pos == 0) {
                pos = t.length();
                break;
            }
        }
        text.positionCaret(Math.min(t.length(), pos + Math.max(0, column - 1)));
        text.requestFocus();
    }

    private void sync() {
        fileLabel.setText((model.file().isEmpty() ? "(unsaved)" : model.file()) + (model.dirty() ? " *" : ""));
        summary.setText(model.summary());
        summary.getStyleClass().removeAll("good", "bad", "warn");
        summary.getStyleClass().add(!model.upToDate() ? "warn" : model.valid() ? "good" : "bad");
        if (!model.upToDate()) {
            return; // keep the old marks until the answer for this text arrives
        }
        problems.getItems().setAll(model.problems());
        Map<Integer, String> marks = model.severityByLine();
        String[] lines = model.text().split("\n", -1);
        StringBuilder g = new StringBuilder();
        List<Integer> errors = new ArrayList<>();
        List<Text> h = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String sev = marks.get(i + 1);
            g.append(sev == null ? " " : sev.equals("ERROR") ? "●" : "○").append(String.format("%4d", i + 1)).append('\n');
            if ("ERROR".equals(sev)) {
                errors.add(i + 1);
            }
            for (YamlTokens.Span s : YamlTokens.spans(lines[i])) {
                Text t = new Text(lines[i].substring(s.start(), s.end()));
                t.getStyleClass().addAll("yaml", "yaml-" + s.style().name().toLowerCase(Locale.ROOT));
                if ("ERROR".equals(sev)) {
                    t.getStyleClass().add("yaml-error-line");
                }
                h.add(t);
            }
            if (i < lines.length - 1) {
                Text nl = new Text("\n");
                nl.getStyleClass().add("yaml");
                h.add(nl);
            }
        }
        // One spare line: the text area may scroll further when its horizontal scroll bar shows.
        double top = text.getScrollTop();
        gutter.setText(g.append('\n').toString());
        gutter.setScrollTop(top);
        errorLines = List.copyOf(errors);
        highlighted.getChildren().setAll(h);
    }

    /** Lines that the gutter marks as having an error (1-based). */
    List<Integer> errorLines() {
        return errorLines;
    }
}
