package dev.podlab.core.pod.manifest;

import dev.podlab.core.config.YamlTree.Entry;
import dev.podlab.core.config.YamlTree.Kind;
import dev.podlab.core.config.YamlTree.Loc;
import dev.podlab.core.config.YamlTree.Node;
import dev.podlab.core.config.YamlTree.Scalar;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Binds and validates one pod spec (a Pod's {@code spec} or a workload's
 * {@code spec.template.spec}). Every problem goes to the {@link Diag}; references to ConfigMaps
 * and Secrets are collected for the file-wide check.
 */
final class PodBinder {
    static final String NO_SCHEDULING = "no scheduling on a single node";
    static final String NO_API_SERVER = "no API server";

    /** Kubernetes' safe sysctls: namespaced, and unable to affect other pods or the node. */
    static final Set<String> SAFE_SYSCTLS = Set.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
            "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes");
    /** The two safe sysctls whose value is a pair of numbers separated by a space. */
    private static final Set<String> SPACED_SYSCTLS = Set.of("net.ipv4.ip_local_port_range",
            "net.ipv4.ping_group_range");
    private static final Pattern SYSCTL_VALUE = Pattern.compile("[^\\s=]+");
    private static final Pattern SPACED_SYSCTL_VALUE = Pattern.compile("[^\\s=]+( [^\\s=]+)*");

    static final List<String> SUPPORTED_VOLUMES = List.of("emptyDir", "hostPath", "configMap", "secret",
            "downwardAPI", "projected");
    private static final Set<String> UNSUPPORTED_VOLUMES = Set.of("persistentVolumeClaim", "ephemeral", "nfs",
            "iscsi", "csi", "image", "awsElasticBlockStore", "gcePersistentDisk", "gitRepo", "glusterfs", "rbd",
            "cephfs", "cinder", "flexVolume", "flocker", "fc", "azureFile", "azureDisk", "vsphereVolume", "quobyte",
            "photonPersistentDisk", "portworxVolume", "scaleIO", "storageos");
    private static final Set<String> ENV_FIELD_PATHS = Set.of("metadata.name", "metadata.namespace", "metadata.uid",
            "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP",
            "status.podIPs");
    private static final Set<String> VOLUME_FIELD_PATHS = Set.of("metadata.name", "metadata.namespace",
            "metadata.uid", "metadata.labels", "metadata.annotations");
    private static final Pattern LABEL_FIELD = Pattern.compile("metadata\\.(labels|annotations)\\['([^']+)'\\]");
    private static final Set<String> RESOURCE_FIELDS = Set.of("limits.cpu", "limits.memory",
            "limits.ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage");

    private final Diag d;
    private final List<Ref> refs;
    private final String namespace;

    PodBinder(Diag d, List<Ref> refs, String namespace) {
        this.d = d;
        this.refs = refs;
        this.namespace = namespace;
    }

    /** Where a container's name was written, for checks across containers. */
    private record Named<T>(T value, String name, Loc loc, String path) {}

    PodSpec spec(Obj s) {
        for (String k : List.of("nodeSelector", "affinity", "tolerations", "nodeName", "priorityClassName",
                "priority", "schedulerName", "topologySpreadConstraints", "preemptionPolicy", "schedulingGates")) {
            s.ignored(k, NO_SCHEDULING);
        }
        s.ignored("serviceAccountName", NO_API_SERVER);
        s.ignored("serviceAccount", NO_API_SERVER);
        s.ignored("automountServiceAccountToken", NO_API_SERVER);
        s.ignored("overhead", "no runtime class overhead accounting");
        s.ignored("readinessGates", "no controllers set pod conditions");
        s.ignored("ephemeralContainers", "added by kubectl debug, not by manifests");
        s.ignored("imagePullSecrets", "use `podlab login`");
        s.ignored("os", "podlab runs Linux pods only");
        s.ignored("enableServiceLinks", "no Services");
        s.ignored("setHostnameAsFQDN", "no cluster domain");
        s.ignored("hostUsers", "user namespaces are not supported yet");
        s.ignored("resourceClaims", "no dynamic resource allocation");
        s.ignored("resources", "pod-level resources are not enforced");

        Map<String, Volume> volumes = new LinkedHashMap<>();
        Set<String> volumeNames = new java.util.HashSet<>();
        for (Obj.Item it : s.list("volumes")) {
            Obj v = Obj.of(it.node(), it.path(), d);
            if (v == null) {
                continue;
            }
            // The name counts even when the source is wrong, so mounts of it raise no second error.
            String name = v.map.entries().get("name") != null && v.map.entries().get("name").value() instanceof Scalar sc
                    && sc.kind() == Kind.STRING && !sc.text().isEmpty() ? sc.text() : null;
            if (name != null && !volumeNames.add(name)) {
                d.error(v.valueLoc("name"), v.at("name"), "duplicate value " + Names.quote(name));
            }
            Volume vol = volume(v);
            if (vol != null && !volumes.containsKey(vol.name())) {
                volumes.put(vol.name(), vol);
            }
        }

        List<Named<Container>> init = containers(s, "initContainers", true, volumeNames);
        List<Named<Container>> apps = containers(s, "containers", false, volumeNames);
        if (!s.has("containers")) {
            d.error(s.loc(), s.at("containers"), "required value");
        } else if (s.node("containers") instanceof dev.podlab.core.config.YamlTree.ListNode l && l.items().isEmpty()) {
            d.error(s.valueLoc("containers"), s.at("containers"), "must have at least one container");
        }
        List<Named<Container>> all = new ArrayList<>(init);
        all.addAll(apps);
        crossContainerChecks(all);
        checkPodPorts(s);
        Set<String> containerNames = new java.util.HashSet<>();
        all.forEach(c -> containerNames.add(c.name()));
        checkResourceRefs(containerNames);

        PodSpec.RestartPolicy restart = enumValue(s, "restartPolicy", PodSpec.RestartPolicy.values(),
                PodSpec.RestartPolicy::spelling, PodSpec.RestartPolicy.ALWAYS);
        Long grace = s.integerAtLeast("terminationGracePeriodSeconds", 0);
        Long deadline = s.integerAtLeast("activeDeadlineSeconds", 1);
        boolean hostNetwork = s.bool("hostNetwork", false);
        if (hostNetwork) {
            hostNetworkPorts(s, all);
        }
        boolean hostPID = s.bool("hostPID", false);
        boolean hostIPC = s.bool("hostIPC", false);
        boolean shareProcessNamespace = s.bool("shareProcessNamespace", false);
        if (hostPID && shareProcessNamespace) {
            d.error(s.valueLoc("shareProcessNamespace"), s.at("shareProcessNamespace"),
                    "may not be true when hostPID is true");
        }
        String hostname = label(s, "hostname");
        String subdomain = label(s, "subdomain");
        List<PodSpec.HostAlias> aliases = new ArrayList<>();
        for (Obj.Item it : s.list("hostAliases")) {
            Obj a = Obj.of(it.node(), it.path(), d);
            if (a == null) {
                continue;
            }
            String ip = a.reqStr("ip");
            if (ip != null && !isIp(ip)) {
                d.error(a.valueLoc("ip"), a.at("ip"), "invalid value " + Names.quote(ip) + ": must be an IP address");
            }
            List<String> hostnames = a.strList("hostnames");
            a.finish();
            aliases.add(new PodSpec.HostAlias(ip == null ? "" : ip, hostnames));
        }
        PodSpec.DnsPolicy dnsPolicy = enumValue(s, "dnsPolicy", PodSpec.DnsPolicy.values(),
                PodSpec.DnsPolicy::spelling, PodSpec.DnsPolicy.CLUSTER_FIRST);
        Optional<PodSpec.DnsConfig> dnsConfig = dnsConfig(s.obj("dnsConfig"));
        if (dnsPolicy == PodSpec.DnsPolicy.NONE) {
            if (dnsConfig.isEmpty()) {
                d.error(s.valueLoc("dnsPolicy"), s.at("dnsConfig"), "required value when dnsPolicy is None");
            } else if (dnsConfig.get().nameservers().isEmpty()) {
                d.error(s.valueLoc("dnsConfig"), s.at("dnsConfig") + ".nameservers",
                        "must have at least one nameserver when dnsPolicy is None");
            }
        }
        String runtimeClass = s.str("runtimeClassName", "");
        if (!runtimeClass.isEmpty()) {
            check(s.valueLoc("runtimeClassName"), s.at("runtimeClassName"), Names.dnsSubdomain(runtimeClass));
        }
        PodSpec.SecurityContext sc = podSecurityContext(s.obj("securityContext"));
        s.known("volumes", "initContainers", "containers");
        s.finish();
        return new PodSpec(values(apps), values(init), List.copyOf(volumes.values()), restart,
                grace == null ? PodSpec.DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS : grace,
                deadline == null ? OptionalLong.empty() : OptionalLong.of(deadline), hostNetwork, hostPID, hostIPC,
                shareProcessNamespace, hostname, subdomain, aliases, dnsPolicy, dnsConfig, runtimeClass, sc);
    }

    private static <T> List<T> values(List<Named<T>> named) {
        return named.stream().map(Named::value).toList();
    }

    // ---- containers ----

    private List<Named<Container>> containers(Obj s, String key, boolean init, Set<String> volumes) {
        List<Named<Container>> out = new ArrayList<>();
        for (Obj.Item it : s.list(key)) {
            Obj c = Obj.of(it.node(), it.path(), d);
            if (c != null) {
                Container con = container(c, init, volumes);
                out.add(new Named<>(con, con.name(), c.valueLoc("name"), c.at("name")));
            }
        }
        return out;
    }

    /** Names unique across init and app containers; host ports and container ports unique per protocol. */
    private void crossContainerChecks(List<Named<Container>> all) {
        Set<String> names = new java.util.HashSet<>();
        for (Named<Container> c : all) {
            if (!c.name().isEmpty() && !names.add(c.name())) {
                d.error(c.loc(), c.path(), "duplicate value " + Names.quote(c.name()));
            }
        }
    }

    private Container container(Obj c, boolean init, Set<String> volumes) {
        String name = c.reqStr("name");
        if (name != null) {
            check(c.valueLoc("name"), c.at("name"), Names.dnsLabel(name));
        }
        String image = c.reqStr("image");
        Container.PullPolicy pull = enumValue(c, "imagePullPolicy", Container.PullPolicy.values(),
                Container.PullPolicy::spelling, image == null ? Container.PullPolicy.ALWAYS
                        : Container.PullPolicy.defaultFor(image));
        List<String> command = c.strList("command");
        List<String> args = c.strList("args");
        String workingDir = c.str("workingDir", "");
        List<Container.Port> ports = ports(c);
        List<Container.EnvVar> env = env(c);
        List<Container.EnvFrom> envFrom = envFrom(c);
        Container.Resources resources = resources(c.obj("resources"));
        List<Container.VolumeMount> mounts = volumeMounts(c, volumes);
        Optional<Probe> liveness = probe(c, "livenessProbe", true, ports);
        Optional<Probe> readiness = probe(c, "readinessProbe", false, ports);
        Optional<Probe> startup = probe(c, "startupProbe", true, ports);
        Container.Lifecycle lifecycle = lifecycle(c.obj("lifecycle"), ports);
        if (init) {
            for (String k : List.of("livenessProbe", "readinessProbe", "startupProbe", "lifecycle")) {
                if (c.has(k)) {
                    d.error(c.keyLoc(k), c.at(k), "may not be set for init containers");
                }
            }
        }
        String restart = c.str("restartPolicy");
        if (restart != null) {
            d.error(c.valueLoc("restartPolicy"), c.at("restartPolicy"), init
                    ? "unsupported value " + Names.quote(restart) + ": sidecar init containers are not supported yet"
                    : "may only be set for init containers");
        }
        Container.SecurityContext sc = containerSecurityContext(c.obj("securityContext"));
        boolean stdin = c.bool("stdin", false);
        boolean stdinOnce = c.bool("stdinOnce", false);
        boolean tty = c.bool("tty", false);
        String tmPath = c.str("terminationMessagePath", Container.DEFAULT_TERMINATION_MESSAGE_PATH);
        if (!tmPath.startsWith("/")) {
            d.error(c.valueLoc("terminationMessagePath"), c.at("terminationMessagePath"),
                    "invalid value " + Names.quote(tmPath) + ": must be an absolute path");
        }
        Container.TerminationMessagePolicy tmPolicy = enumValue(c, "terminationMessagePolicy",
                Container.TerminationMessagePolicy.values(), Container.TerminationMessagePolicy::spelling,
                Container.TerminationMessagePolicy.FILE);
        c.ignored("resizePolicy", "resources are fixed for a container's life");
        c.ignored("volumeDevices", "no block device volumes");
        c.finish();
        return new Container(name == null ? "" : name, image == null ? "" : image, pull, command, args, workingDir,
                env, envFrom, ports, resources, mounts, liveness, readiness, startup, lifecycle, sc, stdin, stdinOnce,
                tty, tmPath, tmPolicy);
    }

    private List<Container.Port> ports(Obj c) {
        List<Container.Port> out = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        Map<String, String> seen = new HashMap<>();
        for (Obj.Item it : c.list("ports")) {
            Obj p = Obj.of(it.node(), it.path(), d);
            if (p == null) {
                continue;
            }
            String name = p.str("name", "");
            if (!name.isEmpty()) {
                if (!check(p.valueLoc("name"), p.at("name"), Names.portName(name)) && !names.add(name)) {
                    d.error(p.valueLoc("name"), p.at("name"), "duplicate value " + Names.quote(name));
                }
            }
            Long port = p.integer("containerPort");
            if (port == null && !p.has("containerPort")) {
                d.error(p.loc(), p.at("containerPort"), "required value");
            } else if (port != null && (port < 1 || port > 65535)) {
                d.error(p.valueLoc("containerPort"), p.at("containerPort"),
                        "must be between 1 and 65535, inclusive, got " + port);
                port = null;
            }
            Long hostPort = p.integer("hostPort");
            if (hostPort != null && (hostPort < 0 || hostPort > 65535)) {
                d.error(p.valueLoc("hostPort"), p.at("hostPort"), "must be between 0 and 65535, inclusive, got "
                        + hostPort);
                hostPort = null;
            }
            String hostIP = p.str("hostIP", "");
            if (!hostIP.isEmpty() && !isIp(hostIP)) {
                d.error(p.valueLoc("hostIP"), p.at("hostIP"), "invalid value " + Names.quote(hostIP)
                        + ": must be an IP address");
            }
            Container.Protocol protocol = enumValue(p, "protocol", Container.Protocol.values(), Enum::name,
                    Container.Protocol.TCP);
            p.finish();
            if (port != null) {
                String key = port + "/" + protocol;
                if (seen.putIfAbsent(key, p.path) != null) {
                    d.error(p.valueLoc("containerPort"), p.at("containerPort"), "duplicate value " + port + "/"
                            + protocol);
                }
                out.add(new Container.Port(name, port.intValue(), hostPort == null ? 0 : hostPort.intValue(),
                        hostIP, protocol));
            }
        }
        return out;
    }

    /**
     * Ports clash across the whole pod: containers share one network namespace (container ports)
     * and the host (host ports).
     */
    private void checkPodPorts(Obj spec) {
        Map<String, String> containerPorts = new HashMap<>();
        Map<String, String> hostPorts = new HashMap<>();
        for (Obj.Item it : spec.list("containers")) {
            Obj c = Obj.of(it.node(), it.path(), new Diag(d.source)); // already reported once
            if (c == null) {
                continue;
            }
            for (Obj.Item pi : c.list("ports")) {
                if (!(pi.node() instanceof dev.podlab.core.config.YamlTree.MapNode pm)) {
                    continue;
                }
                Long port = intOf(pm.entries().get("containerPort"));
                Long hostPort = intOf(pm.entries().get("hostPort"));
                String protocol = strOf(pm.entries().get("protocol"), "TCP");
                String hostIP = strOf(pm.entries().get("hostIP"), "");
                if (port != null) {
                    String key = port + "/" + protocol;
                    String first = containerPorts.putIfAbsent(key, it.path());
                    if (first != null && !first.equals(it.path())) {
                        Entry e = pm.entries().get("containerPort");
                        d.error(e.value().loc(), pi.path() + ".containerPort", "duplicate value " + key
                                + " (also in " + first + ")");
                    }
                }
                if (hostPort != null && hostPort > 0) {
                    String key = hostIP + ":" + hostPort + "/" + protocol;
                    String first = hostPorts.putIfAbsent(key, pi.path());
                    if (first != null) {
                        Entry e = pm.entries().get("hostPort");
                        d.error(e.value().loc(), pi.path() + ".hostPort", "duplicate value " + hostPort + "/"
                                + protocol + " (also in " + first + ")");
                    }
                }
            }
        }
    }

    /** In the host's network namespace a port cannot be remapped: hostPort must be containerPort or unset. */
    private void hostNetworkPorts(Obj spec, List<Named<Container>> all) {
        for (int i = 0; i < all.size(); i++) {
            List<Container.Port> ports = all.get(i).value().ports();
            for (int j = 0; j < ports.size(); j++) {
                Container.Port p = ports.get(j);
                if (p.hostPort() != 0 && p.hostPort() != p.containerPort()) {
                    String where = all.get(i).path().substring(0, all.get(i).path().length() - ".name".length());
                    d.error(spec.valueLoc("hostNetwork"), where + ".ports[" + j + "].hostPort", "must equal containerPort "
                            + p.containerPort() + " when hostNetwork is true, got " + p.hostPort());
                }
            }
        }
    }

    private static Long intOf(Entry e) {
        return e != null && e.value() instanceof Scalar s && s.kind() == Kind.INT ? Obj.parseInt(s.text()) : null;
    }

    private static String strOf(Entry e, String dflt) {
        return e != null && e.value() instanceof Scalar s && s.kind() == Kind.STRING && !s.text().isEmpty()
                ? s.text() : dflt;
    }

    private List<Container.EnvVar> env(Obj c) {
        List<Container.EnvVar> out = new ArrayList<>();
        for (Obj.Item it : c.list("env")) {
            Obj e = Obj.of(it.node(), it.path(), d);
            if (e == null) {
                continue;
            }
            String name = e.reqStr("name");
            if (name != null) {
                check(e.valueLoc("name"), e.at("name"), Names.envName(name));
            }
            String value = e.node("value") instanceof Scalar s && s.kind() == Kind.STRING ? s.text() : e.str("value");
            Obj from = e.obj("valueFrom");
            EnvSource source = new EnvSource.Literal(value == null ? "" : value);
            if (from != null) {
                if (value != null && !value.isEmpty()) {
                    d.error(e.valueLoc("valueFrom"), e.at("valueFrom"), "may not be specified when `value` is not empty");
                }
                EnvSource fromSource = valueFrom(from);
                if (fromSource != null) {
                    source = fromSource;
                }
            }
            e.finish();
            out.add(new Container.EnvVar(name == null ? "" : name, source));
        }
        return out;
    }

    private EnvSource valueFrom(Obj f) {
        List<String> present = present(f, "fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef");
        f.ignored("fileKeyRef", "not supported yet");
        f.finish();
        if (present.isEmpty()) {
            d.error(f.loc(), f.path, "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
                    + "`secretKeyRef`");
            return null;
        }
        if (present.size() > 1) {
            d.error(f.keyLoc(present.get(1)), f.at(present.get(1)), "may not have more than one field specified "
                    + "at a time");
            return null;
        }
        return switch (present.get(0)) {
            case "fieldRef" -> fieldRef(f.obj("fieldRef"), ENV_FIELD_PATHS, true);
            case "resourceFieldRef" -> resourceFieldRef(f.obj("resourceFieldRef"), false);
            case "configMapKeyRef" -> keyRef(f.obj("configMapKeyRef"), false);
            default -> keyRef(f.obj("secretKeyRef"), true);
        };
    }

    private EnvSource keyRef(Obj r, boolean secret) {
        if (r == null) {
            return null;
        }
        String name = r.reqStr("name");
        String key = r.reqStr("key");
        if (key != null) {
            check(r.valueLoc("key"), r.at("key"), Names.configKey(key));
        }
        boolean optional = r.bool("optional", false);
        r.finish();
        if (name == null || key == null) {
            return null;
        }
        refs.add(new Ref(secret, namespace, name, key, optional, r.valueLoc("name"), r.at("name"),
                r.valueLoc("key"), r.at("key")));
        return secret ? new EnvSource.SecretKeyRef(name, key, optional) : new EnvSource.ConfigMapKeyRef(name, key, optional);
    }

    private EnvSource fieldRef(Obj r, Set<String> allowed, boolean labelSubscripts) {
        if (r == null) {
            return null;
        }
        String apiVersion = r.str("apiVersion", "v1");
        if (!apiVersion.equals("v1")) {
            d.error(r.valueLoc("apiVersion"), r.at("apiVersion"), "unsupported value " + Names.quote(apiVersion)
                    + ": supported values: \"v1\"");
        }
        String path = r.reqStr("fieldPath");
        r.finish();
        if (path == null) {
            return null;
        }
        var m = LABEL_FIELD.matcher(path);
        boolean ok = allowed.contains(path) || (labelSubscripts && m.matches());
        if (!ok) {
            d.error(r.valueLoc("fieldPath"), r.at("fieldPath"), "unsupported value " + Names.quote(path)
                    + ": supported values: " + String.join(", ", new java.util.TreeSet<>(allowed))
                    + (labelSubscripts ? ", metadata.labels['KEY'], metadata.annotations['KEY']" : ""));
            return null;
        }
        return new EnvSource.FieldRef(apiVersion, path);
    }

    /** Container names are checked against the pod once all containers are bound. */
    private final List<Named<String>> resourceRefContainers = new ArrayList<>();

    private EnvSource resourceFieldRef(Obj r, boolean containerRequired) {
        if (r == null) {
            return null;
        }
        String containerName = containerRequired ? r.reqStr("containerName") : r.str("containerName", "");
        if (containerName != null && !containerName.isEmpty()) {
            resourceRefContainers.add(new Named<>(containerName, containerName, r.valueLoc("containerName"),
                    r.at("containerName")));
        }
        String resource = r.reqStr("resource");
        if (resource != null && !RESOURCE_FIELDS.contains(resource)) {
            d.error(r.valueLoc("resource"), r.at("resource"), "unsupported value " + Names.quote(resource)
                    + ": supported values: " + String.join(", ", new java.util.TreeSet<>(RESOURCE_FIELDS)));
            resource = null;
        }
        Quantity divisor = quantity(r, "divisor");
        if (divisor != null && divisor.value().signum() <= 0) {
            d.error(r.valueLoc("divisor"), r.at("divisor"), "must be greater than 0");
            divisor = null;
        }
        r.finish();
        if (resource == null || containerName == null) {
            return null;
        }
        return new EnvSource.ResourceFieldRef(containerName, resource, divisor == null ? Quantity.parse("1") : divisor);
    }

    /** resourceFieldRef container names must be containers of this pod. */
    private void checkResourceRefs(Set<String> names) {
        for (Named<String> r : resourceRefContainers) {
            if (!names.contains(r.value())) {
                d.error(r.loc(), r.path(), "container " + Names.quote(r.value()) + " not found in this pod");
            }
        }
    }

    private List<Container.EnvFrom> envFrom(Obj c) {
        List<Container.EnvFrom> out = new ArrayList<>();
        for (Obj.Item it : c.list("envFrom")) {
            Obj e = Obj.of(it.node(), it.path(), d);
            if (e == null) {
                continue;
            }
            String prefix = e.str("prefix", "");
            if (!prefix.isEmpty()) {
                check(e.valueLoc("prefix"), e.at("prefix"), Names.envName(prefix));
            }
            List<String> present = present(e, "configMapRef", "secretRef");
            e.finish();
            if (present.size() != 1) {
                d.error(present.isEmpty() ? e.loc() : e.keyLoc(present.get(1)), e.path,
                        present.isEmpty() ? "must specify one of: `configMapRef` or `secretRef`"
                                : "may not have more than one field specified at a time");
                continue;
            }
            boolean secret = present.get(0).equals("secretRef");
            Obj r = e.obj(present.get(0));
            if (r == null) {
                continue;
            }
            String name = r.reqStr("name");
            boolean optional = r.bool("optional", false);
            r.finish();
            if (name != null) {
                refs.add(new Ref(secret, namespace, name, null, optional, r.valueLoc("name"), r.at("name"), null, null));
                out.add(new Container.EnvFrom(secret ? Container.EnvFrom.Kind.SECRET : Container.EnvFrom.Kind.CONFIG_MAP,
                        name, prefix, optional));
            }
        }
        return out;
    }

    private Container.Resources resources(Obj r) {
        if (r == null) {
            return Container.Resources.NONE;
        }
        r.ignored("claims", "no dynamic resource allocation");
        Map<String, String> other = new LinkedHashMap<>();
        Map<String, Long> req = new HashMap<>();
        Map<String, Long> lim = new HashMap<>();
        Map<String, Loc> reqLoc = new HashMap<>();
        for (String kind : List.of("limits", "requests")) {
            Obj m = r.obj(kind);
            if (m == null) {
                continue;
            }
            for (Entry e : m.entries()) {
                String path = Obj.child(m.path, e.key());
                if (!e.key().equals("cpu") && !e.key().equals("memory")) {
                    d.warn(e.keyLoc(), path, "not enforced (podlab enforces cpu and memory only)");
                    if (e.value() instanceof Scalar s) {
                        other.put(kind + "." + e.key(), s.text());
                    }
                    continue;
                }
                Quantity q = quantityOf(e.value(), path);
                if (q == null) {
                    continue;
                }
                if (q.isNegative()) {
                    d.error(e.value().loc(), path, "must be greater than or equal to 0");
                    continue;
                }
                long v;
                try {
                    v = e.key().equals("cpu") ? q.milliValue() : q.wholeValue();
                } catch (Quantity.InvalidQuantityException ex) {
                    d.error(e.value().loc(), path, ex.getMessage() + " " + Names.quote(q.text()));
                    continue;
                }
                (kind.equals("limits") ? lim : req).put(e.key(), v);
                if (kind.equals("requests")) {
                    reqLoc.put(e.key(), e.value().loc());
                }
            }
        }
        for (String res : List.of("cpu", "memory")) {
            Long l = lim.get(res);
            Long q = req.get(res);
            if (l != null && q != null && q > l) {
                d.error(reqLoc.get(res), r.at("requests") + "." + res, "must be less than or equal to " + res
                        + " limit of " + (res.equals("cpu") ? l + "m" : l + " bytes"));
            }
            if (l != null && q == null) {
                req.put(res, l); // Kubernetes' defaulting: an unset request takes the limit.
            }
        }
        r.finish();
        return new Container.Resources(opt(req.get("cpu")), opt(lim.get("cpu")), opt(req.get("memory")),
                opt(lim.get("memory")), other);
    }

    private static OptionalLong opt(Long v) {
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    private Quantity quantity(Obj o, String key) {
        Node n = o.node(key);
        return n == null ? null : quantityOf(n, o.at(key));
    }

    private Quantity quantityOf(Node n, String path) {
        if (!(n instanceof Scalar s) || s.kind() == Kind.BOOL || s.kind() == Kind.NULL) {
            d.error(n.loc(), path, "expected a quantity such as 250m or 64Mi, got " + Obj.describe(n));
            return null;
        }
        try {
            return Quantity.parse(s.text());
        } catch (Quantity.InvalidQuantityException e) {
            d.error(n.loc(), path, e.getMessage());
            return null;
        }
    }

    private List<Container.VolumeMount> volumeMounts(Obj c, Set<String> volumes) {
        List<Container.VolumeMount> out = new ArrayList<>();
        Set<String> paths = new java.util.HashSet<>();
        for (Obj.Item it : c.list("volumeMounts")) {
            Obj m = Obj.of(it.node(), it.path(), d);
            if (m == null) {
                continue;
            }
            String name = m.reqStr("name");
            if (name != null && !volumes.contains(name)) {
                d.error(m.valueLoc("name"), m.at("name"), "volume " + Names.quote(name) + " not found in spec.volumes");
            }
            String mountPath = m.reqStr("mountPath");
            if (mountPath != null) {
                if (!mountPath.startsWith("/")) {
                    d.error(m.valueLoc("mountPath"), m.at("mountPath"), "invalid value " + Names.quote(mountPath)
                            + ": must be an absolute path");
                } else if (!paths.add(mountPath)) {
                    d.error(m.valueLoc("mountPath"), m.at("mountPath"), "duplicate value " + Names.quote(mountPath));
                }
            }
            boolean readOnly = m.bool("readOnly", false);
            String subPath = m.str("subPath", "");
            if (!subPath.isEmpty()) {
                checkRelative(m.valueLoc("subPath"), m.at("subPath"), subPath);
            }
            m.ignored("mountPropagation", "mounts are private to the container");
            m.ignored("recursiveReadOnly", "not supported yet");
            if (m.has("subPathExpr")) {
                d.error(m.valueLoc("subPathExpr"), m.at("subPathExpr"), "not supported yet; use subPath");
            }
            m.finish();
            out.add(new Container.VolumeMount(name == null ? "" : name, mountPath == null ? "" : mountPath, readOnly,
                    subPath));
        }
        return out;
    }

    private boolean checkRelative(Loc at, String path, String value) {
        if (value.startsWith("/")) {
            d.error(at, path, "invalid value " + Names.quote(value) + ": must be a relative path");
            return false;
        }
        for (String part : value.split("/")) {
            if (part.equals("..")) {
                d.error(at, path, "invalid value " + Names.quote(value) + ": must not contain '..'");
                return false;
            }
        }
        return true;
    }

    // ---- probes and hooks ----

    private Optional<Probe> probe(Obj c, String key, boolean mustSucceedOnce, List<Container.Port> ports) {
        Obj p = c.obj(key);
        if (p == null) {
            return Optional.empty();
        }
        Handler h = handler(p, false, ports);
        int initialDelay = seconds(p, "initialDelaySeconds", 0);
        int period = seconds(p, "periodSeconds", Probe.DEFAULT_PERIOD_SECONDS);
        int timeout = seconds(p, "timeoutSeconds", Probe.DEFAULT_TIMEOUT_SECONDS);
        int success = seconds(p, "successThreshold", Probe.DEFAULT_SUCCESS_THRESHOLD);
        int failure = seconds(p, "failureThreshold", Probe.DEFAULT_FAILURE_THRESHOLD);
        if (mustSucceedOnce && success != 1) {
            d.error(p.valueLoc("successThreshold"), p.at("successThreshold"), "must be 1, got " + success);
        }
        p.ignored("terminationGracePeriodSeconds", "the pod's terminationGracePeriodSeconds applies");
        p.finish();
        return h == null ? Optional.empty()
                : Optional.of(new Probe(h, initialDelay, period, timeout, success, failure));
    }

    /** A non-negative integer; 0 or absent gives Kubernetes' default. */
    private int seconds(Obj p, String key, int dflt) {
        Long v = p.integerAtLeast(key, 0);
        if (v != null && v > Integer.MAX_VALUE) {
            d.error(p.valueLoc(key), p.at(key), "must be at most " + Integer.MAX_VALUE);
            return dflt;
        }
        return v == null || v == 0 ? dflt : v.intValue();
    }

    private Container.Lifecycle lifecycle(Obj l, List<Container.Port> ports) {
        if (l == null) {
            return Container.Lifecycle.NONE;
        }
        Optional<Handler> postStart = Optional.empty();
        Optional<Handler> preStop = Optional.empty();
        Obj ps = l.obj("postStart");
        if (ps != null) {
            postStart = Optional.ofNullable(handler(ps, true, ports));
            ps.finish();
        }
        Obj pr = l.obj("preStop");
        if (pr != null) {
            preStop = Optional.ofNullable(handler(pr, true, ports));
            pr.finish();
        }
        l.ignored("stopSignal", "containers stop with SIGTERM");
        l.finish();
        return new Container.Lifecycle(postStart, preStop);
    }

    private Handler handler(Obj p, boolean hook, List<Container.Port> ports) {
        List<String> present = hook ? present(p, "exec", "httpGet", "tcpSocket", "sleep")
                : present(p, "exec", "httpGet", "tcpSocket", "grpc");
        if (present.isEmpty()) {
            d.error(p.loc(), p.path, "must specify a handler type");
            return null;
        }
        if (present.size() > 1) {
            d.error(p.keyLoc(present.get(1)), p.at(present.get(1)), "may not specify more than 1 handler type");
            return null;
        }
        String kind = present.get(0);
        Obj h = p.obj(kind);
        if (h == null) {
            return null;
        }
        Handler out = switch (kind) {
            case "exec" -> {
                List<String> cmd = h.strList("command");
                if (cmd.isEmpty()) {
                    d.error(h.loc(), h.at("command"), "required value");
                }
                yield new Handler.Exec(cmd);
            }
            case "httpGet" -> {
                String path = h.str("path", "/");
                Handler.PortRef port = portRef(h, ports);
                String host = h.str("host", "");
                String scheme = h.str("scheme", "HTTP");
                if (!scheme.equals("HTTP") && !scheme.equals("HTTPS")) {
                    d.error(h.valueLoc("scheme"), h.at("scheme"), "unsupported value " + Names.quote(scheme)
                            + ": supported values: \"HTTP\", \"HTTPS\"");
                }
                List<Handler.Header> headers = new ArrayList<>();
                for (Obj.Item it : h.list("httpHeaders")) {
                    Obj hd = Obj.of(it.node(), it.path(), d);
                    if (hd == null) {
                        continue;
                    }
                    String name = hd.reqStr("name");
                    if (name != null) {
                        check(hd.valueLoc("name"), hd.at("name"), Names.httpHeaderName(name));
                    }
                    String value = hd.str("value", "");
                    hd.finish();
                    headers.add(new Handler.Header(name == null ? "" : name, value));
                }
                yield port == null ? null : new Handler.HttpGet(path, port, host, scheme, headers);
            }
            case "tcpSocket" -> {
                if (hook) {
                    d.warn(p.keyLoc("tcpSocket"), p.at("tcpSocket"),
                            "deprecated (Kubernetes accepts tcpSocket hooks but never runs them; podlab does the same)");
                }
                Handler.PortRef port = portRef(h, ports);
                String host = h.str("host", "");
                yield port == null ? null : new Handler.TcpSocket(port, host);
            }
            case "sleep" -> {
                Long s = h.integerAtLeast("seconds", 0);
                if (s == null && !h.has("seconds")) {
                    d.error(h.loc(), h.at("seconds"), "required value");
                }
                yield s == null ? null : new Handler.Sleep(s);
            }
            default -> {
                d.error(p.keyLoc(kind), p.at(kind), "not supported: podlab runs exec, httpGet and tcpSocket probes");
                h.known(h.map.entries().keySet().toArray(String[]::new));
                yield null;
            }
        };
        h.finish();
        return out;
    }

    private Handler.PortRef portRef(Obj h, List<Container.Port> ports) {
        Node n = h.node("port");
        if (n == null) {
            d.error(h.loc(), h.at("port"), "required value");
            return null;
        }
        if (n instanceof Scalar s && s.kind() == Kind.INT) {
            Long v = Obj.parseInt(s.text());
            if (v == null || v < 1 || v > 65535) {
                d.error(n.loc(), h.at("port"), "must be between 1 and 65535, inclusive, got " + s.text());
                return null;
            }
            return Handler.PortRef.of(v.intValue());
        }
        if (n instanceof Scalar s && s.kind() == Kind.STRING) {
            if (check(n.loc(), h.at("port"), Names.portName(s.text()))) {
                return null;
            }
            if (ports.stream().noneMatch(p -> p.name().equals(s.text()))) {
                d.error(n.loc(), h.at("port"), "no container port named " + Names.quote(s.text()));
                return null;
            }
            return Handler.PortRef.named(s.text());
        }
        d.error(n.loc(), h.at("port"), "expected a port number or name, got " + Obj.describe(n));
        return null;
    }

    // ---- volumes ----

    private Volume volume(Obj v) {
        String name = v.reqStr("name");
        if (name != null) {
            check(v.valueLoc("name"), v.at("name"), Names.dnsLabel(name));
        }
        List<String> sources = new ArrayList<>();
        for (Entry e : v.map.entries().values()) {
            if (SUPPORTED_VOLUMES.contains(e.key()) || UNSUPPORTED_VOLUMES.contains(e.key())) {
                sources.add(e.key());
            }
        }
        Volume.Source source = null;
        if (sources.size() > 1) {
            d.error(v.keyLoc(sources.get(1)), v.at(sources.get(1)), "may not specify more than 1 volume type");
            v.known(sources.toArray(String[]::new));
        } else if (sources.isEmpty()) {
            // Kubernetes' defaulting: a volume without a source is an emptyDir.
            source = new Volume.EmptyDir(Volume.Medium.DISK, Optional.empty());
        } else if (UNSUPPORTED_VOLUMES.contains(sources.get(0))) {
            d.error(v.keyLoc(sources.get(0)), v.at(sources.get(0)), "unsupported volume type: podlab provides "
                    + String.join(", ", SUPPORTED_VOLUMES) + " volumes");
            v.known(sources.get(0));
        } else {
            String kind = sources.get(0);
            Obj s = v.obj(kind);
            if (s == null) {
                s = Obj.empty(v.valueLoc(kind), v.at(kind), d);
            }
            source = switch (kind) {
                case "emptyDir" -> emptyDir(s);
                case "hostPath" -> hostPath(s);
                case "configMap" -> configMapVolume(s);
                case "secret" -> secretVolume(s);
                case "downwardAPI" -> downwardApi(s);
                default -> projected(s);
            };
            s.finish();
        }
        v.finish();
        return name == null || source == null ? null : new Volume(name, source);
    }

    private Volume.Source emptyDir(Obj s) {
        Volume.Medium medium = Volume.Medium.DISK;
        Node m = s.node("medium");
        if (m != null) {
            String text = Obj.asString(m, s.at("medium"), d);
            if ("Memory".equals(text)) {
                medium = Volume.Medium.MEMORY;
            } else if (text != null && !text.isEmpty()) {
                d.error(m.loc(), s.at("medium"), "unsupported value " + Names.quote(text)
                        + ": supported values: \"\", \"Memory\"");
            }
        }
        Quantity size = quantity(s, "sizeLimit");
        if (size != null && size.isNegative()) {
            d.error(s.valueLoc("sizeLimit"), s.at("sizeLimit"), "must be greater than or equal to 0");
        }
        return new Volume.EmptyDir(medium, Optional.ofNullable(size));
    }

    private Volume.Source hostPath(Obj s) {
        String path = s.reqStr("path");
        if (path != null && !path.startsWith("/")) {
            d.error(s.valueLoc("path"), s.at("path"), "invalid value " + Names.quote(path) + ": must be an absolute path");
        } else if (path != null && List.of(path.split("/")).contains("..")) {
            d.error(s.valueLoc("path"), s.at("path"), "invalid value " + Names.quote(path) + ": must not contain '..'");
        }
        Volume.HostPathType type = Volume.HostPathType.UNSET;
        Node t = s.node("type");
        if (t != null) {
            String text = Obj.asString(t, s.at("type"), d);
            if (text != null) {
                type = null;
                for (Volume.HostPathType ht : Volume.HostPathType.values()) {
                    if (ht.spelling().equals(text)) {
                        type = ht;
                    }
                }
                if (type == null) {
                    d.error(t.loc(), s.at("type"), unsupported(text, Volume.HostPathType.values(),
                            Volume.HostPathType::spelling));
                    type = Volume.HostPathType.UNSET;
                }
            }
        }
        return new Volume.HostPath(path == null ? "" : path, type);
    }

    private Volume.Source configMapVolume(Obj s) {
        String name = s.reqStr("name");
        boolean optional = s.bool("optional", false);
        List<Volume.KeyToPath> items = items(s, name, false, optional);
        int mode = mode(s, "defaultMode", Volume.DEFAULT_MODE);
        if (name != null && items.isEmpty()) {
            refs.add(new Ref(false, namespace, name, null, optional, s.valueLoc("name"), s.at("name"), null, null));
        }
        return new Volume.ConfigMapVolume(name == null ? "" : name, items, mode, optional);
    }

    private Volume.Source secretVolume(Obj s) {
        String name = s.reqStr("secretName");
        boolean optional = s.bool("optional", false);
        List<Volume.KeyToPath> items = items(s, name, true, optional);
        int mode = mode(s, "defaultMode", Volume.DEFAULT_MODE);
        if (name != null && items.isEmpty()) {
            refs.add(new Ref(true, namespace, name, null, optional, s.valueLoc("secretName"), s.at("secretName"),
                    null, null));
        }
        return new Volume.SecretVolume(name == null ? "" : name, items, mode, optional);
    }

    private List<Volume.KeyToPath> items(Obj s, String objectName, boolean secret, boolean optional) {
        List<Volume.KeyToPath> out = new ArrayList<>();
        String nameKey = secret && s.map.entries().containsKey("secretName") ? "secretName" : "name";
        for (Obj.Item it : s.list("items")) {
            Obj i = Obj.of(it.node(), it.path(), d);
            if (i == null) {
                continue;
            }
            String key = i.reqStr("key");
            if (key != null) {
                check(i.valueLoc("key"), i.at("key"), Names.configKey(key));
            }
            String path = i.reqStr("path");
            if (path != null) {
                checkRelative(i.valueLoc("path"), i.at("path"), path);
            }
            OptionalInt mode = i.has("mode") ? OptionalInt.of(mode(i, "mode", 0)) : OptionalInt.empty();
            i.finish();
            if (key != null && objectName != null) {
                refs.add(new Ref(secret, namespace, objectName, key, optional, s.valueLoc(nameKey), s.at(nameKey),
                        i.valueLoc("key"), i.at("key")));
            }
            out.add(new Volume.KeyToPath(key == null ? "" : key, path == null ? "" : path, mode));
        }
        return out;
    }

    private int mode(Obj o, String key, int dflt) {
        Long m = o.integer(key);
        if (m == null) {
            return dflt;
        }
        if (m < 0 || m > 0777) {
            String written = o.node(key) instanceof Scalar s ? s.text() : String.valueOf(m);
            d.error(o.valueLoc(key), o.at(key), "must be a number between 0 and 0777 (octal), both inclusive, got "
                    + written);
            return dflt;
        }
        return m.intValue();
    }

    private Volume.Source downwardApi(Obj s) {
        List<Volume.DownwardApiItem> items = downwardItems(s);
        return new Volume.DownwardApi(items, mode(s, "defaultMode", Volume.DEFAULT_MODE));
    }

    private List<Volume.DownwardApiItem> downwardItems(Obj s) {
        List<Volume.DownwardApiItem> out = new ArrayList<>();
        for (Obj.Item it : s.list("items")) {
            Obj i = Obj.of(it.node(), it.path(), d);
            if (i == null) {
                continue;
            }
            String path = i.reqStr("path");
            if (path != null) {
                checkRelative(i.valueLoc("path"), i.at("path"), path);
            }
            List<String> present = present(i, "fieldRef", "resourceFieldRef");
            EnvSource src = null;
            if (present.size() != 1) {
                d.error(present.isEmpty() ? i.loc() : i.keyLoc(present.get(1)), i.path, present.isEmpty()
                        ? "must specify one of: `fieldRef` or `resourceFieldRef`"
                        : "may not have more than one field specified at a time");
            } else if (present.get(0).equals("fieldRef")) {
                src = fieldRef(i.obj("fieldRef"), VOLUME_FIELD_PATHS, true);
            } else {
                src = resourceFieldRef(i.obj("resourceFieldRef"), true);
            }
            OptionalInt mode = i.has("mode") ? OptionalInt.of(mode(i, "mode", 0)) : OptionalInt.empty();
            i.finish();
            if (path != null && src != null) {
                out.add(new Volume.DownwardApiItem(path, src, mode));
            }
        }
        return out;
    }

    private Volume.Source projected(Obj s) {
        List<Volume.Projection> out = new ArrayList<>();
        for (Obj.Item it : s.list("sources")) {
            Obj p = Obj.of(it.node(), it.path(), d);
            if (p == null) {
                continue;
            }
            p.ignored("serviceAccountToken", NO_API_SERVER);
            p.ignored("clusterTrustBundle", NO_API_SERVER);
            p.ignored("podCertificate", NO_API_SERVER);
            List<String> present = present(p, "configMap", "secret", "downwardAPI");
            if (present.size() > 1) {
                d.error(p.keyLoc(present.get(1)), p.at(present.get(1)), "may not specify more than 1 source type");
            } else if (present.size() == 1) {
                Obj o = p.objOrEmpty(present.get(0));
                switch (present.get(0)) {
                    case "configMap", "secret" -> {
                        boolean secret = present.get(0).equals("secret");
                        String name = o.reqStr("name");
                        boolean optional = o.bool("optional", false);
                        List<Volume.KeyToPath> items = items(o, name, secret, optional);
                        if (name != null && items.isEmpty()) {
                            refs.add(new Ref(secret, namespace, name, null, optional, o.valueLoc("name"), o.at("name"),
                                    null, null));
                        }
                        out.add(secret ? new Volume.SecretProjection(name == null ? "" : name, items, optional)
                                : new Volume.ConfigMapProjection(name == null ? "" : name, items, optional));
                    }
                    default -> out.add(new Volume.DownwardApiProjection(downwardItems(o)));
                }
                o.finish();
            }
            p.finish();
        }
        return new Volume.Projected(out, mode(s, "defaultMode", Volume.DEFAULT_MODE));
    }

    // ---- security ----

    private PodSpec.SecurityContext podSecurityContext(Obj s) {
        if (s == null) {
            return PodSpec.SecurityContext.NONE;
        }
        OptionalLong user = opt(s.integerAtLeast("runAsUser", 0));
        OptionalLong group = opt(s.integerAtLeast("runAsGroup", 0));
        Optional<Boolean> nonRoot = Optional.ofNullable(s.bool("runAsNonRoot"));
        OptionalLong fsGroup = opt(s.integerAtLeast("fsGroup", 0));
        List<Long> groups = new ArrayList<>();
        for (Obj.Item it : s.list("supplementalGroups")) {
            Long g = Obj.asInteger(it.node(), it.path(), d);
            if (g != null && g < 0) {
                d.error(it.node().loc(), it.path(), "must be greater than or equal to 0, got " + g);
            } else if (g != null) {
                groups.add(g);
            }
        }
        List<PodSpec.Sysctl> sysctls = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (Obj.Item it : s.list("sysctls")) {
            Obj o = Obj.of(it.node(), it.path(), d);
            if (o == null) {
                continue;
            }
            String name = o.reqStr("name");
            String value = o.reqStr("value");
            o.finish();
            if (name == null) {
                continue;
            }
            if (!Names.isSysctlName(name)) {
                d.error(o.valueLoc("name"), o.at("name"), "invalid value " + Names.quote(name)
                        + ": not a sysctl name");
                continue;
            }
            String canonical = name.replace('/', '.');
            if (!SAFE_SYSCTLS.contains(canonical)) {
                d.error(o.valueLoc("name"), o.at("name"), "unsafe sysctl " + Names.quote(name)
                        + ": only Kubernetes' safe sysctls are allowed");
                continue;
            }
            if (!names.add(canonical)) {
                d.error(o.valueLoc("name"), o.at("name"), "duplicate value " + Names.quote(name));
            }
            if (value != null) {
                Pattern p = SPACED_SYSCTLS.contains(canonical) ? SPACED_SYSCTL_VALUE : SYSCTL_VALUE;
                if (!p.matcher(value).matches()) {
                    d.error(o.valueLoc("value"), o.at("value"), "invalid value " + Names.quote(value)
                            + ": a sysctl value may not contain whitespace, newlines or '='");
                    continue;
                }
                sysctls.add(new PodSpec.Sysctl(canonical, value));
            }
        }
        Optional<PodSpec.SeccompProfile> seccomp = seccomp(s.obj("seccompProfile"));
        s.ignored("seLinuxOptions", "no SELinux support");
        s.ignored("seLinuxChangePolicy", "no SELinux support");
        s.ignored("appArmorProfile", "no AppArmor support");
        s.ignored("windowsOptions", "podlab runs Linux pods only");
        s.ignored("fsGroupChangePolicy", "volumes are always relabelled");
        s.ignored("supplementalGroupsPolicy", "groups are merged as in Kubernetes' default");
        s.finish();
        return new PodSpec.SecurityContext(user, group, nonRoot, fsGroup, groups, sysctls, seccomp);
    }

    private Container.SecurityContext containerSecurityContext(Obj s) {
        if (s == null) {
            return Container.SecurityContext.NONE;
        }
        OptionalLong user = opt(s.integerAtLeast("runAsUser", 0));
        OptionalLong group = opt(s.integerAtLeast("runAsGroup", 0));
        Optional<Boolean> nonRoot = Optional.ofNullable(s.bool("runAsNonRoot"));
        Optional<Boolean> privileged = Optional.ofNullable(s.bool("privileged"));
        Container.Capabilities caps = Container.Capabilities.NONE;
        Obj c = s.obj("capabilities");
        if (c != null) {
            caps = new Container.Capabilities(capabilityList(c, "add"), capabilityList(c, "drop"));
            c.finish();
        }
        Optional<Boolean> readOnlyRoot = Optional.ofNullable(s.bool("readOnlyRootFilesystem"));
        Optional<Boolean> escalation = Optional.ofNullable(s.bool("allowPrivilegeEscalation"));
        if (escalation.equals(Optional.of(false)) && privileged.equals(Optional.of(true))) {
            d.error(s.valueLoc("allowPrivilegeEscalation"), s.at("allowPrivilegeEscalation"),
                    "cannot be false when privileged is true");
        }
        Optional<PodSpec.SeccompProfile> seccomp = seccomp(s.obj("seccompProfile"));
        s.ignored("procMount", "/proc is always masked");
        s.ignored("seLinuxOptions", "no SELinux support");
        s.ignored("appArmorProfile", "no AppArmor support");
        s.ignored("windowsOptions", "podlab runs Linux pods only");
        s.finish();
        return new Container.SecurityContext(user, group, nonRoot, privileged, caps, readOnlyRoot, escalation, seccomp);
    }

    private List<String> capabilityList(Obj c, String key) {
        List<String> out = new ArrayList<>();
        for (Obj.Item it : c.list(key)) {
            String v = Obj.asString(it.node(), it.path(), d);
            if (v != null && !check(it.node().loc(), it.path(), Names.capability(v))) {
                out.add(v);
            }
        }
        return out;
    }

    private Optional<PodSpec.SeccompProfile> seccomp(Obj s) {
        if (s == null) {
            return Optional.empty();
        }
        PodSpec.SeccompProfile.Type type = null;
        if (!s.has("type")) {
            d.error(s.loc(), s.at("type"), "required value");
        } else {
            type = enumValue(s, "type", PodSpec.SeccompProfile.Type.values(), PodSpec.SeccompProfile.Type::spelling,
                    null);
        }
        String local = s.str("localhostProfile", "");
        if (type == PodSpec.SeccompProfile.Type.LOCALHOST && local.isEmpty()) {
            d.error(s.loc(), s.at("localhostProfile"), "required value when type is Localhost");
        } else if (type != null && type != PodSpec.SeccompProfile.Type.LOCALHOST && !local.isEmpty()) {
            d.error(s.valueLoc("localhostProfile"), s.at("localhostProfile"),
                    "may only be set when type is Localhost");
        } else if (!local.isEmpty()) {
            checkRelative(s.valueLoc("localhostProfile"), s.at("localhostProfile"), local);
        }
        s.finish();
        return type == null ? Optional.empty() : Optional.of(new PodSpec.SeccompProfile(type, local,
                local.isEmpty() ? null : d.at(s.valueLoc("localhostProfile")), s.at("localhostProfile")));
    }

    // ---- small helpers ----

    private Optional<PodSpec.DnsConfig> dnsConfig(Obj c) {
        if (c == null) {
            return Optional.empty();
        }
        List<String> ns = new ArrayList<>();
        for (Obj.Item it : c.list("nameservers")) {
            String v = Obj.asString(it.node(), it.path(), d);
            if (v != null && !isIp(v)) {
                d.error(it.node().loc(), it.path(), "invalid value " + Names.quote(v) + ": must be an IP address");
            } else if (v != null) {
                ns.add(v);
            }
        }
        if (ns.size() > 3) {
            d.error(c.valueLoc("nameservers"), c.at("nameservers"), "must not have more than 3 nameservers");
        }
        List<String> searches = c.strList("searches");
        List<PodSpec.DnsOption> options = new ArrayList<>();
        for (Obj.Item it : c.list("options")) {
            Obj o = Obj.of(it.node(), it.path(), d);
            if (o == null) {
                continue;
            }
            String name = o.reqStr("name");
            String value = o.str("value", "");
            o.finish();
            options.add(new PodSpec.DnsOption(name == null ? "" : name, value));
        }
        c.finish();
        return Optional.of(new PodSpec.DnsConfig(ns, searches, options));
    }

    private String label(Obj s, String key) {
        String v = s.str(key, "");
        if (!v.isEmpty()) {
            check(s.valueLoc(key), s.at(key), Names.dnsLabel(v));
        }
        return v;
    }

    /** Reports {@code problem} when non-null; true when it did. */
    private boolean check(Loc at, String path, String problem) {
        if (problem != null) {
            d.error(at, path, problem);
            return true;
        }
        return false;
    }

    /** The keys among {@code keys} present in {@code o}, in the order written. */
    private static List<String> present(Obj o, String... keys) {
        Set<String> wanted = Set.of(keys);
        List<String> out = new ArrayList<>();
        for (Entry e : o.map.entries().values()) {
            if (wanted.contains(e.key()) && !(e.value() instanceof Scalar s && s.isNothing())) {
                out.add(e.key());
            }
        }
        o.known(keys);
        return out;
    }

    <E> E enumValue(Obj o, String key, E[] values, Function<E, String> spelling, E dflt) {
        Node n = o.node(key);
        if (n == null) {
            return dflt;
        }
        String text = Obj.asString(n, o.at(key), d);
        if (text == null || text.isEmpty()) {
            return dflt;
        }
        for (E v : values) {
            if (spelling.apply(v).equals(text)) {
                return v;
            }
        }
        d.error(n.loc(), o.at(key), unsupported(text, values, spelling));
        return dflt;
    }

    static <E> String unsupported(String text, E[] values, Function<E, String> spelling) {
        StringBuilder b = new StringBuilder("unsupported value ").append(Names.quote(text)).append(": supported values: ");
        for (int i = 0; i < values.length; i++) {
            b.append(i == 0 ? "" : ", ").append(Names.quote(spelling.apply(values[i])));
        }
        return b.toString();
    }

    static boolean isIp(String s) {
        // Only literal addresses: InetAddress would resolve a host name.
        if (s.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")) {
            for (String part : s.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    return false;
                }
            }
            return true;
        }
        if (s.contains(":") && s.matches("[0-9A-Fa-f:.]+")) {
            try {
                InetAddress.getByName(s);
                return true;
            } catch (java.net.UnknownHostException e) {
                return false;
            }
        }
        return false;
    }
}
