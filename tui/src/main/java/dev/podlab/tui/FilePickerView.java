package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A small file picker: directories and *.yaml / *.yml files, Enter to open or choose, Backspace to go up. */
final class FilePickerView implements View {
    /** Entries shown per directory at most (a huge directory should not stall the screen thread). */
    static final int MAX_ENTRIES = 2000;

    private final PodlabTui app;
    private final String purpose;
    private final Consumer<Path> onChoose;
    private final ListNav nav = new ListNav();
    private Path dir;
    private List<Path> entries = List.of();
    private String problem = "";

    FilePickerView(PodlabTui app, String purpose, Path start, Consumer<Path> onChoose) {
        this.app = app;
        this.purpose = purpose;
        this.onChoose = onChoose;
        enter(start);
    }

    private void enter(Path d) {
        dir = d.toAbsolutePath().normalize();
        List<Path> dirs = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        problem = "";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                if (dirs.size() + files.size() >= MAX_ENTRIES) {
                    problem = "only the first " + MAX_ENTRIES + " entries are shown";
                    break;
                }
                String n = p.getFileName().toString();
                if (n.startsWith(".")) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    dirs.add(p);
                } else if (n.endsWith(".yaml") || n.endsWith(".yml")) {
                    files.add(p);
                }
            }
        } catch (IOException | SecurityException e) {
            problem = "failed to list " + dir + ": " + e.getMessage();
        }
        dirs.sort(null);
        files.sort(null);
        List<Path> all = new ArrayList<>();
        if (dir.getParent() != null) {
            all.add(dir.getParent());
        }
        all.addAll(dirs);
        all.addAll(files);
        entries = List.copyOf(all);
        nav.selected = 0;
        nav.top = 0;
    }

    @Override
    public String title() {
        return purpose + ": choose a manifest in " + dir;
    }

    @Override
    public String hints() {
        return "Enter open/choose  Backspace up  Up/Down move  a letter jumps to a name  Esc cancel";
    }

    private String label(int i) {
        Path p = entries.get(i);
        if (i == 0 && dir.getParent() != null && p.equals(dir.getParent())) {
            return "../";
        }
        return p.getFileName() + (Files.isDirectory(p) ? "/" : "");
    }

    @Override
    public void draw(Canvas c) {
        c.text(0, 0, Canvas.fit("NAME", 50) + "(directories and *.yaml, *.yml)", Style.COLUMN);
        int height = c.height() - 2;
        nav.clamp(entries.size());
        nav.scrollTo(height, entries.size());
        for (int i = 0; i < height && nav.top + i < entries.size(); i++) {
            int index = nav.top + i;
            boolean sel = index == nav.selected;
            if (sel) {
                c.fillRow(i + 1, Style.SELECTED);
            }
            String l = label(index);
            c.text(1, i + 1, l, sel ? Style.SELECTED : l.endsWith("/") ? Style.ACCENT : Style.NORMAL);
        }
        if (!problem.isEmpty()) {
            c.text(0, c.height() - 1, problem, Style.WARN);
        }
    }

    @Override
    public boolean onKey(KeyStroke k) {
        if (nav.onKey(k, entries.size())) {
            return true;
        }
        if (Keys.type(k, KeyType.Backspace) || Keys.type(k, KeyType.ArrowLeft)) {
            if (dir.getParent() != null) {
                Path from = dir;
                enter(dir.getParent());
                nav.selected = Math.max(0, entries.indexOf(from));
            }
            return true;
        }
        if (k.getKeyType() == KeyType.Character && !k.isCtrlDown() && !k.isAltDown() && Character.isLetterOrDigit(k.getCharacter())
                && "jkq".indexOf(k.getCharacter()) < 0) {
            // Type-ahead: the next entry whose name starts with the letter.
            char ch = Character.toLowerCase(k.getCharacter());
            for (int step = 1; step <= entries.size(); step++) {
                int i = (nav.selected + step) % entries.size();
                if (!label(i).equals("../") && Character.toLowerCase(label(i).charAt(0)) == ch) {
                    nav.selected = i;
                    break;
                }
            }
            return true;
        }
        if ((Keys.type(k, KeyType.Enter) || Keys.type(k, KeyType.ArrowRight)) && !entries.isEmpty()) {
            Path p = entries.get(nav.selected);
            if (Files.isDirectory(p)) {
                enter(p);
            } else if (Keys.type(k, KeyType.Enter)) {
                app.pop();
                onChoose.accept(p);
            }
            return true;
        }
        return false;
    }
}
