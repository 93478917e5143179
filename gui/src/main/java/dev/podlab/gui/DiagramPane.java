package dev.podlab.gui;

import dev.podlab.api.v1.GetPodRequest;
import dev.podlab.api.v1.InspectContainerRequest;
import dev.podlab.api.v1.InspectContainerResponse;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.PodContainer;
import dev.podlab.api.view.EngineFeeds;
import dev.podlab.api.view.PodDiagram;
import dev.podlab.api.view.WorkloadRow;
import javafx.geometry.VPos;
import javafx.scene.canvas.Canvas;
import javafx.scene.canvas.GraphicsContext;
import javafx.scene.control.ScrollPane;
import javafx.scene.paint.Color;
import javafx.scene.text.Font;
import javafx.scene.text.FontWeight;
import javafx.scene.text.Text;
import javafx.scene.text.TextAlignment;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A drawing of the selected container's pod ({@link PodDiagram}) on a Canvas: one lane per namespace type
 * with a box per namespace instance (inode, the containers in it; a box spanning every container is shared),
 * the cgroup tree, the network from the pod's interface to the host bridge and its published ports, and for a
 * kvm pod its micro-VM: QEMU on the host beside the guest kernel, the agent and the containers inside.
 * Pods.Get and Containers.Inspect run on a worker; the drawing happens on the FX thread.
 */
final class DiagramPane extends ScrollPane {
    private static final double PAD = 14;
    private static final double LANE = 46;
    private static final double LABEL_W = 90;
    private static final Font TITLE = Font.font("System", FontWeight.BOLD, 14);
    private static final Font HEAD = Font.font("System", FontWeight.BOLD, 12);
    private static final Font BODY = Font.font("System", 11);
    private static final Font MONO = Font.font("Monospaced", 11);

    private final EngineFeeds feeds;
    final Canvas canvas = new Canvas(900, 400);
    private PodDiagram diagram;
    private String loadedFor = "";
    private boolean dark;

    DiagramPane(EngineFeeds feeds) {
        this.feeds = feeds;
        getStyleClass().add("diagram-pane");
        setContent(canvas);
        viewportBoundsProperty().addListener((o, a, b) -> draw());
    }

    PodDiagram diagram() {
        return diagram;
    }

    /** Draws {@code d} as it is (a diagram built elsewhere, e.g. from a fixture). */
    void show(PodDiagram d) {
        loadedFor = "";
        diagram = d;
        draw();
    }

    void setDark(boolean on) {
        dark = on;
        draw();
    }

    /** Reads the pod of {@code row} (or the container alone) and draws it; {@code force} reads it again. */
    void show(WorkloadRow row, boolean force) {
        String key = row.id() + "/" + row.state();
        if (!force && key.equals(loadedFor)) {
            return;
        }
        loadedFor = key;
        String group = row.group();
        String id = row.id();
        String name = row.name();
        feeds.call(() -> {
            Pod pod = null;
            Map<String, InspectContainerResponse> in = new LinkedHashMap<>();
            if (!group.isEmpty()) {
                try {
                    pod = feeds.client().pods().get(GetPodRequest.newBuilder().setPod(group).build()).getPod();
                } catch (RuntimeException notAPodOfOurs) {
                    pod = null; // a CRI sandbox or a pod deleted meanwhile: draw the container alone
                }
            }
            if (pod != null) {
                for (PodContainer c : pod.getContainersList()) {
                    if (!c.getContainerId().isEmpty()) {
                        in.put(c.getName() + (c.getInit() ? " (init)" : ""), inspect(c.getContainerId()));
                    }
                }
            }
            if (in.isEmpty()) {
                pod = null;
                in.put(name, inspect(id));
            }
            return PodDiagram.of(pod, in);
        }, d -> {
            if (key.equals(loadedFor)) {
                diagram = d;
                draw();
            }
        });
    }

    private InspectContainerResponse inspect(String id) {
        return feeds.client().containers().inspect(InspectContainerRequest.newBuilder().setId(id).build());
    }

    private Color fg() {
        return dark ? Color.web("#dfe4ea") : Color.web("#2f3542");
    }

    private Color muted() {
        return dark ? Color.web("#8a93a0") : Color.web("#747d8c");
    }

