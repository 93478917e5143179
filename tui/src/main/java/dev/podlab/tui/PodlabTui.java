package dev.podlab.tui;

import com.googlecode.lanterna.TerminalPosition;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.TextCharacter;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.input.MouseAction;
import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.DefaultTerminalFactory;
import com.googlecode.lanterna.terminal.ExtendedTerminal;
import com.googlecode.lanterna.terminal.MouseCaptureMode;
import com.googlecode.lanterna.terminal.Terminal;
import com.googlecode.lanterna.terminal.ansi.UnixLikeTerminal;
import dev.podlab.api.Bytes;
import dev.podlab.api.client.PodlabClient;
import dev.podlab.api.v1.InfoResponse;
import dev.podlab.api.v1.Runtime;
import dev.podlab.api.view.ContainersTableModel;
import dev.podlab.api.view.Dispatcher;
import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.EngineInfoModel;
import dev.podlab.api.view.MetricsSeriesModel;
import dev.podlab.api.view.PodsTableModel;
import dev.podlab.api.view.PullProgressModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The terminal workbench ({@code podlab tui}): a k9s-style, keyboard-first client of the engine API.
 *
 * <p>One thread owns the Lanterna screen: it runs dispatched tasks, reads keys with {@code pollInput()} and
 * redraws when something changed. It is the view models' {@link Dispatcher}; engine calls and streams run
 * elsewhere ({@link EngineFeeds}) and only hand results over, so the screen thread never waits on the engine.
 */
public final class PodlabTui implements Dispatcher, AutoCloseable {
    private static final List<String> COMMANDS = List.of("pods", "containers", "images", "events", "runtimes", "play",
            "pull", "compare", "help", "quit");

    private final Screen screen;
    private final Palette palette;
    private final EngineFeeds feeds;
    final ContainersTableModel table;
    final MetricsSeriesModel metrics;
    final EngineInfoModel info;
    final PodsTableModel pods;
    final PullProgressModel pull;
    private final Deque<View> stack = new ArrayDeque<>();
    private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final List<AutoCloseable> subscriptions = new ArrayList<>();
    private volatile Thread thread;
    private volatile boolean running = true;
    private boolean dirty = true;
    private boolean fullRefresh = true;
    private String status = "";
    private Style statusStyle = Style.DIM;
    private Prompt prompt;
    private long frames;
    private boolean pullShown;

    private PodlabTui(Screen screen, PodlabClient client, Palette palette) {
        this.screen = screen;
        this.palette = palette;
        this.table = new ContainersTableModel(this);
        this.metrics = new MetricsSeriesModel(this, 300);
        this.info = new EngineInfoModel(this);
        this.pods = new PodsTableModel(this);
        this.pull = new PullProgressModel(this);
        this.feeds = client == null ? null : new EngineFeeds(client, this, this::error);
        table.addListener(this::invalidate);
        pods.addListener(this::invalidate);
        pull.addListener(this::pullChanged);
        metrics.addListener(this::invalidate);
        info.addListener(this::invalidate);
    }

    /**
     * Runs the workbench against the engine service on the socket given as the only argument (the CLI's
     * {@code podlab tui} finds the socket from its configuration instead).
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: PodlabTui SOCKET");
            System.exit(2);
        }
        try (PodlabClient client = PodlabClient.connect(java.nio.file.Path.of(args[0]))) {
            run(client);
        }
        System.exit(0);
    }

    /** Runs the workbench on the process's terminal until the user quits; returns the exit status. */
    public static int run(PodlabClient client) throws IOException, InterruptedException {
        return run(client, null);
    }

    /**
     * As {@link #run(PodlabClient)}; {@code engineStarter} (may be null) starts the engine again when the
     * workbench lost it and finds none answering (the CLI's start-on-demand).
     */
    public static int run(PodlabClient client, Runnable engineStarter) throws IOException, InterruptedException {
        // Ctrl-C is a key like any other: the workbench quits through its own path (streams cancelled, screen restored).
        Terminal terminal = new DefaultTerminalFactory().setForceTextTerminal(true)
                .setUnixTerminalCtrlCBehaviour(UnixLikeTerminal.CtrlCBehaviour.TRAP).createTerminal();
        try (PodlabTui tui = start(new TerminalScreen(terminal), client, Palette.fromEnvironment().mono(), engineStarter)) {
            tui.awaitExit();
        } finally {
            terminal.close();
        }
        return 0;
    }

