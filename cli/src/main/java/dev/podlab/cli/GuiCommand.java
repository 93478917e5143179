package dev.podlab.cli;

import dev.podlab.gui.PodlabGui;
import dev.podlab.gui.Workbench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "gui", description = {"The desktop workbench (JavaFX): containers with live CPU and memory charts, "
        + "details with the step trace and config.json, image layers with their file trees, runtimes and events; "
        + "light and dark themes.",
        "With --screenshot it renders one view to a PNG and exits (headless: no display needed)."})
final class GuiCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = "--screenshot", paramLabel = "FILE.png", description = "Render a view with live data to this PNG "
            + "(1280x800) and exit.")
    Path screenshot;

    @Option(names = "--view", paramLabel = "VIEW", defaultValue = "containers",
            description = "The view to render: containers, images, runtimes or events (default: ${DEFAULT-VALUE}).")
    String view;

    @Option(names = "--dark", description = "Use the dark theme for the screenshot.")
    boolean dark;

    @Override
    public Integer call() throws Exception {
        if (screenshot == null) {
            return PodlabGui.run(engine.client());
        }
        Workbench.View v = Workbench.View.parse(view);
        try {
            PodlabGui.screenshot(engine.client(), v, dark, screenshot, 10_000);
        } finally {
            PodlabGui.exit();
        }
        System.out.println(screenshot);
        return 0;
    }
}
