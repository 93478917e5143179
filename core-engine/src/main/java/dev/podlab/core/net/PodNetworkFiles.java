package dev.podlab.core.net;

import dev.podlab.core.state.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a pod's {@code hosts}, {@code hostname} and {@code resolv.conf} into a pod directory, as kubelet does;
 * the controller bind-mounts them into every container at /etc/hosts, /etc/hostname and /etc/resolv.conf
 * ({@link Written#bindMounts()}).
 *
 * <p>DNS follows Kubernetes' rules: the policy gives a base (Default: the host's resolv.conf; None: nothing), the
 * pod's dnsConfig is appended (nameservers and searches without duplicates, options overriding by name), then
 * limits apply (3 nameservers, 32 search domains, 2048 characters of search list). podlab has no cluster DNS, so
 * ClusterFirst falls back to Default with a warning, as kubelet does when it has no cluster DNS configured.
 * In a pod's own network namespace the host's loopback resolvers (systemd-resolved's 127.0.0.53, a local dnsmasq)
 * answer nothing, so they are dropped with a warning; when the host's file names only 127.0.0.53, systemd-resolved's
 * list of real upstream servers is used instead.
 */
public final class PodNetworkFiles {

    public static final int MAX_NAMESERVERS = 3;
    public static final int MAX_SEARCHES = 32;
    public static final int MAX_SEARCH_CHARS = 2048;
    static final String SYSTEMD_STUB = "127.0.0.53";

    /**
     * Where the host's own files are read from.
     *
     * @param resolvConf        {@code /etc/resolv.conf}
     * @param systemdResolvConf {@code /run/systemd/resolve/resolv.conf} (upstream servers of systemd-resolved)
     * @param hosts             {@code /etc/hosts}, used as the base for hostNetwork pods
     * @param hostname          {@code /proc/sys/kernel/hostname}
     */
    public record HostFiles(Path resolvConf, Path systemdResolvConf, Path hosts, Path hostname) {
        public static HostFiles system() {
            return new HostFiles(Path.of("/etc/resolv.conf"), Path.of("/run/systemd/resolve/resolv.conf"),
                    Path.of("/etc/hosts"), Path.of("/proc/sys/kernel/hostname"));
        }
    }

    /**
     * What the files are made from.
     *
     * @param namespace     the pod's namespace (for the subdomain FQDN)
     * @param hostname      the pod's hostname (spec.hostname, else the pod name)
     * @param subdomain     spec.subdomain, or null
     * @param clusterDomain e.g. {@code cluster.local}
     * @param podIps        the pod's addresses (from {@link CniResult#podIps()}), may be empty for loopback-only pods
     * @param hostAliases   extra /etc/hosts entries
     * @param hostNetwork   spec.hostNetwork: the host's names and resolver are used
     * @param dnsPolicy     spec.dnsPolicy
     * @param dnsConfig     spec.dnsConfig, or {@link DnsConfig#EMPTY}
     */
    public record Request(String namespace, String hostname, String subdomain, String clusterDomain, List<String> podIps,
                          List<HostAlias> hostAliases, boolean hostNetwork, DnsPolicy dnsPolicy, DnsConfig dnsConfig) {
        public Request {
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(hostname, "hostname");
            clusterDomain = clusterDomain == null ? "cluster.local" : clusterDomain;
            podIps = List.copyOf(podIps);
            hostAliases = List.copyOf(hostAliases);
            dnsPolicy = dnsPolicy == null ? DnsPolicy.CLUSTER_FIRST : dnsPolicy;
            dnsConfig = dnsConfig == null ? DnsConfig.EMPTY : dnsConfig;
            subdomain = subdomain == null || subdomain.isEmpty() ? null : subdomain;
        }

        /** A pod with default DNS settings and no aliases. */
        public static Request of(String namespace, String hostname, List<String> podIps) {
            return new Request(namespace, hostname, null, null, podIps, List.of(), false, DnsPolicy.CLUSTER_FIRST,
                    DnsConfig.EMPTY);
        }
    }

    /**
     * The files written.
     *
     * @param warnings what the pod's report should show (fallbacks, dropped servers, limits)
     */
    public record Written(Path hosts, Path hostname, Path resolvConf, List<String> warnings) {
        public Written {
            warnings = List.copyOf(warnings);
        }

        /** Container path to host file, for the controller's bind mounts. */
        public Map<String, Path> bindMounts() {
            Map<String, Path> m = new LinkedHashMap<>();
            m.put("/etc/hosts", hosts);
            m.put("/etc/hostname", hostname);
            m.put("/etc/resolv.conf", resolvConf);
            return m;
        }
    }

    /** The resolv.conf content and the warnings on the way to it. */
    public record Dns(ResolvConf resolvConf, List<String> warnings) {
        public Dns {
            warnings = List.copyOf(warnings);
        }
    }

    private final HostFiles host;

    private PodNetworkFiles(HostFiles host) {
        this.host = host;
    }

    public static PodNetworkFiles open(HostFiles host) {
        return new PodNetworkFiles(host);
    }

    /** Writes {@code hosts}, {@code hostname} and {@code resolv.conf} into {@code podDir} (atomically, mode 0644). */
    public Written write(Path podDir, Request r) {
        Dns dns = dns(r);
        List<String> warnings = warnings(r, dns);
        Path hosts = podDir.resolve("hosts");
        Path hostname = podDir.resolve("hostname");
        Path resolv = podDir.resolve("resolv.conf");
        try {
            Files.createDirectories(podDir);
            put(hosts, hosts(r));
            put(hostname, hostname(r) + "\n");
            put(resolv, dns.resolvConf().render());
        } catch (IOException e) {
            throw new NetworkException("write", "network files of pod " + r.namespace() + "/" + r.hostname()
                    + " in " + podDir, e.toString(), e);
        }
        return new Written(hosts, hostname, resolv, warnings);
    }

    /**
     * Rewrites {@code hosts} of a pod directory {@link #write} filled before the pod had its address, in place: the
     * file may be bind-mounted into created containers already, and a bind mount holds the inode, so the file is
     * truncated and written rather than replaced. Call it before any container starts (a reader in between could
     * see it half-written).
     *
     * @return the files, with the warnings {@link #write} would give for {@code r}
     */
    public Written updateHosts(Path podDir, Request r) {
        Dns dns = dns(r);
        Path hosts = podDir.resolve("hosts");
        try {
            Files.writeString(hosts, hosts(r), StandardCharsets.UTF_8, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new NetworkException("update", "hosts file of pod " + r.namespace() + "/" + r.hostname()
                    + " in " + podDir, e.toString(), e);
        }
        return new Written(hosts, podDir.resolve("hostname"), podDir.resolve("resolv.conf"), warnings(r, dns));
    }

    private static List<String> warnings(Request r, Dns dns) {
        List<String> warnings = new ArrayList<>(dns.warnings());
        if (!r.hostNetwork() && r.podIps().isEmpty()) {
            warnings.add("the pod has no IP address: /etc/hosts does not map its hostname " + r.hostname());
        }
        return warnings;
    }

    /** The pod's /etc/hostname content (without newline): the host's for hostNetwork pods. */
    public String hostname(Request r) throws IOException {
        return r.hostNetwork() ? Files.readString(host.hostname()).strip() : r.hostname();
    }

    /** The pod's /etc/hosts content. */
    public String hosts(Request r) throws IOException {
        StringBuilder b = new StringBuilder();
        if (r.hostNetwork()) {
            // The pod shares the host's network and names: the host's file, plus the pod's aliases.
            b.append(Files.readString(host.hosts()));
            if (!b.isEmpty() && b.charAt(b.length() - 1) != '\n') {
                b.append('\n');
            }
        } else {
            b.append("# Kubernetes-managed hosts file (written by podlab).\n");
            b.append("127.0.0.1\tlocalhost\n");
            b.append("::1\tlocalhost ip6-localhost ip6-loopback\n");
            b.append("fe00::0\tip6-localnet\n");
            b.append("fe00::0\tip6-mcastprefix\n");
            b.append("fe00::1\tip6-allnodes\n");
            b.append("fe00::2\tip6-allrouters\n");
            for (String ip : r.podIps()) {
                b.append(ip).append('\t');
                if (r.subdomain() != null) {
                    b.append(r.hostname()).append('.').append(r.subdomain()).append('.').append(r.namespace())
                            .append(".svc.").append(r.clusterDomain()).append('\t');
                }
                b.append(r.hostname()).append('\n');
            }
        }
        if (!r.hostAliases().isEmpty()) {
            b.append("\n# Entries added by HostAliases.\n");
            for (HostAlias a : r.hostAliases()) {
                b.append(a.ip()).append('\t').append(String.join("\t", a.hostnames())).append('\n');
            }
        }
        return b.toString();
    }

    /** The pod's resolv.conf per its policy and dnsConfig, with the warnings to report. */
    public Dns dns(Request r) {
        List<String> warnings = new ArrayList<>();
        DnsPolicy policy = r.dnsPolicy();
        ResolvConf base;
        switch (policy) {
            case NONE -> {
                if (r.dnsConfig().nameservers().isEmpty()) {
                    throw new NetworkException("configure", "DNS of pod " + r.namespace() + "/" + r.hostname(),
                            "dnsPolicy None needs at least one dnsConfig nameserver");
                }
                base = new ResolvConf(List.of(), List.of(), List.of());
            }
            case DEFAULT -> base = hostResolv(r.hostNetwork(), warnings);
            default -> {
                // kubelet: ClusterFirst on the host network is Default, silently; otherwise it needs a cluster DNS.
                boolean clusterWanted = !r.hostNetwork() || policy == DnsPolicy.CLUSTER_FIRST_WITH_HOST_NET;
                if (clusterWanted) {
                    warnings.add("dnsPolicy " + policy.manifestName() + ": podlab runs no cluster DNS, so the pod uses"
                            + " the host's resolver settings (as dnsPolicy Default)");
                }
                base = hostResolv(r.hostNetwork(), warnings);
            }
        }
        return new Dns(limit(merge(base, r.dnsConfig()), warnings), warnings);
    }

    private ResolvConf hostResolv(boolean hostNetwork, List<String> warnings) {
        ResolvConf conf = read(host.resolvConf(), warnings);
        if (hostNetwork) {
            return conf; // the host's loopback resolver is reachable from the host's network namespace
        }
        if (conf.nameservers().equals(List.of(SYSTEMD_STUB)) && Files.isRegularFile(host.systemdResolvConf())) {
            ResolvConf upstream = read(host.systemdResolvConf(), warnings);
            // Keep the stub's search list and options: the upstream file lists the same domains.
            conf = new ResolvConf(upstream.nameservers(), upstream.searches().isEmpty() ? conf.searches() : upstream.searches(),
                    conf.options());
        }
        List<String> usable = new ArrayList<>();
        for (String ns : conf.nameservers()) {
            if (isLoopback(ns)) {
                warnings.add("nameserver " + ns + " from " + host.resolvConf() + " is a loopback address that does not"
                        + " answer inside the pod's network namespace; left out");
            } else {
                usable.add(ns);
            }
        }
        if (usable.isEmpty() && !conf.nameservers().isEmpty()) {
            warnings.add("no usable nameserver left from the host's resolver settings: name lookups in the pod will fail"
                    + " (set dnsConfig.nameservers)");
        }
        return new ResolvConf(usable, conf.searches(), conf.options());
    }

    private static ResolvConf read(Path file, List<String> warnings) {
        try {
            return ResolvConf.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            warnings.add(file + " does not exist: the pod gets no nameserver from the host");
            return new ResolvConf(List.of(), List.of(), List.of());
        } catch (IOException e) {
            throw new NetworkException("read", "host resolver settings " + file, e.toString(), e);
        }
    }

    static boolean isLoopback(String address) {
        return address.startsWith("127.") || address.equals("::1") || address.equalsIgnoreCase("0:0:0:0:0:0:0:1");
    }

    /** Kubernetes' appendDNSConfig: servers and searches appended without duplicates, options overridden by name. */
    static ResolvConf merge(ResolvConf base, DnsConfig extra) {
        List<String> servers = List.copyOf(new LinkedHashSet<>(concat(base.nameservers(), extra.nameservers())));
        List<String> searches = List.copyOf(new LinkedHashSet<>(concat(base.searches(), extra.searches())));
        Map<String, DnsConfig.Option> options = new LinkedHashMap<>();
        base.options().forEach(o -> options.put(o.name(), o));
        extra.options().forEach(o -> options.put(o.name(), o));
        return new ResolvConf(servers, searches, List.copyOf(options.values()));
    }

    /** Kubernetes' limits: 3 nameservers (glibc reads no more), 32 search domains and 2048 characters of them. */
    static ResolvConf limit(ResolvConf c, List<String> warnings) {
        List<String> servers = c.nameservers();
        if (servers.size() > MAX_NAMESERVERS) {
            servers = servers.subList(0, MAX_NAMESERVERS);
            warnings.add("nameserver limit (" + MAX_NAMESERVERS + ") exceeded: using " + String.join(" ", servers)
                    + ", left out " + String.join(" ", c.nameservers().subList(MAX_NAMESERVERS, c.nameservers().size())));
        }
        List<String> searches = new ArrayList<>();
        int chars = 0;
        for (String s : c.searches()) {
            int next = chars + (searches.isEmpty() ? 0 : 1) + s.length();
            if (searches.size() == MAX_SEARCHES || next > MAX_SEARCH_CHARS) {
                break;
            }
            searches.add(s);
            chars = next;
        }
        if (searches.size() < c.searches().size()) {
            warnings.add("search list limits (" + MAX_SEARCHES + " domains, " + MAX_SEARCH_CHARS + " characters) exceeded: "
                    + (c.searches().size() - searches.size()) + " search domains left out");
        }
        return new ResolvConf(servers, searches, c.options());
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static void put(Path file, String content) throws IOException {
        // Not durable: the pod directory under the run root does not outlive the machine.
        AtomicFiles.write(file, content.getBytes(StandardCharsets.UTF_8), false);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
}