    void draw() {
        // Before the first layout (a pane not shown yet) the viewport is empty: draw at the canvas's first width.
        double viewport = getViewportBounds().getWidth();
        double width = viewport <= 0 ? 900 : Math.max(420, viewport - 2);
        GraphicsContext g = canvas.getGraphicsContext2D();
        if (diagram == null) {
            canvas.setWidth(width);
            canvas.setHeight(60);
            g.clearRect(0, 0, canvas.getWidth(), canvas.getHeight());
            g.setFill(muted());
            g.setFont(BODY);
            g.setTextBaseline(VPos.TOP);
            g.fillText("select a container to draw its pod", PAD, PAD);
            return;
        }
        PodDiagram d = diagram;
        long hostFacts = d.network().stream().filter(DiagramPane::hostSide).count();
        double boxH = Math.max(60, 28 + 14 * Math.max(hostFacts, d.network().size() - hostFacts));
        double height = PAD + 26 + vmHeight(d) + 20 + Math.max(18, d.namespaces().size() * LANE) + 30 + d.cgroups().size() * 22 + 30 + boxH + PAD;
        canvas.setWidth(width);
        canvas.setHeight(height);
        g.clearRect(0, 0, width, height);
        g.setTextBaseline(VPos.TOP);
        g.setTextAlign(TextAlignment.LEFT);
        double y = PAD;
        g.setFill(fg());
        g.setFont(TITLE);
        g.fillText(d.title() + "  —  " + d.containers().size() + " container" + (d.containers().size() == 1 ? "" : "s"), PAD, y);
        y += 26;
        y = drawVm(g, d, width, y);

        // Namespaces: one lane per type; boxes are spread over the container columns they cover.
        g.setFont(HEAD);
        g.fillText("namespaces (inode; green: shared by all containers)", PAD, y);
        y += 20;
        if (d.namespaces().isEmpty()) {
            g.setFill(muted());
            g.setFont(BODY);
            g.fillText(d.vm() != null ? "none seen from the host: the containers' namespaces are inside the VM's kernel"
                    : "none: the containers are not running", PAD, y);
            y += 18;
        }
        List<String> cs = d.containers();
        double colW = (width - 2 * PAD - LABEL_W) / Math.max(1, cs.size());
        for (PodDiagram.NamespaceRow row : d.namespaces()) {
            g.setFill(fg());
            g.setFont(HEAD);
            g.fillText(row.type(), PAD, y + 12);
            for (PodDiagram.NamespaceGroup grp : row.groups()) {
                int first = Integer.MAX_VALUE;
                int last = -1;
                for (String c : grp.containers()) {
                    int i = cs.indexOf(c);
                    first = Math.min(first, i);
                    last = Math.max(last, i);
                }
                if (last < 0) {
                    continue;
                }
                double x0 = PAD + LABEL_W + first * colW + 3;
                double w = (last - first + 1) * colW - 6;
                Color fill = row.shared() ? Color.web("#27ae60", dark ? 0.35 : 0.22) : Color.web("#2e86de", dark ? 0.30 : 0.15);
                Color stroke = row.shared() ? Color.web("#27ae60") : Color.web("#2e86de");
                g.setFill(fill);
                g.fillRoundRect(x0, y, w, LANE - 8, 8, 8);
                g.setStroke(stroke);
                g.setLineWidth(1.2);
                g.strokeRoundRect(x0, y, w, LANE - 8, 8, 8);
                g.setFill(fg());
                g.setFont(MONO);
                g.fillText(clip(grp.inode(), w - 8, MONO), x0 + 6, y + 4);
                g.setFill(muted());
                g.setFont(BODY);
                g.fillText(clip(String.join(", ", grp.containers()), w - 8, BODY), x0 + 6, y + 20);
            }
            y += LANE;
        }

        // The cgroup tree, indented, with the containers at their directories.
        y += 10;
        g.setFill(fg());
        g.setFont(HEAD);
        g.fillText("cgroups (" + (d.cgroupController().isEmpty() ? "no controller" : d.cgroupController()) + " hierarchy)", PAD, y);
        y += 20;
        for (PodDiagram.CgroupNode n : d.cgroups()) {
            double x = PAD + 12 + n.depth() * 18;
            g.setStroke(muted());
            g.setLineWidth(1);
            if (n.depth() > 0) {
                g.strokeLine(x - 12, y - 6, x - 12, y + 8);
                g.strokeLine(x - 12, y + 8, x - 3, y + 8);
            }
            g.setFill(n.containers().isEmpty() ? fg() : Color.web("#e67e22"));
            g.setFont(MONO);
            g.fillText(n.name() + "/", x, y + 1);
            if (!n.containers().isEmpty()) {
                g.setFill(muted());
                g.setFont(BODY);
                g.fillText("<- " + String.join(", ", n.containers()), x + textWidth(n.name() + "/", MONO) + 10, y + 1);
            }
            y += 22;
        }

        // The network: the pod side, the link, the host side.
        y += 10;
        g.setFill(fg());
        g.setFont(HEAD);
        g.fillText("network", PAD, y);
        y += 20;
        // Without host-side facts (a container outside a pod network) the namespace box takes the whole width.
        double boxW = hostFacts == 0 ? width - 2 * PAD : Math.min(360, (width - 2 * PAD - 60) / 2);
        box(g, PAD, y, boxW, boxH, "#8e44ad");
        double hostX = PAD + boxW + 60;
        if (hostFacts > 0) {
            box(g, hostX, y, boxW, boxH, "#7f8c8d");
            link(g, PAD + boxW, hostX, y + boxH / 2, "veth");
        }
        g.setFont(HEAD);
        g.setFill(fg());
        g.fillText("network namespace", PAD + 8, y + 4);
        if (hostFacts > 0) {
            g.fillText("host", hostX + 8, y + 4);
        }
        g.setFont(BODY);
        double py = y + 22;
        double hy = y + 22;
        for (PodDiagram.Fact f : d.network()) {
            boolean host = hostSide(f);
            String line = f.label() + ": " + f.value();
            if (host) {
                g.fillText(clip(line, boxW - 16, BODY), hostX + 8, hy);
                hy += 14;
            } else {
                g.fillText(clip(line, boxW - 16, BODY), PAD + 8, py);
                py += 14;
            }
        }
    }