    /**
     * Starts the workbench on {@code screen} (not yet started) against the engine behind {@code client}.
     *
     * @param monochrome no colours (what {@code NO_COLOR} asks for)
     */
    public static PodlabTui start(Screen screen, PodlabClient client, boolean monochrome) {
        return start(screen, client, monochrome, null);
    }

    /** As {@link #start(Screen, PodlabClient, boolean)}, with a way to start the engine when it is lost (may be null). */
    public static PodlabTui start(Screen screen, PodlabClient client, boolean monochrome, Runnable engineStarter) {
        PodlabTui tui = new PodlabTui(screen, client, monochrome ? Palette.monochrome() : Palette.color());
        if (engineStarter != null && tui.feeds != null) {
            tui.feeds.setEngineStarter(engineStarter);
        }
        tui.thread = Thread.ofPlatform().name("podlab-tui").start(tui::loop);
        return tui;
    }

    /** For the frame benchmark: a workbench without an engine, drawn on the caller's thread. */
    static PodlabTui offline(Screen screen, Palette palette) {
        PodlabTui tui = new PodlabTui(screen, null, palette);
        tui.thread = Thread.currentThread();
        return tui;
    }

    // ---- Dispatcher ---------------------------------------------------------------------------

    @Override
    public void dispatch(Runnable task) {
        tasks.add(task);
    }

    @Override
    public boolean isUiThread() {
        return Thread.currentThread() == thread;
    }

    // ---- life -----------------------------------------------------------------------------------

