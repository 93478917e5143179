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
 * the cgroup tree, and the network from the pod's interface to the host bridge and its published ports.
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
        double width = Math.max(420, getViewportBounds().getWidth() - 2);
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
        double height = PAD + 26 + 20 + d.namespaces().size() * LANE + 30 + d.cgroups().size() * 22 + 30 + boxH + PAD;
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

        // Namespaces: one lane per type; boxes are spread over the container columns they cover.
        g.setFont(HEAD);
        g.fillText("namespaces (inode; green: shared by all containers)", PAD, y);
        y += 20;
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
        g.setFill(Color.web("#8e44ad", dark ? 0.3 : 0.12));
        g.fillRoundRect(PAD, y, boxW, boxH, 8, 8);
        g.setStroke(Color.web("#8e44ad"));
        g.strokeRoundRect(PAD, y, boxW, boxH, 8, 8);
        double hostX = PAD + boxW + 60;
        if (hostFacts > 0) {
            g.setFill(Color.web("#7f8c8d", dark ? 0.3 : 0.12));
            g.fillRoundRect(hostX, y, boxW, boxH, 8, 8);
            g.setStroke(Color.web("#7f8c8d"));
            g.strokeRoundRect(hostX, y, boxW, boxH, 8, 8);
            g.setStroke(fg());
            g.setLineWidth(2);
            g.strokeLine(PAD + boxW, y + boxH / 2, hostX, y + boxH / 2);
            g.setFont(BODY);
            g.setFill(muted());
            g.fillText("veth", PAD + boxW + 18, y + boxH / 2 - 16);
            g.setLineWidth(1);
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
