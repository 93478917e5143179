package dev.podlab.core.pod.manifest;

import dev.podlab.core.config.YamlTree;
import dev.podlab.core.config.YamlTree.Entry;
import dev.podlab.core.config.YamlTree.Loc;
import dev.podlab.core.config.YamlTree.Node;
import dev.podlab.core.PodlabException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Kubernetes manifest file (one or more {@code ---} separated documents) into validated
 * pods, ConfigMaps and Secrets. The one entry point of this package.
 *
 * <p>Kinds: Pod, ConfigMap, Secret (v1); Deployment, ReplicaSet, StatefulSet, DaemonSet (apps/v1)
 * and Job (batch/v1), whose {@code spec.template} becomes one pod named after the workload; List
 * (v1) of any of these. Other kinds are skipped with a warning.
 *
 * <p>Every problem of the file is collected before anything is returned: errors (a required field
 * missing, a wrong type, a bad name, quantity, port or reference, a YAML syntax error or alias)
 * raise a {@link ManifestException} carrying the whole {@link Report}; fields podlab does not
 * honour and unknown fields are warnings. Each entry names the file, line and column and the field
 * path: {@code web.yaml:12:9: spec.containers[0].image: required value}.
 */
public final class ManifestParser {
    /** What {@link #parseFile} reads from stdin, and how the report names it. */
    public static final String STDIN = "-";
    public static final String STDIN_NAME = "<stdin>";
    /** Far larger than any hand-written manifest; protects the parser from being fed a disk image. */
    static final int MAX_BYTES = 8 << 20;

    private static final List<String> WORKLOADS = List.of("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet",
            "Job");
    private static final List<String> SERVER_METADATA = List.of("uid", "resourceVersion", "generation",
            "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences", "finalizers",
            "managedFields", "selfLink");

    private final Diag d;
    private final List<Ref> refs = new ArrayList<>();
    private final List<PodManifest> pods = new ArrayList<>();
    private final List<ConfigMapManifest> configMaps = new ArrayList<>();
    private final List<SecretManifest> secrets = new ArrayList<>();
    /** "Kind namespace/name" -> where the name was first written, for duplicate checks. */
    private final Map<String, String> names = new HashMap<>();

    private ManifestParser(String source) {
        this.d = new Diag(source);
    }

    /** {@link #parse(String, String, boolean)} without strict mode. */
    public static ManifestSet parse(String sourceName, String text) {
        return parse(sourceName, text, false);
    }

    /**
     * Parses and validates {@code text}.
     *
     * @param sourceName the file name as the user gave it, or {@code "-"} for stdin (shown as
     *                   {@code <stdin>})
     * @param strict     warnings count as errors ({@code podlab play --strict})
     * @return the pods, ConfigMaps and Secrets, with the report of warnings and notes
     * @throws ManifestException when the report has errors; nothing of the file may run then
     */
    public static ManifestSet parse(String sourceName, String text, boolean strict) {
        String source = STDIN.equals(sourceName) ? STDIN_NAME : sourceName;
        ManifestParser p = new ManifestParser(source);
        p.read(text);
        // In file order, whatever order the checks ran in (stable: equal positions keep theirs).
        List<Report.Entry> entries = new ArrayList<>(p.d.entries());
        entries.sort(java.util.Comparator.comparingInt((Report.Entry e) -> e.location().line())
                .thenComparingInt(e -> e.location().column()));
        Report report = new Report(entries, strict);
        if (report.hasErrors()) {
            throw new ManifestException(source, report);
        }
        return new ManifestSet(source, p.pods, p.configMaps, p.secrets, report);
    }

    /** Reads {@code file} (or stdin for {@code "-"}) as UTF-8 and parses it. */
    public static ManifestSet parseFile(String file, boolean strict) {
        String text;
        try {
            byte[] bytes;
            if (STDIN.equals(file)) {
                bytes = readLimited(System.in);
            } else {
                try (InputStream in = Files.newInputStream(Path.of(file))) {
                    bytes = readLimited(in);
                }
            }
            text = new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            if (e instanceof PodlabException pe) {
                throw pe;
            }
            throw new PodlabException(PodlabException.failed("read pod manifest",
                    STDIN.equals(file) ? STDIN_NAME : file, e), e);
        }
        return parse(file, text, strict);
    }

