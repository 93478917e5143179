package dev.podlab.core.runtime.kvm;

import dev.podlab.core.oci.RuntimeSpec;
import dev.podlab.core.runtime.RuntimeUnavailableException;
import dev.podlab.core.runtime.builtin.SeccompCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The small pure parts of the kvm runtime: kernel discovery, module order, options, accelerator, QEMU command. */
class KvmUnitsTest {

    @Test
    void theNewestKernelWithModulesWins(@TempDir Path tmp) throws Exception {
        Path boot = Files.createDirectories(tmp.resolve("boot"));
        Path mods = Files.createDirectories(tmp.resolve("modules"));
        for (String r : List.of("6.1.0-9-amd64", "6.1.0-56-amd64", "6.10.0-1-amd64")) {
            Files.writeString(boot.resolve("vmlinuz-" + r), "k");
        }
        for (String r : List.of("6.1.0-9-amd64", "6.1.0-56-amd64")) {
            Files.createDirectories(mods.resolve(r));
            Files.writeString(mods.resolve(r).resolve("modules.dep"), "");
        }
        // 6.10 has no modules: skipped; 56 beats 9 as a number.
        assertThat(GuestKernel.discover(boot, mods)).map(GuestKernel::release).contains("6.1.0-56-amd64");
        assertThat(GuestKernel.compareReleases("6.10.0", "6.9.0")).isPositive();
        assertThat(GuestKernel.discover(tmp.resolve("none"), mods)).isEmpty();
    }

