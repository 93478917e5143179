package dev.podlab.core.runtime.kvm;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.podlab.core.state.AtomicFiles;
import dev.podlab.core.state.ContainerStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which accelerator VMs use, and why. KVM only when it really works: {@code /dev/kvm} can exist
 * and still hang guests (some nested virtualisation), so the verdict comes from a bounded test
 * boot under KVM, cached in {@code <root>/kvm/accel.json} keyed by the QEMU binary, the kernel
 * and the device; else TCG (QEMU's emulator), which always works, only slower.
 */
public final class Accelerator {
    /** The verdict: "kvm" or "tcg", and the reason in words. */
    public record Verdict(String accel, String reason) {}

    /** Wire form of the cache. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record CacheRecord(String key, String accel, String reason) {}

    /**
     * A verdict as the cache holds it, for {@code podlab doctor}: read without booting anything.
     *
     * @param accel    "kvm" or "tcg"
     * @param reason   the reason in words, as the probe wrote it
     * @param key      what it was probed with (QEMU binary, kernel, device)
     * @param probedAt when the cache was written, i.e. when the test boot ran
     */
    public record Cached(String accel, String reason, String key, Instant probedAt) {}

    private Accelerator() {}

    /** The cache file under a state root ({@code <root>/kvm/accel.json}). */
    public static Path cacheFile(Path stateRoot) {
        return stateRoot.resolve("kvm").resolve("accel.json");
    }

    /** The cached verdict, if a probe has written one that can be read; never boots a VM. */
    public static Optional<Cached> cached(Path cacheFile) {
        try {
            CacheRecord c = ContainerStore.JSON.readValue(cacheFile.toFile(), CacheRecord.class);
            if (c.accel() == null || c.reason() == null) {
                return Optional.empty();
            }
            return Optional.of(new Cached(c.accel(), c.reason(), c.key() == null ? "" : c.key(),
                    Files.getLastModifiedTime(cacheFile).toInstant()));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * @param setting  "auto", "kvm" or "tcg" (from the runtime class option {@code accel})
     * @param devKvm   the device ({@code /dev/kvm})
     * @param key      what the verdict depends on (qemu binary, kernel)
     * @param probe    boots a test VM under KVM; returns null when the agent answered, else why not
     */
    public static Verdict decide(String setting, Path devKvm, Path cacheFile, String key, Supplier<String> probe) {
        if (setting.equals("tcg")) {
            return new Verdict("tcg", "TCG chosen in the runtime class options");
        }
        if (!Files.exists(devKvm)) {
            return new Verdict("tcg", "TCG: " + devKvm + " does not exist (no hardware virtualisation here)");
        }
        if (!Files.isReadable(devKvm) || !Files.isWritable(devKvm)) {
            return new Verdict("tcg", "TCG: " + devKvm + " is not accessible to the engine");
        }
        if (setting.equals("kvm")) {
            return new Verdict("kvm", "KVM chosen in the runtime class options (not probed)");
        }
        String fullKey = key + " " + devKvm;
        try {
            if (Files.exists(cacheFile)) {
                CacheRecord c = ContainerStore.JSON.readValue(cacheFile.toFile(), CacheRecord.class);
                if (fullKey.equals(c.key())) {
                    return new Verdict(c.accel(), c.reason() + " (cached in " + cacheFile + ")");
                }
            }
        } catch (IOException e) {
            // An unreadable cache is probed again.
        }
        long t0 = System.nanoTime();
        String failure = probe.get();
        Verdict v = failure == null
                ? new Verdict("kvm", "KVM: a test boot reached the guest agent in "
                        + (System.nanoTime() - t0) / 1_000_000 + " ms")
                : new Verdict("tcg", "TCG: " + devKvm + " exists but a test boot under KVM failed: " + failure);
        try {
            Files.createDirectories(cacheFile.getParent());
            AtomicFiles.write(cacheFile, ContainerStore.JSON.writeValueAsBytes(new CacheRecord(fullKey, v.accel(),
                    v.reason())), false);
        } catch (IOException e) {
            // Only a cache: the next engine probes again.
        }
        return v;
    }
}