    private static byte[] readLimited(InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_BYTES + 1);
        if (b.length > MAX_BYTES) {
            throw new IOException("larger than " + (MAX_BYTES >> 20) + " MiB");
        }
        return b;
    }

    private void read(String text) {
        List<YamlTree.Document> docs;
        try {
            docs = YamlTree.readAll(text);
        } catch (YamlTree.Problem e) {
            // The shared reader puts the key path into its detail; the report prints it separately.
            String detail = e.detail();
            if (!e.keyPath().isEmpty() && detail.startsWith(e.keyPath() + ": ")) {
                detail = detail.substring(e.keyPath().length() + 2);
            }
            d.error(e.loc(), e.keyPath(), detail);
            return;
        }
        for (YamlTree.Document doc : docs) {
            if (doc.root() == null) {
                continue;
            }
            try {
                object(doc.root(), "");
            } catch (RuntimeException e) {
                // A binder bug must not hide the rest of the report; say where it happened.
                d.error(doc.loc(), "", "internal error while reading this document: " + e);
            }
        }
        checkRefs();
    }

    private void object(Node root, String path) {
        if (!(root instanceof YamlTree.MapNode)) {
            d.error(root.loc(), path, "expected a Kubernetes object (a mapping with apiVersion, kind and metadata), got "
                    + Obj.describe(root));
            return;
        }
        Obj o = Obj.of(root, path, d);
        String kind = o.reqStr("kind");
        String apiVersion = o.reqStr("apiVersion");
        if (kind == null) {
            return;
        }
        String expected = switch (kind) {
            case "Pod", "ConfigMap", "Secret", "List" -> "v1";
            case "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet" -> "apps/v1";
            case "Job" -> "batch/v1";
            default -> null;
        };
        if (expected == null) {
            d.warn(o.valueLoc("kind"), o.at("kind"), "kind " + kind + " is not supported by podlab: skipped");
            return;
        }
        if (apiVersion != null && !apiVersion.equals(expected)) {
            d.error(o.valueLoc("apiVersion"), o.at("apiVersion"), "unsupported value " + Names.quote(apiVersion)
                    + ": kind " + kind + " is in apiVersion " + Names.quote(expected));
        }
        switch (kind) {
            case "Pod" -> pod(o);
            case "ConfigMap" -> configMap(o);
            case "Secret" -> secret(o);
            case "List" -> {
                for (Obj.Item it : o.list("items")) {
                    object(it.node(), it.path());
                }
                o.ignored("metadata", "a List's own metadata means nothing");
                o.finish();
            }
            default -> workload(o, kind);
        }
    }

    private record Meta(ObjectMeta meta, Loc nameLoc, String namePath) {}

    private Meta metadata(Obj o, boolean subdomainName) {
        Obj m = o.obj("metadata");
        if (m == null) {
            d.error(o.loc(), o.at("metadata"), "required value");
            return null;
        }
        String name = m.reqStr("name");
        if (name != null) {
            String problem = subdomainName ? Names.dnsSubdomain(name) : Names.dnsLabel(name);
            if (problem != null) {
                d.error(m.valueLoc("name"), m.at("name"), problem);
            }
        }
        String namespace = m.str("namespace", ObjectMeta.DEFAULT_NAMESPACE);
        String nsProblem = Names.dnsLabel(namespace);
        if (nsProblem != null) {
            d.error(m.valueLoc("namespace"), m.at("namespace"), nsProblem);
        }
        Map<String, String> labels = labels(m);
        Map<String, String> annotations = m.strMap("annotations");
        m.ignored("generateName", "podlab needs the fixed metadata.name");
        for (String k : SERVER_METADATA) {
            m.ignored(k, "set by an API server");
        }
        m.finish();
        return new Meta(new ObjectMeta(name == null ? "" : name, namespace, labels, annotations), m.valueLoc("name"),
                m.at("name"));
    }

    private Map<String, String> labels(Obj m) {
        Obj l = m.obj("labels");
        Map<String, String> labels = m.strMap(l);
        if (l != null) {
            for (Entry e : l.map.entries().values()) {
                String path = Obj.child(l.path, e.key());
                String kp = Names.labelKey(e.key());
                if (kp != null) {
                    d.error(e.keyLoc(), path, kp);
                }
                String v = labels.get(e.key());
                if (v != null && Names.labelValue(v) != null) {
                    d.error(e.value().loc(), path, Names.labelValue(v));
                }
            }
        }
        return labels;
    }

    private boolean unique(String kind, Meta meta) {
        if (meta.meta().name().isEmpty()) {
            return true;
        }
        String key = kind + " " + meta.meta().namespace() + "/" + meta.meta().name();
        String first = names.putIfAbsent(key, d.at(meta.nameLoc()).toString());
        if (first != null) {
            d.error(meta.nameLoc(), meta.namePath(), "duplicate " + kind + " " + Names.quote(meta.meta().name())
                    + " (first at " + first + ")");
            return false;
        }
        return true;
    }

    private void pod(Obj o) {
        Meta meta = metadata(o, false);
        Obj spec = o.obj("spec");
        if (spec == null && !o.has("spec")) {
            d.error(o.loc(), o.at("spec"), "required value");
        }
        o.ignored("status", "status is reported by podlab, not read");
        o.finish();
        if (meta == null || spec == null) {
            return;
        }
        unique("pod", meta);
        PodSpec ps = new PodBinder(d, refs, meta.meta().namespace()).spec(spec);
        pods.add(new PodManifest("Pod", meta.meta(), ps, d.at(o.loc())));
    }

    private void workload(Obj o, String kind) {
        Meta meta = metadata(o, false);
        Obj spec = o.obj("spec");
        o.ignored("status", "status is reported by podlab, not read");
        o.finish();
        if (spec == null) {
            d.error(o.loc(), o.at("spec"), "required value");
            return;
        }
        Obj template = spec.obj("template");
        for (Entry e : spec.map.entries().values()) {
            if (!e.key().equals("template")) {
                spec.ignored(e.key(), "podlab runs no controllers");
            }
        }
        spec.finish();
        if (template == null) {
            d.error(spec.loc(), spec.at("template"), "required value");
            return;
        }
        Obj tmeta = template.obj("metadata");
        Map<String, String> labels = Map.of();
        Map<String, String> annotations = Map.of();
        if (tmeta != null) {
            labels = labels(tmeta);
            annotations = tmeta.strMap("annotations");
            tmeta.ignored("name", "the pod is named after the " + kind);
            tmeta.ignored("namespace", "the pod is in the " + kind + "'s namespace");
            tmeta.ignored("generateName", "the pod is named after the " + kind);
            tmeta.finish();
        }
        Obj podSpec = template.obj("spec");
        template.finish();
        if (podSpec == null) {
            d.error(template.loc(), template.at("spec"), "required value");
            return;
        }
        if (meta == null) {
            return;
        }
        unique("pod", meta);
        PodSpec ps = new PodBinder(d, refs, meta.meta().namespace()).spec(podSpec);
        checkWorkloadRestart(kind, podSpec, ps);
        d.note(spec.keyLoc("template"), spec.at("template"), kind + " " + meta.meta().name()
                + ": its pod template runs once (podlab runs no controllers)");
        ObjectMeta pm = new ObjectMeta(meta.meta().name(), meta.meta().namespace(), labels, annotations);
        pods.add(new PodManifest(kind, pm, ps, d.at(o.loc())));
    }

    /** Jobs need OnFailure or Never; the other workloads restart their pods: Always only. */
    private void checkWorkloadRestart(String kind, Obj podSpec, PodSpec ps) {
        boolean job = kind.equals("Job");
        PodSpec.RestartPolicy rp = ps.restartPolicy();
        if (job && rp == PodSpec.RestartPolicy.ALWAYS) {
            d.error(podSpec.has("restartPolicy") ? podSpec.valueLoc("restartPolicy") : podSpec.loc(),
                    podSpec.at("restartPolicy"), podSpec.has("restartPolicy")
                            ? "unsupported value \"Always\": a Job's pod must use \"OnFailure\" or \"Never\""
                            : "required value: a Job's pod must use \"OnFailure\" or \"Never\"");
        } else if (!job && rp != PodSpec.RestartPolicy.ALWAYS) {
            d.error(podSpec.valueLoc("restartPolicy"), podSpec.at("restartPolicy"), "unsupported value "
                    + Names.quote(rp.spelling()) + ": a " + kind + "'s pod must use \"Always\"");
        }
    }

    private void configMap(Obj o) {
        Meta meta = metadata(o, true);
        Map<String, String> data = new LinkedHashMap<>();
        Map<String, Bytes> binary = new LinkedHashMap<>();
        Obj dataObj = o.obj("data");
        Map<String, String> raw = o.strMap(dataObj);
        if (dataObj != null) {
            for (Entry e : dataObj.map.entries().values()) {
                if (checkKey(e, dataObj.path) && raw.containsKey(e.key())) {
                    data.put(e.key(), raw.get(e.key()));
                }
            }
        }
        Obj bin = o.obj("binaryData");
        Map<String, String> rawBin = o.strMap(bin);
        if (bin != null) {
            for (Entry e : bin.map.entries().values()) {
                String path = Obj.child(bin.path, e.key());
                if (!checkKey(e, bin.path) || !rawBin.containsKey(e.key())) {
                    continue;
                }
                if (data.containsKey(e.key())) {
                    d.error(e.keyLoc(), path, "duplicate of data[" + Names.quote(e.key())
                            + "]: a key may be in data or binaryData, not both");
                    continue;
                }
                Bytes b = base64(rawBin.get(e.key()), e.value().loc(), path);
                if (b != null) {
                    binary.put(e.key(), b);
                }
            }
        }
        o.bool("immutable");
        o.finish();
        if (meta != null && unique("ConfigMap", meta)) {
            configMaps.add(new ConfigMapManifest(meta.meta(), data, binary, d.at(o.loc())));
        }
    }

    private void secret(Obj o) {
        Meta meta = metadata(o, true);
        String type = o.str("type", "Opaque");
        Map<String, Bytes> data = new LinkedHashMap<>();
        Obj dataObj = o.obj("data");
        Map<String, String> raw = o.strMap(dataObj);
        if (dataObj != null) {
            for (Entry e : dataObj.map.entries().values()) {
                if (checkKey(e, dataObj.path) && raw.containsKey(e.key())) {
                    Bytes b = base64(raw.get(e.key()), e.value().loc(), Obj.child(dataObj.path, e.key()));
                    if (b != null) {
                        data.put(e.key(), b);
                    }
                }
            }
        }
        Obj sd = o.obj("stringData");
        Map<String, String> stringData = o.strMap(sd);
        if (sd != null) {
            for (Entry e : sd.map.entries().values()) {
                if (checkKey(e, sd.path) && stringData.containsKey(e.key())) {
                    // As in Kubernetes: stringData is merged into data and wins.
                    data.put(e.key(), Bytes.utf8(stringData.get(e.key())));
                }
            }
        }
        o.bool("immutable");
        o.finish();
        if (meta != null && unique("Secret", meta)) {
            secrets.add(new SecretManifest(meta.meta(), type, data, d.at(o.loc())));
        }
    }

    private boolean checkKey(Entry e, String parent) {
        String problem = Names.configKey(e.key());
        if (problem != null) {
            d.error(e.keyLoc(), Obj.child(parent, e.key()), problem);
            return false;
        }
        return true;
    }

    /** Standard base64 with padding, line breaks ignored (as Go's decoder, which Kubernetes uses, does). */
    private Bytes base64(String text, Loc at, String path) {
        try {
            return new Bytes(Base64.getDecoder().decode(text.replace("\n", "").replace("\r", "")));
        } catch (IllegalArgumentException e) {
            d.error(at, path, "invalid base64 value: " + e.getMessage());
            return null;
        }
    }

    /** References to ConfigMaps and Secrets must resolve inside the file unless marked optional. */
    private void checkRefs() {
        for (Ref r : refs) {
            if (r.optional()) {
                continue;
            }
            boolean found;
            boolean hasKey;
            if (r.secret()) {
                var s = secrets.stream().filter(x -> x.metadata().name().equals(r.name())
                        && x.metadata().namespace().equals(r.namespace())).findFirst();
                found = s.isPresent();
                hasKey = r.key() == null || s.map(x -> x.data().containsKey(r.key())).orElse(false);
            } else {
                var c = configMaps.stream().filter(x -> x.metadata().name().equals(r.name())
                        && x.metadata().namespace().equals(r.namespace())).findFirst();
                found = c.isPresent();
                hasKey = r.key() == null || c.map(x -> x.containsKey(r.key())).orElse(false);
            }
            if (!found) {
                if (r.key() == null || !reportedMissing(r)) {
                    d.error(r.nameLoc(), r.namePath(), r.kindName() + " " + Names.quote(r.name())
                            + " not found in this file (add it, or set optional: true)");
                }
            } else if (!hasKey) {
                d.error(r.keyLoc(), r.keyPath(), "key " + Names.quote(r.key()) + " not found in " + r.kindName() + " "
                        + Names.quote(r.name()));
            }
        }
    }

    private final java.util.Set<String> missingReported = new java.util.HashSet<>();

    /** A volume with several items names one missing object: report it once, at the name. */
    private boolean reportedMissing(Ref r) {
        return !missingReported.add(r.namePath() + "@" + r.nameLoc());
    }
}
