package dev.podlab.cli;

import dev.podlab.gui.PodlabGui;
import dev.podlab.gui.Workbench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "gui", description = {"The desktop workbench (JavaFX): containers with live CPU and memory charts, "
        + "details with the step trace and config.json, logs, an exec console, a config.json diff and a pod diagram; "
        + "stop, kill, remove, play, pull and import; image layers with their file trees, runtimes, events and a "
        + "manifest editor that validates as you type; light and dark themes; the window state is remembered in "
        + "~/.config/podlab/gui.json.",
        "With --screenshot it renders one view to a PNG and exits (headless: no display needed)."})
final class GuiCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--screenshot", paramLabel = "FILE.png", description = "Render a view with live data to this PNG "
            + "(1280x800) and exit.")
    Path screenshot;

    @Option(names = "--view", paramLabel = "VIEW", defaultValue = "pods",
            description = "The view to render: pods, containers, images, runtimes, events, host or editor (default: ${DEFAULT-VALUE}).")
    String view;

    @Option(names = "--tab", paramLabel = "TAB", defaultValue = "overview",
            description = "With the containers view, the details tab: overview, logs, exec, diff or diagram "
                    + "(default: ${DEFAULT-VALUE}).")
    String tab;

    @Option(names = "--dark", description = "Use the dark theme for the screenshot.")
    boolean dark;

    @Override
    public Integer call() throws Exception {
        if (screenshot == null) {
            return PodlabGui.run(engine.client());
        }
        Workbench.View v = Workbench.View.parse(view);
        Workbench.Tab t = Workbench.Tab.parse(tab);
        try {
            PodlabGui.screenshot(engine.client(), v, t, dark, screenshot, 10_000);
        } finally {
            PodlabGui.exit();
        }
        System.out.println(screenshot);
        return 0;
    }
}