    @Test
    void modulesComeInDependencyOrder(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("modules.dep"), """
                kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko
                kernel/fs/netfs/netfs.ko:
                kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko
                kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
                kernel/drivers/virtio/virtio_ring.ko:
                kernel/drivers/virtio/virtio_mmio.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
                kernel/net/9p/9pnet.ko:
                """);
        List<String> order = InitramfsBuilder.resolve(tmp, List.of("virtio_mmio", "9p")).stream()
                .map(InitramfsBuilder::moduleName).toList();
        assertThat(order).containsExactly("virtio_ring", "virtio", "virtio_mmio", "9pnet", "netfs", "fscache", "9p");
        assertThatThrownBy(() -> InitramfsBuilder.resolve(tmp, List.of("vsock")))
                .hasMessageContaining("module vsock is not in modules.dep");
    }

    @Test
    void optionKsmTurnsTheHostsKsmOnButNeverOff(@TempDir Path tmp) throws Exception {
        Path run = Files.writeString(tmp.resolve("run"), "0\n");
        assertThat(KvmRuntime.ksmOn(run)).startsWith("turned the host's KSM on (it was 0");
        assertThat(Files.readString(run)).isEqualTo("1");
        assertThat(KvmRuntime.ksmOn(run)).startsWith("the host's KSM is on");
        assertThat(KvmRuntime.ksmOn(tmp.resolve("absent"))).startsWith("KSM not turned on: ");
    }

    @Test
    void aNewShimsInitramfsReplacesTheOldOneOfTheSameKernel(@TempDir Path tmp) throws Exception {
        Path mods = Files.createDirectories(tmp.resolve("lib/modules/6.1.0-56-amd64"));
        Files.createDirectories(mods.resolve("kernel/drivers/virtio"));
        Files.writeString(mods.resolve("modules.dep"), """
                kernel/drivers/virtio/virtio_balloon.ko: kernel/drivers/virtio/virtio.ko
                kernel/drivers/virtio/virtio.ko:
                """);
        Files.write(mods.resolve("kernel/drivers/virtio/virtio.ko"), new byte[] {1, 2, 3});
        Files.write(mods.resolve("kernel/drivers/virtio/virtio_balloon.ko"), new byte[] {4, 5});
        GuestKernel kernel = new GuestKernel(tmp.resolve("vmlinuz-6.1.0-56-amd64"), "6.1.0-56-amd64", mods);
        Path otherKernels = Files.writeString(Files.createDirectories(tmp.resolve("kvm"))
                .resolve("initramfs-5.10.0-9-amd64-0123456789abcdef.cpio"), "x");
        Path shim = Files.writeString(tmp.resolve("shim-a"), "shim a");
        InitramfsBuilder b = new InitramfsBuilder(tmp.resolve("kvm"));
        InitramfsBuilder.Result first = b.build(shim, kernel, List.of("virtio_balloon"));
        assertThat(first.reused()).isFalse();
        assertThat(first.file().getFileName().toString()).startsWith("initramfs-6.1.0-56-amd64-");
        assertThat(new String(Files.readAllBytes(first.file()), java.nio.charset.StandardCharsets.ISO_8859_1))
                .contains("/lib/modules/virtio.ko late\n/lib/modules/virtio_balloon.ko late\n");
        assertThat(b.build(shim, kernel, List.of("virtio_balloon")).reused()).isTrue();
        Path shimB = Files.writeString(tmp.resolve("shim-b"), "shim b, a new build");
        InitramfsBuilder.Result second = b.build(shimB, kernel, List.of("virtio_balloon"));
        assertThat(second.file()).isNotEqualTo(first.file()).exists();
        assertThat(first.file()).doesNotExist();
        assertThat(otherKernels).exists();
    }

    @Test
    void compressedModulesArePackedUncompressed(@TempDir Path tmp) throws Exception {
        Path mods = Files.createDirectories(tmp.resolve("lib/modules/6.12.0-1-amd64/kernel"));
        Files.writeString(mods.resolveSibling("modules.dep"), """
                kernel/virtio_ring.ko.xz:
                kernel/virtio.ko.zst: kernel/virtio_ring.ko.xz
                kernel/virtio_mmio.ko.gz: kernel/virtio.ko.zst kernel/virtio_ring.ko.xz
                """);
        var random = new java.util.Random(7);
        Map<String, byte[]> plain = new java.util.LinkedHashMap<>();
        for (String[] m : new String[][] {{"virtio_ring", "xz"}, {"virtio", "zstd"}, {"virtio_mmio", "gzip"}}) {
            byte[] body = new byte[4096];
            random.nextBytes(body);
            plain.put(m[0], body);
            Path ko = Files.write(mods.resolve(m[0] + ".ko"), body);
            // The distribution's own tools made the files, as its kernel packages do.
            List<String> cmd = switch (m[1]) {
                case "xz" -> List.of("xz", "--check=crc32", ko.toString());
                case "zstd" -> List.of("zstd", "-q", "--rm", ko.toString());
                default -> List.of("gzip", ko.toString());
            };
            assertThat(new ProcessBuilder(cmd).inheritIO().start().waitFor()).as(String.join(" ", cmd)).isZero();
        }
        GuestKernel kernel = new GuestKernel(tmp.resolve("vmlinuz-6.12.0-1-amd64"), "6.12.0-1-amd64",
                mods.getParent());
        Path shim = Files.writeString(tmp.resolve("shim"), "shim");
        InitramfsBuilder.Result r = new InitramfsBuilder(tmp.resolve("kvm")).build(shim, kernel,
                List.of("virtio_mmio"));
        assertThat(r.modules()).containsExactly("virtio_ring", "virtio", "virtio_mmio");
        byte[] cpio = Files.readAllBytes(r.file());
        plain.forEach((name, body) -> assertThat(indexOf(cpio, body)).as(name + " uncompressed in the archive")
                .isPositive());

        // A damaged module fails the build with the tool's reason, and nothing is cached.
        Path broken = mods.resolve("virtio_ring.ko.xz");
        byte[] xz = Files.readAllBytes(broken);
        Files.write(broken, java.util.Arrays.copyOf(xz, xz.length / 2));
        Files.writeString(shim, "another shim"); // a new archive, not the one built above
        assertThatThrownBy(() -> new InitramfsBuilder(tmp.resolve("kvm")).build(shim, kernel, List.of("virtio_mmio")))
                .isInstanceOf(KvmException.class).hasMessageContaining("failed to inflate module " + broken
                        + ": xz exited with 1");
        try (var files = Files.list(tmp.resolve("kvm"))) {
            assertThat(files.toList()).containsExactly(r.file());
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void networkAndBalloonModulesAreTaggedOnlyWhenNothingElseNeedsThem(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("modules.dep"), """
                kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
                kernel/drivers/virtio/virtio_ring.ko:
                kernel/drivers/virtio/virtio_mmio.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
                kernel/net/core/failover.ko:
                kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
                kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
                kernel/drivers/virtio/virtio_balloon.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
                """);
        assertThat(InitramfsBuilder.loadWhen(tmp, List.of("virtio_mmio", "virtio_net", "virtio_balloon")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("failover", "net", "net_failover", "net", "virtio_net", "net",
                        "virtio_balloon", "late"));
        // Without an untagged request needing virtio, the net and balloon requests share it: loaded first.
        assertThat(InitramfsBuilder.loadWhen(tmp, List.of("virtio_net", "virtio_balloon"))).doesNotContainKey("virtio");
    }

    @Test
    void optionsAreStrict() {
        KvmOptions d = KvmOptions.parse("kvm", Map.of());
        assertThat(d.accel()).isEqualTo("auto");
        assertThat(d.overheadMiB()).isEqualTo(96);
        assertThat(KvmOptions.parse("vm", Map.of("accel", "tcg", "memoryOverheadMiB", "64")).overheadMiB()).isEqualTo(64);
        assertThatThrownBy(() -> KvmOptions.parse("vm", Map.of("kernal", "/boot/x")))
                .isInstanceOf(RuntimeUnavailableException.class)
                .hasMessage("failed to configure runtime class vm: unknown option kernal (known: qemu, kernel, accel, "
                        + "memoryOverheadMiB, defaultMemoryMiB, bootTimeoutSeconds, pingIntervalSeconds, pingMisses, boot, ksm, "
                        + "template)");
        assertThat(d.ksm()).isFalse();
        assertThat(d.template()).isTrue();
        assertThat(KvmOptions.parse("vm", Map.of("template", "off")).template()).isFalse();
        assertThatThrownBy(() -> KvmOptions.parse("vm", Map.of("template", "no"))).hasMessageContaining("on or off");
        assertThat(KvmOptions.parse("vm", Map.of("ksm", "on")).ksm()).isTrue();
        assertThatThrownBy(() -> KvmOptions.parse("vm", Map.of("ksm", "yes"))).hasMessageContaining("on or leave");
        assertThat(d.directBoot()).isTrue();
        assertThat(KvmOptions.parse("vm", Map.of("boot", "bzimage")).directBoot()).isFalse();
        assertThatThrownBy(() -> KvmOptions.parse("vm", Map.of("boot", "uefi")))
                .hasMessage("failed to configure runtime class vm: option boot must be auto or bzimage, not uefi");
        assertThat(d.pingInterval()).isEqualTo(java.time.Duration.ofSeconds(5));
        assertThat(d.pingMisses()).isEqualTo(4);
        assertThat(KvmOptions.parse("vm", Map.of("pingIntervalSeconds", "2", "pingMisses", "3")))
                .extracting(KvmOptions::pingInterval, KvmOptions::pingMisses)
                .containsExactly(java.time.Duration.ofSeconds(2), 3);
        assertThatThrownBy(() -> KvmOptions.parse("vm", Map.of("pingMisses", "0"))).hasMessageContaining("pingMisses");
        assertThatThrownBy(() -> KvmOptions.parse("vm", Map.of("accel", "hvf"))).hasMessageContaining("auto, kvm or tcg");
        assertThatThrownBy(() -> KvmOptions.parse("vm", Map.of("bootTimeoutSeconds", "0")))
                .hasMessageContaining("from 1 to 3600");
    }

    @Test
    void theAcceleratorIsProbedOnceAndTheVerdictCached(@TempDir Path tmp) throws Exception {
        Path cache = tmp.resolve("kvm/accel.json");
        AtomicInteger probes = new AtomicInteger();
        assertThat(Accelerator.decide("auto", tmp.resolve("no-kvm"), cache, "k", () -> {
            probes.incrementAndGet();
            return null;
        })).extracting(Accelerator.Verdict::accel).isEqualTo("tcg");
        assertThat(probes).hasValue(0);

        Path dev = Files.createFile(tmp.resolve("kvm-device"));
        Accelerator.Verdict hung = Accelerator.decide("auto", dev, cache, "k", () -> {
            probes.incrementAndGet();
            return "no hello within 20 s";
        });
        assertThat(hung.accel()).isEqualTo("tcg");
        assertThat(hung.reason()).contains("test boot under KVM failed: no hello within 20 s");
        Accelerator.Verdict again = Accelerator.decide("auto", dev, cache, "k", () -> {
            probes.incrementAndGet();
            return null;
        });
        assertThat(again.accel()).isEqualTo("tcg");
        assertThat(again.reason()).contains("cached in " + cache);
        assertThat(probes).hasValue(1);
        // A new QEMU or kernel (another key) is probed again.
        assertThat(Accelerator.decide("auto", dev, cache, "k2", () -> null).accel()).isEqualTo("kvm");
        assertThat(Accelerator.decide("tcg", dev, cache, "k2", () -> null).accel()).isEqualTo("tcg");
    }

    @Test
    void theQemuCommandIsAMicrovmWithShareAndControlPort() {
        var kernel = new GuestKernel(Path.of("/boot/vmlinuz-6.1.0-56-amd64"), "6.1.0-56-amd64",
                Path.of("/lib/modules/6.1.0-56-amd64"));
        var cfg = new VmConfig(Path.of("/usr/bin/qemu-system-x86_64"), kernel, Path.of("/s/kvm/initramfs-1.cpio"),
                "tcg", 352, 1, Path.of("/s/kvm/vms/pod-1/share,x"), Path.of("/s/kvm/vms/pod-1/ctl.sock"),
                Path.of("/s/kvm/vms/pod-1/console.log"), 2096008, null, null);
        String cmd = String.join(" ", cfg.command());
        assertThat(cmd).contains("-M microvm,rtc=on ", "-accel tcg,tb-size=16", "-m 352M", "-smp 1", "-nodefaults",
                "-no-user-config", "-nographic", "-no-reboot", "tsc_early_khz=2096008",
                "path=/s/kvm/vms/pod-1/share,,x,security_model=passthrough", "mount_tag=podlab",
                "virtserialport,chardev=ctl,name=podlab.ctl", "cryptomgr.notests i8042.noaux",
                "virtio-balloon-device,free-page-reporting=on")
                .doesNotContain("podlab.net", "podlab.template", "memory-backend", "-incoming");
        var net = new VmConfig.Net(Path.of("/run/podlab/netns/p1"), "0a:58:0a:d5:01:05", "10.213.1.5/24", "10.213.1.1");
        var kvm = new VmConfig(cfg.qemu(), kernel, cfg.initramfs(), "kvm", 352, 2, cfg.shareDir(), cfg.controlSocket(),
                cfg.consoleLog(), 2096008, net, null);
        assertThat(String.join(" ", kvm.command())).contains("-accel kvm", "-cpu host").doesNotContain("tsc_early");
        assertThat(kvm.command().subList(0, 4)).containsExactly("nsenter", "--net=/run/podlab/netns/p1", "--",
                "/usr/bin/qemu-system-x86_64");
        // The pod's addresses go in the agent's setup request, not on the command line.
        assertThat(String.join(" ", kvm.command())).contains("podlab.net=1",
                "-netdev tap,id=net0,ifname=tap0,script=no,downscript=no",
                "virtio-net-device,netdev=net0,mac=0a:58:0a:d5:01:05").doesNotContain("10.213.1.5");
    }

    @Test
    void templatesAndTheirRestoresDifferOnlyInBackendsAndMemorySharing() {
        var kernel = new GuestKernel(Path.of("/boot/vmlinuz-6.1.0-56-amd64"), "6.1.0-56-amd64",
                Path.of("/lib/modules/6.1.0-56-amd64"));
        var net = new VmConfig.Net(Path.of("/run/podlab/netns/p1"), "0a:58:0a:d5:01:05", "10.213.1.5/24", "10.213.1.1");
        var cold = new VmConfig(Path.of("/usr/bin/qemu-system-x86_64"), kernel, Path.of("/s/kvm/initramfs-1.cpio"),
                "tcg", 352, 1, Path.of("/s/vms/p/share"), Path.of("/s/vms/p/ctl.sock"), Path.of("/s/vms/p/console.log"),
                2096008, net, null);
        var build = new VmConfig(cold.qemu(), kernel, cold.initramfs(), "tcg", 352, 1, Path.of("/s/t/b/share"),
                Path.of("/s/t/b/ctl.sock"), Path.of("/s/t/b/console.log"), 2096008, VmConfig.Net.TEMPLATE,
                new VmConfig.Snapshot(Path.of("/s/t/b/memory"), Path.of("/s/t/b/state"), Path.of("/s/t/b/qmp.sock"),
                        true));
        var template = new VmTemplate.Prepared("k", Path.of("/s/t/it's"), new AgentProtocol.Hello(1, "r", 1, List.of()),
                true, "d");
        String b = String.join(" ", build.command());
        String r = String.join(" ", template.restoring(cold).command());
        // The template gets a network device in an empty namespace of its own.
        assertThat(build.command().subList(0, 3)).containsExactly("unshare", "--net", "--");
        assertThat(b).contains("memory-backend=ram", "memory-backend-file,id=ram,size=352M,mem-path=/s/t/b/memory,"
                + "share=on", "-qmp unix:/s/t/b/qmp.sock,server=on,wait=off",
                "podlab.template=1").endsWith("virtio-net-device,netdev=net0").doesNotContain("balloon", "-incoming");
        assertThat(r).contains("mem-path=/s/t/it's/memory,share=off", "-qmp unix:/s/vms/p/qmp.sock,server=on,wait=off",
                "podlab.template=1", "mac=0a:58:0a:d5:01:05", "-incoming defer").doesNotContain("balloon");
        assertThat(VmConfig.shellQuoted(template.state())).isEqualTo("'/s/t/it'\\''s/state'");
        // The guest sees the same machine either way.
        assertThat(strip(b)).isEqualTo(strip(r));
        // The template's name follows everything the frozen guest depends on.
        assertThat(VmTemplate.key(cold)).isEqualTo(VmTemplate.key(cold)).hasSize(16);
        var bigger = new VmConfig(cold.qemu(), kernel, cold.initramfs(), "tcg", 353, 1, cold.shareDir(),
                cold.controlSocket(), cold.consoleLog(), 2096008, net, null);
        var noNet = new VmConfig(cold.qemu(), kernel, cold.initramfs(), "tcg", 352, 1, cold.shareDir(),
                cold.controlSocket(), cold.consoleLog(), 2096008, null, null);
        assertThat(List.of(VmTemplate.key(bigger), VmTemplate.key(noNet))).doesNotContain(VmTemplate.key(cold))
                .doesNotHaveDuplicates();
    }

    /** A command line without its per-VM paths, backends and the way memory is shared or restored. */
    private static String strip(String cmd) {
        return cmd.replaceAll("^(unshare --net --|nsenter --net=\\S+ --) ", "")
                .replaceAll(" -incoming defer", "")
                .replaceAll("(path|mem-path|share)=[^ ,]+", "")
                .replaceAll("file:\\S+|unix:\\S+|,mac=\\S+", "");
    }

    @Test
    void guestLimitsAndVmKeysFollowTheSpec() {
        var res = new RuntimeSpec.Resources(null, new RuntimeSpec.Memory(64L << 20, null, null),
                new RuntimeSpec.Cpu(1024L, 50_000L, 100_000L, null, null), new RuntimeSpec.Pids(30));
        assertThat(KvmRuntime.guestCgroup(res)).isEqualTo("memory.max 67108864\nmemory.swap.max 0\n"
                + "cpu.max 50000 100000\ncpu.weight 39\npids.max 30\n");
        assertThat(KvmRuntime.guestCgroup(null)).isEmpty();
        // Guest RAM in steps of 128 MiB: a 48 MiB and a 64 MiB container share a VM shape (and template).
        assertThat(KvmRuntime.vmMemoryMiB(48, 96)).isEqualTo(KvmRuntime.vmMemoryMiB(64, 96)).isEqualTo(256);
        assertThat(KvmRuntime.vmMemoryMiB(256, 96)).isEqualTo(384);
        assertThat(KvmRuntime.vmMemoryMiB(160, 96)).isEqualTo(256);
        assertThat(KvmRuntime.vmKey("/podlab/pod-0123456789ab/c1", "c1")).isEqualTo("pod-0123456789ab");
        assertThat(KvmRuntime.vmKey("/podlab/0123456789abcdef", "0123456789abcdef")).isEqualTo("c-0123456789ab");
        assertThat(KvmRuntime.qemuCgroup("/podlab/pod-1/c1", "pod-1")).isEqualTo("podlab/pod-1/kvm-pod-1");
    }

    @Test
    void guestCgroupValuesBecomeTheSamplersStats() {
        var st = KvmRuntime.toCgroupStats(Map.ofEntries(Map.entry("memory.current", 5_000_000L),
                Map.entry("memory.max", -1L), Map.entry("memory.inactive_file", 1_000_000L),
                Map.entry("memory.anon", 3_000_000L), Map.entry("cpu.usage_usec", 1500L),
                Map.entry("cpu.user_usec", -1L), Map.entry("pids.current", 2L), Map.entry("pids.max", 30L),
                Map.entry("memory.oom_kill", 0L), Map.entry("future.key", 7L)));
        assertThat(st.memoryUsageBytes()).isEqualTo(5_000_000L);
        assertThat(st.memoryWorkingSetBytes()).isEqualTo(4_000_000L);
        assertThat(st.memoryRssBytes()).isEqualTo(3_000_000L);
        assertThat(st.memoryLimitBytes()).isEqualTo(-1);
        assertThat(st.cpuUsageNanos()).isEqualTo(1_500_000L);
        assertThat(st.pidsCurrent()).isEqualTo(2);
        assertThat(st.pidsLimit()).isEqualTo(30);
        // -1 from the agent (file unreadable) and keys it did not send are unavailable, not 0.
        assertThat(st.isAvailable("cpuUserNanos")).isFalse();
        assertThat(st.isAvailable("memoryCacheBytes")).isFalse();
        assertThat(st.isAvailable("oomKills")).isTrue();
    }

    @Test
    void aCrashedSandboxIsItsOwnExitReason() throws Exception {
        var json = dev.podlab.core.state.ContainerStore.JSON;
        // The shim's records have no such field.
        var shim = json.readValue("{\"pid\":9,\"exitCode\":1,\"signal\":0,\"oomKilled\":false}",
                dev.podlab.core.container.ExitRecord.class);
        assertThat(shim.sandboxCrashed()).isFalse();
        assertThat(shim.reason()).isEqualTo("Error");
        var lost = new dev.podlab.core.container.ExitRecord(0, 255, 0, false, 0, 1, "VM gone", true);
        var back = json.readValue(json.writeValueAsBytes(lost), dev.podlab.core.container.ExitRecord.class);
        assertThat(back.reason()).isEqualTo("SandboxCrashed");
        assertThat(back.exitCode()).isEqualTo(255);
    }

    @Test
    void aTemplateBuildWhoseEngineDiedIsReapedWithItsQemu(@TempDir Path root) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path templates = Files.createDirectories(root.resolve("kvm/templates"));
        Path abandoned = Files.createDirectories(templates.resolve("0123456789abcdef.build-" + gone.pid()));
        Path running = Files.createDirectories(templates.resolve("fedcba9876543210.build-"
                + ProcessHandle.current().pid()));
        // Stands in for the build's QEMU: a process whose command line names QEMU and the build's socket
        // (bash waiting in its read builtin, no child of its own), started by this test.
        Process qemu = new ProcessBuilder("bash", "-c", "read -t 600", "qemu-system-x86_64",
                abandoned.resolve("ctl.sock").toString()).start();
        Files.writeString(abandoned.resolve("qemu.pid"), Long.toString(qemu.pid()));
        // A recorded pid that is not this build's QEMU (this JVM) is never killed.
        Files.writeString(running.resolve("qemu.pid"), Long.toString(ProcessHandle.current().pid()));
        try {
            List<String> repaired = VmTemplate.reapAbandoned(root.resolve("kvm"));
            assertThat(repaired).containsExactly("killed QEMU " + qemu.pid() + " of the unfinished template build "
                    + abandoned.getFileName() + " (its engine, pid " + gone.pid() + ", is gone) and removed it");
            assertThat(qemu.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(abandoned).doesNotExist();
            assertThat(running).isDirectory();
            assertThat(VmTemplate.reapAbandoned(root.resolve("kvm"))).isEmpty();
        } finally {
            qemu.destroyForcibly();
        }
    }

    @Test
    void reapingRemovesVmsWhoseContainersHaveNoRecordAndKillsOnlyQemu(@TempDir Path root) throws Exception {
        Path vms = Files.createDirectories(root.resolve("kvm/vms"));
        // An orphan: its one container has no record; vm.json names a live pid that is not a QEMU (this JVM).
        Path orphan = Files.createDirectories(vms.resolve("pod-orphan/share/c/gone1"));
        Files.writeString(vms.resolve("pod-orphan/vm.json"), "{\"key\":\"pod-orphan\",\"pid\":"
                + ProcessHandle.current().pid() + "}");
        // A pod with one live and one vanished container: only the vanished one is unshared.
        Files.createDirectories(vms.resolve("pod-live/share/c/live1"));
        Files.createDirectories(vms.resolve("pod-live/share/c/gone2"));
        Files.createDirectories(vms.resolve("pod-live/share/m/gone2/0"));
        KvmRuntime kvm = new KvmRuntime("kvm", root.resolve("shim"),
                SeccompCache.forShim(root, root.resolve("shim")), root, null, KvmOptions.parse("kvm", Map.of()));

        List<String> repaired = kvm.reapOrphans(java.util.Set.of("live1"));
        assertThat(repaired).containsExactlyInAnyOrder(
                "removed the files of stopped VM pod-orphan (the records of its 1 container(s) are gone)",
                "VM pod-live: unshared 1 container(s) without a record");
        assertThat(ProcessHandle.current().isAlive()).isTrue();
        assertThat(orphan.getParent().getParent().getParent()).doesNotExist();
        assertThat(vms.resolve("pod-live/share/c/live1")).isDirectory();
        assertThat(vms.resolve("pod-live/share/c/gone2")).doesNotExist();
        assertThat(vms.resolve("pod-live/share/m/gone2")).doesNotExist();
        assertThat(kvm.reapOrphans(java.util.Set.of("live1"))).isEmpty();
    }
}
