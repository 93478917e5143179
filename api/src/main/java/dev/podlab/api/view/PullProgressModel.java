package dev.podlab.api.view;

import dev.podlab.api.v1.Image;
import dev.podlab.api.v1.PullProgress;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One image pull as a progress bar: Images.Pull's messages per layer summed into bytes done of bytes known,
 * the latest phase as a line of text, and the stored image (or the failure) at the end.
 */
public final class PullProgressModel extends ViewModel {
    private record LayerProgress(long done, long total, String phase) {}

    private final Map<String, LayerProgress> layers = new LinkedHashMap<>();
    private String reference = "";
    private String line = "";
    private boolean active;
    private Image image;
    private String error = "";

    public PullProgressModel(Dispatcher ui) {
        super(ui);
    }

    /** A new pull of {@code reference} starts: everything before is forgotten. */
    public void start(String reference) {
        checkUiThread();
        this.reference = reference;
        layers.clear();
        line = "resolving " + reference;
        active = true;
        image = null;
        error = "";
        changed();
    }

    public void apply(PullProgress p) {
        checkUiThread();
        if (!p.getLayer().isEmpty()) {
            layers.put(p.getLayer(), new LayerProgress(p.getDoneBytes(), p.getTotalBytes(), p.getPhase()));
        }
        String layer = p.getLayer().isEmpty() ? "" : " " + shortDigest(p.getLayer());
        line = p.getPhase() + layer + (p.getMessage().isEmpty() ? "" : ": " + p.getMessage());
        if (p.hasImage()) {
            image = p.getImage();
            active = false;
            line = "pulled " + reference + " (" + p.getImage().getLayers() + " layers)";
        }
        changed();
    }

    public void failed(String message) {
        checkUiThread();
        active = false;
        error = message;
        line = message;
        changed();
    }

    /** Done of total in [0, 1]; -1 while nothing is known about sizes yet (an indeterminate bar). */
    public double fraction() {
        if (image != null) {
            return 1;
        }
        long done = 0;
        long total = 0;
        for (LayerProgress l : layers.values()) {
            boolean finished = l.phase().equals("stored") || l.phase().equals("exists") || l.phase().equals("unpacked")
                    || l.phase().equals("verified");
            total += Math.max(0, l.total());
            done += finished ? Math.max(0, l.total()) : Math.min(Math.max(0, l.done()), Math.max(0, l.total()));
        }
        return total <= 0 ? -1 : (double) done / total;
    }

    public int layerCount() {
        return layers.size();
    }

    public String reference() {
        return reference;
    }

    public String line() {
        return line;
    }

    public boolean active() {
        return active;
    }

    /** The stored image once the pull finished, else null. */
    public Image image() {
        return image;
    }

    public String error() {
        return error;
    }

    private static String shortDigest(String d) {
        int colon = d.indexOf(':');
        String hex = colon >= 0 ? d.substring(colon + 1) : d;
        return hex.substring(0, Math.min(12, hex.length()));
    }
}