    private void loop() {
        try {
            screen.startScreen();
            screen.setCursorPosition(null);
            mouse(true);
            subscriptions.add(feeds.watchInfo(info));
            subscriptions.add(feeds.watchContainers(table));
            subscriptions.add(feeds.watchPods(pods));
            subscriptions.add(feeds.watchMetrics(metrics, table, pods));
            subscriptions.add(feeds.onConnectionChange(lost -> {
                if (lost) {
                    error("lost the engine: reconnecting (streams reopen when it answers)");
                } else {
                    info("engine is back: streams reopened");
                }
            }));
            push(new PodsView(this));
            long lastTick = 0;
            while (running) {
                Runnable t = tasks.poll(20, TimeUnit.MILLISECONDS);
                while (t != null && running) {
                    runSafely(t);
                    t = tasks.poll();
                }
                KeyStroke k;
                while (running && (k = screen.pollInput()) != null) {
                    onKey(k);
                }
                if (screen.doResizeIfNecessary() != null) {
                    dirty = true;
                    fullRefresh = true;
                }
                long now = System.currentTimeMillis();
                if (now - lastTick >= 1000) {
                    // Ages and the engine's uptime move on their own: one redraw a second.
                    lastTick = now;
                    dirty = true;
                }
                if (dirty && running) {
                    render();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            while (!stack.isEmpty()) {
                stack.pop().closed();
            }
            subscriptions.forEach(PodlabTui::closeQuietly);
            if (feeds != null) {
                feeds.close();
            }
            try {
                mouse(false);
                screen.stopScreen();
            } catch (IOException e) {
                // The terminal is gone already.
            }
            done.countDown();
        }
    }

    private void runSafely(Runnable t) {
        try {
            t.run();
        } catch (RuntimeException e) {
            error("internal error: " + e);
        }
    }

    /** Blocks until the user quits. */
    public void awaitExit() throws InterruptedException {
        done.await();
    }

    /** Asks the screen thread to stop and waits for it (at most 5 s). */
    @Override
    public void close() throws InterruptedException {
        running = false;
        done.await(5, TimeUnit.SECONDS);
    }

    /** The screen as text lines, as last drawn (read on the screen thread; tests read it this way). */
    public List<String> snapshot() throws InterruptedException, ExecutionException, TimeoutException {
        var f = new CompletableFuture<List<String>>();
        dispatch(() -> {
            TerminalSize size = screen.getTerminalSize();
            List<String> lines = new ArrayList<>();
            for (int r = 0; r < size.getRows(); r++) {
                StringBuilder sb = new StringBuilder();
                for (int c = 0; c < size.getColumns(); c++) {
                    TextCharacter ch = screen.getFrontCharacter(c, r);
                    sb.append(ch == null ? " " : ch.getCharacterString());
                }
                lines.add(sb.toString());
            }
            f.complete(lines);
        });
        return f.get(5, TimeUnit.SECONDS);
    }

    /** How many frames were drawn so far. */
    long frames() {
        return frames;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // Cancelling a stream at exit: nothing to do about a failure.
        }
    }

    // ---- what views use -------------------------------------------------------------------------

    EngineFeeds feeds() {
        return feeds;
    }

    void invalidate() {
        dirty = true;
    }

    void push(View v) {
        stack.push(v);
        v.shown();
        dirty = true;
    }

    void pop() {
        if (stack.size() <= 1) {
            quit();
            return;
        }
        stack.pop().closed();
        stack.peek().shown();
        dirty = true;
    }

    /** Back to the first view (the pods table). */
    void home() {
        while (stack.size() > 1) {
            stack.pop().closed();
        }
        if (!stack.isEmpty()) {
            stack.peek().shown();
        }
        dirty = true;
    }

    void quit() {
        running = false;
    }

    void info(String message) {
        status = message;
        statusStyle = Style.GOOD;
        dirty = true;
    }

    void error(String message) {
        status = message;
        statusStyle = Style.BAD;
        dirty = true;
    }

    /** A one-line text input at the bottom; {@code onChange} runs on every edit (live filters). */
    void prompt(String label, String initial, Consumer<String> onChange, Consumer<String> onEnter, Runnable onCancel) {
        prompt = new Prompt(label, initial, onChange, onEnter, onCancel, false);
        dirty = true;
    }

    /** A yes/no question; {@code y} runs {@code onYes}, any other key cancels. */
    void confirm(String question, Runnable onYes) {
        prompt = new Prompt(question + " (y/N)", "", null, s -> onYes.run(), null, true);
        dirty = true;
    }

    /** Suspends the screen, runs an interactive shell in the container, and comes back. */
    void shell(String id, String name, String state) {
        if (feeds == null) {
            return;
        }
        if (!state.equals("running")) {
            // Checked before the screen is given up: exec needs a running container.
            error("failed to exec a shell in " + name + ": it is " + state + ", not running");
            return;
        }
        try {
            // The shell gets the terminal as it was: no mouse reports in its input.
            mouse(false);
            screen.stopScreen();
            int code = ExecSession.run(feeds.client(), id, name);
            screen.startScreen();
            screen.setCursorPosition(null);
            mouse(true);
            fullRefresh = true;
            info("shell in " + name + " exited with status " + code);
        } catch (IOException | RuntimeException e) {
            fullRefresh = true;
            try {
                screen.startScreen();
                mouse(true);
            } catch (IOException again) {
                // Nothing more can be shown.
            }
            error("failed to exec a shell in " + name + ": " + EngineFeeds.describe(e));
        }
        dirty = true;
    }

    /** Starts an image pull; its bar shows on the status line until it ends. */
    void startPull(String reference) {
        if (feeds == null) {
            return;
        }
        if (pull.active()) {
            error("failed to pull " + reference + ": " + pull.reference() + " is still being pulled");
            return;
        }
        feeds.pull(pull, reference);
    }

    private void pullChanged() {
        dirty = true;
        if (pull.active()) {
            pullShown = true;
        } else if (pullShown) {
            pullShown = false;
            if (pull.error() != null) {
                error(pull.error());
            } else if (pull.image() != null) {
                info("pulled " + pull.reference() + " (" + pull.image().getDigest() + ", " + pull.layers().size() + " layers)");
            } else {
                error("failed to pull " + pull.reference() + ": the engine ended the stream without an image");
            }
        }
    }

    // ---- keys -------------------------------------------------------------------------------------

    /**
     * Mouse reports on or off, where the terminal takes the request (xterm's protocol; a terminal
     * without it ignores the escape): clicks select rows, a double click opens, the wheel scrolls.
     */
    private void mouse(boolean on) {
        if (screen instanceof TerminalScreen ts && ts.getTerminal() instanceof ExtendedTerminal x) {
            try {
                x.setMouseCaptureMode(on ? MouseCaptureMode.CLICK_RELEASE : null);
            } catch (IOException e) {
                // No mouse then: every action has its key.
            }
        }
    }

    private void onMouse(MouseAction m) {
        View top = stack.peek();
        if (top == null || prompt != null) {
            return;
        }
        switch (m.getActionType()) {
            case SCROLL_UP -> top.onKey(new KeyStroke(KeyType.ArrowUp, false, false));
            case SCROLL_DOWN -> top.onKey(new KeyStroke(KeyType.ArrowDown, false, false));
            case CLICK_DOWN -> {
                long now = System.nanoTime();
                boolean twice = m.getPosition().equals(lastClick) && now - lastClickNanos < DOUBLE_CLICK_NANOS;
                lastClick = twice ? null : m.getPosition();
                lastClickNanos = now;
                // The body starts below the header (2 rows) and the title row.
                top.onClick(m.getPosition().getRow() - 3, m.getPosition().getColumn(), twice);
            }
            default -> { }
        }
    }

    private static final long DOUBLE_CLICK_NANOS = 400_000_000L;
    private TerminalPosition lastClick;
    private long lastClickNanos;

    private void onKey(KeyStroke k) {
        dirty = true;
        if (k instanceof MouseAction m) {
            onMouse(m);
            return;
        }
        if (k.getKeyType() == KeyType.EOF) {
            quit();
            return;
        }
        if (Keys.ctrl(k, 'c')) {
            quit();
            return;
        }
        if (prompt != null) {
            promptKey(k);
            return;
        }
        View top = stack.peek();
        if (top != null && top.onKey(k)) {
            return;
        }
        if (Keys.is(k, ':')) {
            prompt(":", "", null, this::command, null);
            prompt.completer = true;
        } else if (Keys.is(k, '?')) {
            if (!(top instanceof HelpView)) {
                push(new HelpView());
            }
        } else if (Keys.type(k, KeyType.Escape) || Keys.is(k, 'q')) {
            pop();
        }
    }

    private void promptKey(KeyStroke k) {
        Prompt p = prompt;
        if (p.yesNo) {
            prompt = null;
            if (Keys.is(k, 'y') || Keys.is(k, 'Y')) {
                p.onEnter.accept("y");
            } else {
                info("cancelled");
            }
            return;
        }
        switch (k.getKeyType()) {
            case Escape -> {
                prompt = null;
                if (p.onCancel != null) {
                    p.onCancel.run();
                }
            }
            case Enter -> {
                prompt = null;
                p.onEnter.accept(p.text.toString());
            }
            case Backspace -> {
                if (!p.text.isEmpty()) {
                    p.text.setLength(p.text.length() - 1);
                    p.changed();
                }
            }
            case Tab -> {
                if (p.completer) {
                    complete(p);
                }
            }
            case Character -> {
                if (!k.isCtrlDown() && !k.isAltDown()) {
                    p.text.append(k.getCharacter());
                    p.changed();
                }
            }
            default -> { }
        }
    }

    /** Tab: the unique command that starts with the text, else the longest common start of the candidates. */
    private void complete(Prompt p) {
        List<String> c = completions(p.text.toString());
        if (c.isEmpty()) {
            return;
        }
        String common = c.get(0);
        for (String s : c) {
            int i = 0;
            while (i < common.length() && i < s.length() && common.charAt(i) == s.charAt(i)) {
                i++;
            }
            common = common.substring(0, i);
        }
        p.text.setLength(0);
        p.text.append(common);
    }

    static List<String> completions(String prefix) {
        return COMMANDS.stream().filter(c -> c.startsWith(prefix.trim())).toList();
    }

    private void command(String text) {
        String cmd = text.trim();
        List<String> c = completions(cmd);
        String chosen = COMMANDS.contains(cmd) ? cmd : c.size() == 1 ? c.get(0) : null;
        if (chosen == null) {
            error(cmd.isEmpty() ? "no command" : "unknown command :" + cmd + (c.isEmpty() ? "" : " (did you mean "
                    + String.join(", ", c) + "?)") + "; try :help");
            return;
        }
        switch (chosen) {
            case "pods" -> home();
            case "containers" -> pushOnHome(new ContainersView(this));
            case "play" -> PodActions.play(this);
            case "pull" -> PodActions.pull(this);
            case "compare" -> PodActions.compare(this);
            case "images" -> pushOnHome(new ImagesView(this));
            case "events" -> pushOnHome(new EventsView(this));
            case "runtimes" -> pushOnHome(new RuntimesView(this));
            case "help" -> push(new HelpView());
            case "quit" -> quit();
            default -> { }
        }
    }

    private void pushOnHome(View v) {
        home();
        push(v);
    }

    // ---- drawing ----------------------------------------------------------------------------------

    /** Draws one whole frame. */
    void render() {
        TerminalSize size = screen.getTerminalSize();
        int cols = size.getColumns();
        int rows = size.getRows();
        // Blank the back buffer by hand: Screen.clear() would force a complete repaint, and only the
        // changed cells should reach the terminal.
        TextGraphics g = screen.newTextGraphics();
        palette.apply(g, Style.NORMAL);
        g.fill(' ');
        Canvas all = new Canvas(g, palette, 0, 0, cols, rows);
        drawHeader(all);
        View top = stack.peek();
        all.fillRow(2, Style.TITLE);
        StringBuilder crumbs = new StringBuilder();
        List<View> path = new ArrayList<>(stack);
        for (int i = path.size() - 1; i >= 0; i--) {
            crumbs.append(" ").append(path.get(i).title()).append(i > 0 ? " ›" : " ");
        }
        all.text(0, 2, crumbs.toString(), Style.TITLE);
        if (top != null && rows > 5) {
            top.draw(all.region(0, 3, cols, rows - 5));
        }
        if (prompt != null) {
            all.fillRow(rows - 2, Style.PROMPT);
            String line = prompt.label + (prompt.yesNo ? " " : "") + prompt.text + (prompt.yesNo ? "" : "▏");
            if (prompt.completer) {
                line += "   " + String.join("  ", completions(prompt.text.toString()));
            }
            all.text(0, rows - 2, line, Style.PROMPT);
        } else if (top != null) {
            all.text(0, rows - 2, top.hints() + "  ? help  : command", Style.DIM);
        }
        if (pull.active()) {
            // A pull in progress owns the status line: its bar, then the usual status after it ends.
            all.text(0, rows - 1, "pulling " + pull.reference() + " " + pull.bar(30) + " " + Math.round(pull.fraction() * 100)
                    + "%  " + pull.finishedLayers() + "/" + pull.layers().size() + " layers  " + Format.bytes(pull.doneBytes())
                    + " / " + Format.bytes(pull.totalBytes()) + "  (" + pull.phase() + ")", Style.ACCENT);
        } else {
            all.text(0, rows - 1, status, statusStyle);
        }
        try {
            // Delta refresh skips Lanterna's whole-screen "very different" scan; a resize or a restarted
            // screen asks for one complete repaint.
            screen.refresh(fullRefresh ? Screen.RefreshType.COMPLETE : Screen.RefreshType.DELTA);
            fullRefresh = false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        frames++;
        dirty = false;
    }

    private void drawHeader(Canvas all) {
        InfoResponse i = info.info();
        var v = info.version();
        long up = info.uptimeMillis(System.currentTimeMillis());
        String line0 = "podlab " + (i.getVersion().isEmpty() ? "?" : i.getVersion())
                + "  │ engine pid " + (v.getPid() == 0 ? "?" : v.getPid()) + " up " + (up < 0 ? "?" : Format.age(up * 1_000_000))
                + "  │ kernel " + i.getKernel() + "  │ cgroup " + i.getCgroupVersion()
                + "  │ pods " + pods.total() + " (" + pods.running() + " running)"
                + "  │ containers " + table.total() + " (" + table.running() + " running)  │ images " + i.getImages() + "  │ ";
        int col = all.text(0, 0, line0, Style.HEADER);
        all.text(col, 0, info.reconnecting() ? "engine: reconnecting" : "engine: connected",
                info.reconnecting() ? Style.BAD : Style.GOOD);
        StringBuilder line1 = new StringBuilder("host " + i.getHostCpus() + " CPUs, " + Bytes.human(i.getHostMemoryBytes())
                + " memory  │ engine rss " + Bytes.human(i.getEngineRssBytes()) + "  │ runtimes:");
        col = all.text(0, 1, line1.toString(), Style.HEADER);
        for (Runtime r : i.getRuntimesList()) {
            col = all.text(col, 1, " " + r.getName() + (r.getWorks() ? " ✓" : " ✗") + accelerator(r),
                    r.getWorks() ? Style.GOOD : Style.BAD);
        }
    }

    /** " (TCG)" or " (KVM)" for a VM runtime that works: the accelerator its guests run on. */
    static String accelerator(Runtime r) {
        return r.getWorks() && !r.getAccelerator().isEmpty() ? " (" + r.getAccelerator().toUpperCase(Locale.ROOT) + ")"
                : "";
    }

    /** The text being typed at the bottom line. */
    private static final class Prompt {
        final String label;
        final StringBuilder text;
        final Consumer<String> onChange;
        final Consumer<String> onEnter;
        final Runnable onCancel;
        final boolean yesNo;
        boolean completer;

        Prompt(String label, String initial, Consumer<String> onChange, Consumer<String> onEnter, Runnable onCancel,
               boolean yesNo) {
            this.label = label;
            this.text = new StringBuilder(initial == null ? "" : initial);
            this.onChange = onChange;
            this.onEnter = onEnter;
            this.onCancel = onCancel;
            this.yesNo = yesNo;
        }

        void changed() {
            if (onChange != null) {
                onChange.accept(text.toString());
            }
        }
    }
}
