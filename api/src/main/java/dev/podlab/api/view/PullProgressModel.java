package dev.podlab.api.view;

import dev.podlab.api.v1.Image;
import dev.podlab.api.v1.PullProgress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image pull as a progress bar: the Images.Pull stream's messages folded into bytes done and total over
 * every layer, layers finished, the last phase, and the end (the stored image, or the error).
 * Toolkit-free; mutators run on the UI thread only.
 */
public final class PullProgressModel extends ViewModel {
    /** One layer's progress. */
    public record LayerProgress(String digest, long doneBytes, long totalBytes, String phase) {
        /** Verified, unpacked, stored or already present: nothing left to download. */
        public boolean finished() {
            return switch (phase) {
                case "verified", "unpacked", "stored", "exists" -> true;
                default -> false;
            };
        }
    }

    private String reference = "";
    private final Map<String, LayerProgress> layers = new LinkedHashMap<>();
    private String phase = "";
    private String message = "";
    private Image image;
    private String error;
    private boolean active;

    public PullProgressModel(Dispatcher ui) {
        super(ui);
    }

    /** A new pull begins: forgets the previous one. */
    public void start(String ref) {
        checkUiThread();
        reference = ref;
        layers.clear();
        phase = "resolving";
        message = "";
        image = null;
        error = null;
        active = true;
        changed();
    }

    /** One message of the stream. */
    public void apply(PullProgress p) {
        checkUiThread();
        if (!p.getPhase().isEmpty()) {
            phase = p.getPhase();
        }
        if (!p.getMessage().isEmpty()) {
            message = p.getMessage();
        }
        if (!p.getLayer().isEmpty()) {
            LayerProgress before = layers.get(p.getLayer());
            long total = p.getTotalBytes() > 0 ? p.getTotalBytes() : before == null ? 0 : before.totalBytes();
            long done = p.getDoneBytes() > 0 ? p.getDoneBytes() : before == null ? 0 : before.doneBytes();
            LayerProgress next = new LayerProgress(p.getLayer(), done, total, p.getPhase().isEmpty() && before != null
                    ? before.phase() : p.getPhase());
            if (next.finished() && total > 0) {
                next = new LayerProgress(next.digest(), total, total, next.phase());
            }
            layers.put(p.getLayer(), next);
        }
        if (p.hasImage()) {
            image = p.getImage();
            active = false;
        }
        changed();
    }

    /** The stream failed: {@code why} is one line for the status bar. */
    public void fail(String why) {
        checkUiThread();
        error = why;
        active = false;
        changed();
    }

    /** The stream ended (the last message carried the image, or it ended without one). */
    public void end() {
        checkUiThread();
        active = false;
        changed();
    }

    public String reference() {
        return reference;
    }

    /** Whether a pull is running. */
    public boolean active() {
        return active;
    }

    public List<LayerProgress> layers() {
        return List.copyOf(layers.values());
    }

    public String phase() {
        return phase;
    }

    public String message() {
        return message;
    }

    /** The stored image once the pull is done, else null. */
    public Image image() {
        return image;
    }

    /** Why the pull failed, else null. */
    public String error() {
        return error;
    }

    public long doneBytes() {
        return layers.values().stream().mapToLong(LayerProgress::doneBytes).sum();
    }

    public long totalBytes() {
        return layers.values().stream().mapToLong(LayerProgress::totalBytes).sum();
    }

    public long finishedLayers() {
        return layers.values().stream().filter(LayerProgress::finished).count();
    }

    /** 0..1 over every layer's bytes (1 once the image is stored, 0 before sizes are known). */
    public double fraction() {
        if (image != null) {
            return 1;
        }
        long total = totalBytes();
        return total <= 0 ? 0 : Math.min(1, (double) doneBytes() / total);
    }

    /** A bar of {@code width} cells: '█' for what is done, '░' for the rest. */
    public String bar(int width) {
        int full = (int) Math.round(fraction() * Math.max(0, width));
        return "█".repeat(full) + "░".repeat(Math.max(0, width - full));
    }
}
