package dev.podlab.core.image.snapshot;

import dev.podlab.core.image.Digest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Chain ids as the OCI image spec defines them (config.md, "Layer ChainID"):
 * {@code ChainID(L0) = DiffID(L0)}, {@code ChainID(Ln) = SHA256(ChainID(Ln-1) + " " + DiffID(Ln))}.
 * A chain id names a layer together with everything below it, so equal chain ids mean equal
 * root filesystems up to that layer.
 */
public final class ChainIds {
    private ChainIds() {}

    public static Digest next(Digest parentChainId, Digest diffId) {
        if (parentChainId == null) {
            return diffId;
        }
        return Digest.sha256((parentChainId + " " + diffId).getBytes(StandardCharsets.UTF_8));
    }

    /** The chain id of each layer, bottom first. */
    public static List<Digest> of(List<Digest> diffIds) {
        List<Digest> out = new ArrayList<>(diffIds.size());
        Digest chain = null;
        for (Digest d : diffIds) {
            chain = next(chain, d);
            out.add(chain);
        }
        return out;
    }
}
