package dev.podlab.core.runtime.kvm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Linux kernel a VM boots and the module tree that belongs to it: a distribution kernel
 * ({@code /boot/vmlinuz-RELEASE} with {@code /lib/modules/RELEASE}), since its drivers for virtio,
 * 9p and vsock are modules the initramfs carries.
 */
public record GuestKernel(Path image, String release, Path modules) {

    /** The newest {@code vmlinuz-*} under {@code boot} (by release, version-aware) whose modules exist. */
    public static Optional<GuestKernel> discover(Path boot, Path modulesRoot) {
        if (!Files.isDirectory(boot)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(boot)) {
            return s.filter(p -> p.getFileName().toString().startsWith("vmlinuz-"))
                    .map(p -> of(p, modulesRoot))
                    .flatMap(Optional::stream)
                    .max(Comparator.comparing(GuestKernel::release, GuestKernel::compareReleases));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A kernel named {@code vmlinuz-RELEASE} with {@code modulesRoot/RELEASE/modules.dep}. */
    public static Optional<GuestKernel> of(Path image, Path modulesRoot) {
        String name = image.getFileName().toString();
        if (!name.startsWith("vmlinuz-") || !Files.isReadable(image)) {
            return Optional.empty();
        }
        String release = name.substring("vmlinuz-".length());
        Path mods = modulesRoot.resolve(release);
        return Files.isReadable(mods.resolve("modules.dep")) ? Optional.of(new GuestKernel(image, release, mods))
                : Optional.empty();
    }

    /** Compares "6.1.0-56-amd64" and "6.1.0-9-amd64" by their numbers, then as text. */
    static int compareReleases(String a, String b) {
        String[] x = a.split("[.\\-+~]");
        String[] y = b.split("[.\\-+~]");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            boolean nx = x[i].matches("\\d{1,9}");
            boolean ny = y[i].matches("\\d{1,9}");
            int c = nx && ny ? Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i])) : x[i].compareTo(y[i]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }
}