    /** The height of the micro-VM section: 0 for containers on the host's kernel. */
    private static double vmHeight(PodDiagram d) {
        if (d.vm() == null) {
            return 0;
        }
        int lines = Math.max(d.vm().host().size(), d.vm().guest().size() + 1 + d.vm().containers().size());
        return 20 + 28 + lines * 15 + 16;
    }

    /**
     * A kvm pod's VM: the host box (QEMU's pid, accelerator, cgroup, memory) linked to the guest box (kernel,
     * agent, and the containers inside); returns where the next section starts.
     */
    private double drawVm(GraphicsContext g, PodDiagram d, double width, double y) {
        PodDiagram.VmSides vm = d.vm();
        if (vm == null) {
            return y;
        }
        g.setFill(fg());
        g.setFont(HEAD);
        g.fillText("micro-VM (host side | guest side)", PAD, y);
        y += 20;
        double boxH = vmHeight(d) - 20 - 16;
        double boxW = Math.min(420, (width - 2 * PAD - 80) / 2);
        double guestX = PAD + boxW + 80;
        box(g, PAD, y, boxW, boxH, "#7f8c8d");
        box(g, guestX, y, boxW, boxH, "#d35400");
        link(g, PAD + boxW, guestX, y + boxH / 2, "virtio");
        g.setFont(HEAD);
        g.setFill(fg());
        g.fillText("host: QEMU", PAD + 8, y + 4);
        g.fillText("guest", guestX + 8, y + 4);
        g.setFont(BODY);
        double hy = y + 24;
        for (PodDiagram.Fact f : vm.host()) {
            g.fillText(clip(f.label() + ": " + f.value(), boxW - 16, BODY), PAD + 8, hy);
            hy += 15;
        }
        double gy = y + 24;
        for (PodDiagram.Fact f : vm.guest()) {
            g.fillText(clip(f.label() + ": " + f.value(), boxW - 16, BODY), guestX + 8, gy);
            gy += 15;
        }
        g.setFill(muted());
        g.fillText("containers inside:", guestX + 8, gy);
        gy += 15;
        g.setFill(fg());
        for (String c : vm.containers()) {
            g.fillText(clip("  " + c, boxW - 16, BODY), guestX + 8, gy);
            gy += 15;
        }
        return y + boxH + 16;
    }

    /** A rounded box tinted with {@code colour}, outlined in it. */
    private void box(GraphicsContext g, double x, double y, double w, double h, String colour) {
        g.setFill(Color.web(colour, dark ? 0.3 : 0.12));
        g.fillRoundRect(x, y, w, h, 8, 8);
        g.setStroke(Color.web(colour));
        g.setLineWidth(1.2);
        g.strokeRoundRect(x, y, w, h, 8, 8);
    }

    /** A thick line from {@code x0} to {@code x1} at {@code y} with {@code label} above it. */
    private void link(GraphicsContext g, double x0, double x1, double y, String label) {
        g.setStroke(fg());
        g.setLineWidth(2);
        g.strokeLine(x0, y, x1, y);
        g.setLineWidth(1);
        g.setFont(BODY);
        g.setFill(muted());
        g.fillText(label, x0 + 18, y - 16);
    }

    private static boolean hostSide(PodDiagram.Fact f) {
        return f.label().equals("host side") || f.label().equals("port") || f.label().equals("CNI network");
    }

    private static double textWidth(String s, Font f) {
        Text t = new Text(s);
        t.setFont(f);
        return t.getLayoutBounds().getWidth();
    }

    private static String clip(String s, double width, Font f) {
        if (textWidth(s, f) <= width) {
            return s;
        }
        String t = s;
        while (t.length() > 1 && textWidth(t + "…", f) > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "…";
    }
}
