package dev.podlab.core.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.container.InvalidConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Kubernetes' {@code seccompProfile: {type: Localhost}}: a seccomp profile file on the host, in the JSON format
 * Docker, containerd and the OCI {@code linux.seccomp} object share ({@code defaultAction}, {@code architectures},
 * {@code syscalls[]} with {@code names}, {@code action}, {@code errnoRet}, {@code args}). Files are named relative to
 * a profile root, as kubelet names them relative to {@code <root-dir>/seccomp}.
 */
public final class LocalhostSeccomp {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Actions the built-in runtime's shim can load (SCMP_ACT_TRACE and _NOTIFY need a tracer or an agent). */
    private static final Set<String> ACTIONS = Set.of("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL",
            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP", "SCMP_ACT_LOG");
    private static final Set<String> OPS = Set.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
            "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");
    /** Names of this host's architecture in Docker's {@code includes.arches} and the OCI spec. */
    private static final Set<String> NATIVE_ARCHES = Set.of("amd64", "x86_64", "SCMP_ARCH_X86_64");

    /** The architectures a filter on this host can name (native x86_64 and its 32-bit ABIs). */
    private static final Set<String> HOST_ARCHES = Set.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");

    private LocalhostSeccomp() {}

    /**
     * The profile file {@code relative} names under {@code root}: relative, no {@code ..}, inside the root after
     * symlinks, a regular file.
     *
     * @throws InvalidConfigException naming what is wrong
     */
    public static Path resolve(Path root, String relative) {
        String what = "failed to resolve seccomp profile \"" + relative + "\": ";
        if (relative == null || relative.isEmpty() || relative.startsWith("/") || relative.indexOf('\0') >= 0) {
            throw new InvalidConfigException(what + "must be a path relative to the profile root " + root);
        }
        for (String part : relative.split("/")) {
            if (part.equals("..")) {
                throw new InvalidConfigException(what + "may not contain \"..\" (it must stay inside " + root + ")");
            }
        }
        Path file = root.resolve(relative).normalize();
        try {
            Path real = file.toRealPath();
            if (!real.startsWith(root.toRealPath())) {
                throw new InvalidConfigException(what + "resolves to " + real + ", outside the profile root " + root);
            }
            if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
                throw new InvalidConfigException(what + file + " is not a regular file");
            }
            return real;
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException(what + file + " does not exist");
        } catch (IOException e) {
            throw new InvalidConfigException(what + e.getMessage());
        }
    }

    /**
     * Reads a profile for a container holding {@code capabilities}: rules with {@code includes}/{@code excludes}
     * conditions on capabilities or architectures are kept only when they hold, as Docker does.
     *
     * @throws InvalidConfigException when the file is unreadable or not a profile podlab can load
     */
    public static RuntimeSpec.Seccomp load(Path file, List<String> capabilities) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new InvalidConfigException("failed to load seccomp profile " + file + ": "
                    + e.getMessage().lines().findFirst().orElse(""));
        }
        try {
            return parse(root, capabilities);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("failed to load seccomp profile " + file + ": " + e.getMessage());
        }
    }

    static RuntimeSpec.Seccomp parse(JsonNode root, List<String> capabilities) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        String defaultAction = action(root.path("defaultAction"), "defaultAction");
        Integer defaultErrno = intOrNull(root.get("defaultErrnoRet"), "defaultErrnoRet");
        List<String> arches = new ArrayList<>();
        if (root.has("architectures")) {
            for (JsonNode a : array(root.get("architectures"), "architectures")) {
                arches.add(text(a, "architectures[]"));
            }
            // Other hosts' architectures (a profile written for several) do not apply here.
            arches.retainAll(HOST_ARCHES);
        } else if (root.has("archMap")) {
            // Docker's form: the native architecture with its sub-architectures.
            for (JsonNode m : array(root.get("archMap"), "archMap")) {
                if (NATIVE_ARCHES.contains(m.path("architecture").asText())) {
                    m.path("subArchitectures").forEach(s -> arches.add(s.asText()));
                }
            }
        }
        List<RuntimeSpec.Syscall> rules = new ArrayList<>();
        JsonNode syscalls = root.get("syscalls");
        if (syscalls != null && !syscalls.isNull()) {
            int i = 0;
            for (JsonNode s : array(syscalls, "syscalls")) {
                String at = "syscalls[" + i++ + "]";
                if (!applies(s.get("includes"), capabilities, true) || !applies(s.get("excludes"), capabilities, false)) {
                    continue;
                }
                List<String> names = new ArrayList<>();
                if (s.has("names")) {
                    for (JsonNode n : array(s.get("names"), at + ".names")) {
                        names.add(text(n, at + ".names[]"));
                    }
                }
                if (s.has("name")) {
                    names.add(text(s.get("name"), at + ".name"));
                }
                if (names.isEmpty()) {
                    throw new IllegalArgumentException(at + ": no syscall names");
                }
                String action = action(s.path("action"), at + ".action");
                Integer errno = intOrNull(s.get("errnoRet"), at + ".errnoRet");
                List<RuntimeSpec.SyscallArg> args = null;
                if (s.has("args") && !s.get("args").isNull()) {
                    args = new ArrayList<>();
                    int j = 0;
                    for (JsonNode a : array(s.get("args"), at + ".args")) {
                        String aat = at + ".args[" + j++ + "]";
                        String op = text(a.path("op"), aat + ".op");
                        if (!OPS.contains(op)) {
                            throw new IllegalArgumentException(aat + ".op: unknown operator \"" + op + "\"");
                        }
                        long index = a.path("index").asLong(-1);
                        if (index < 0 || index > 5) {
                            throw new IllegalArgumentException(aat + ".index: expected 0 to 5");
                        }
                        JsonNode v2 = a.get("valueTwo");
                        Long two = v2 == null || v2.isNull() || (v2.asLong() == 0 && !op.equals("SCMP_CMP_MASKED_EQ"))
                                ? null : unsigned(v2, aat + ".valueTwo");
                        args.add(new RuntimeSpec.SyscallArg((int) index, unsigned(a.path("value"), aat + ".value"),
                                two, op));
                    }
                    args = args.isEmpty() ? null : List.copyOf(args);
                }
                rules.add(new RuntimeSpec.Syscall(List.copyOf(names), action, errno, args));
            }
        }
        arches.retainAll(HOST_ARCHES);
        return new RuntimeSpec.Seccomp(defaultAction, defaultErrno, arches.isEmpty() ? null : List.copyOf(arches),
                List.copyOf(rules));
    }

    /** Docker's conditions: {@code caps} (all held / none held) and {@code arches} (native or not). */
    private static boolean applies(JsonNode cond, List<String> capabilities, boolean include) {
        if (cond == null || cond.isNull() || cond.isEmpty()) {
            return true;
        }
        for (JsonNode c : cond.path("caps")) {
            boolean held = capabilities.contains(c.asText().toUpperCase(Locale.ROOT));
            if (held != include) {
                return false;
            }
        }
        JsonNode arches = cond.get("arches");
        if (arches != null && arches.isArray() && !arches.isEmpty()) {
            boolean native_ = false;
            for (JsonNode a : arches) {
                native_ |= NATIVE_ARCHES.contains(a.asText());
            }
            return native_ == include;
        }
        return true;
    }

    private static String action(JsonNode n, String at) {
        String a = text(n, at);
        if (!ACTIONS.contains(a)) {
            throw new IllegalArgumentException(at + ": unsupported action \"" + a + "\" (supported: "
                    + String.join(", ", new java.util.TreeSet<>(ACTIONS)) + ")");
        }
        return a;
    }

    private static Iterable<JsonNode> array(JsonNode n, String at) {
        if (n == null || !n.isArray()) {
            throw new IllegalArgumentException(at + ": expected an array");
        }
        return n;
    }

    private static String text(JsonNode n, String at) {
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw new IllegalArgumentException(at + ": expected a non-empty string");
        }
        return n.asText();
    }

    private static Integer intOrNull(JsonNode n, String at) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 0) {
            throw new IllegalArgumentException(at + ": expected a non-negative integer");
        }
        return n.asInt();
    }

    private static long unsigned(JsonNode n, String at) {
        if (n == null || !n.isIntegralNumber()) {
            throw new IllegalArgumentException(at + ": expected an integer");
        }
        // Values up to 2^64-1 arrive as BigInteger; the plan writes them back unsigned.
        return n.bigIntegerValue().longValue();
    }
}
