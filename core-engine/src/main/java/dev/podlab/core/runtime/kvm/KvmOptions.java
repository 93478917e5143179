package dev.podlab.core.runtime.kvm;

import dev.podlab.core.runtime.RuntimeUnavailableException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The options of a {@code kvm} runtime class ({@code runtimeClasses.<name>.options} in the engine
 * settings). Unknown keys and bad values are refused in one line, as everywhere in the settings.
 *
 * @param qemu           the QEMU binary (default {@code qemu-system-x86_64} from PATH)
 * @param kernel         the guest kernel image {@code vmlinuz-RELEASE} (default: the newest in /boot
 *                       whose /lib/modules/RELEASE exists)
 * @param accel          {@code auto} (probe KVM, else TCG), {@code kvm} or {@code tcg}
 * @param overheadMiB    guest memory on top of the workload's limit (kernel, agent, page cache)
 * @param defaultMiB     the workload's share when it has no memory limit
 * @param bootTimeout    how long a boot may take until the agent's hello
 * @param pingInterval   how often the engine pings a running VM's agent (and how long one ping may take)
 * @param pingMisses     missed pings in a row after which the VM counts as hung: QEMU is killed and its
 *                       containers are reported like after a crash
 * @param directBoot     {@code boot: auto} (default): QEMU enters the kernel's ELF, taken out of the bzImage
 *                       once, through its PVH entry (no decompression in the guest, no guest KASLR);
 *                       {@code boot: bzimage}: the bzImage as it is
 * @param ksm            {@code ksm: on}: turn the host's KSM on (if it is off) when a VM boots, so VMs share
 *                       identical guest pages; {@code leave} (default): the host's setting is the admin's
 * @param template       {@code template: on} (default): VMs are restored from a template frozen at the agent's
 *                       hello ({@link VmTemplate}), built by the first VM of each shape; {@code off}: every VM
 *                       boots (fresh kernel randomness, no shared guest memory, and the balloon)
 */
public record KvmOptions(Path qemu, Path kernel, String accel, int overheadMiB, int defaultMiB, Duration bootTimeout,
                         Duration pingInterval, int pingMisses, boolean directBoot, boolean ksm,
                         boolean template) {
    public static final List<String> KEYS = List.of("qemu", "kernel", "accel", "memoryOverheadMiB",
            "defaultMemoryMiB", "bootTimeoutSeconds", "pingIntervalSeconds", "pingMisses", "boot",
            "ksm", "template");

    public static KvmOptions parse(String runtimeClass, Map<String, String> options) {
        for (String k : options.keySet()) {
            if (!KEYS.contains(k)) {
                throw bad(runtimeClass, "unknown option " + k + " (known: " + String.join(", ", KEYS) + ")");
            }
        }
        String accel = options.getOrDefault("accel", "auto");
        if (!List.of("auto", "kvm", "tcg").contains(accel)) {
            throw bad(runtimeClass, "option accel must be auto, kvm or tcg, not " + accel);
        }
        String boot = options.getOrDefault("boot", "auto");
        if (!List.of("auto", "bzimage").contains(boot)) {
            throw bad(runtimeClass, "option boot must be auto or bzimage, not " + boot);
        }
        String ksm = options.getOrDefault("ksm", "leave");
        if (!List.of("on", "leave").contains(ksm)) {
            throw bad(runtimeClass, "option ksm must be on or leave, not " + ksm);
        }
        String template = options.getOrDefault("template", "on");
        if (!List.of("on", "off").contains(template)) {
            throw bad(runtimeClass, "option template must be on or off, not " + template);
        }
        return new KvmOptions(
                options.containsKey("qemu") ? Path.of(options.get("qemu")) : null,
                options.containsKey("kernel") ? Path.of(options.get("kernel")) : null,
                accel,
                number(runtimeClass, options, "memoryOverheadMiB", 96, 32, 4096),
                number(runtimeClass, options, "defaultMemoryMiB", 256, 16, 1 << 20),
                Duration.ofSeconds(number(runtimeClass, options, "bootTimeoutSeconds", 120, 1, 3600)),
                Duration.ofSeconds(number(runtimeClass, options, "pingIntervalSeconds", 5, 1, 3600)),
                number(runtimeClass, options, "pingMisses", 4, 1, 1000),
                boot.equals("auto"), ksm.equals("on"), template.equals("on"));
    }

    private static int number(String rc, Map<String, String> o, String key, int def, int min, int max) {
        String v = o.get(key);
        if (v == null) {
            return def;
        }
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        throw bad(rc, "option " + key + " must be a whole number from " + min + " to " + max + ", not " + v);
    }

    private static RuntimeUnavailableException bad(String rc, String why) {
        return new RuntimeUnavailableException(rc, "failed to configure runtime class " + rc + ": " + why);
    }
}
