package dev.podlab.cri;

import dev.podlab.core.net.DnsConfig;
import dev.podlab.core.net.DnsPolicy;
import dev.podlab.core.net.PortMapping;
import dev.podlab.core.pod.SandboxSpec;
import dev.podlab.cri.v1.NamespaceMode;
import dev.podlab.cri.v1.PodSandboxConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A kubelet's {@code PodSandboxConfig} as podlab's {@link SandboxSpec}, validated. */
final class SandboxConfigs {
    private SandboxConfigs() {}

    static SandboxSpec toSpec(PodSandboxConfig c, String runtimeHandler, List<String> warnings) {
        if (!c.hasMetadata() || c.getMetadata().getName().isEmpty()) {
            throw new CriArgumentException("failed to run pod sandbox: metadata.name is required");
        }
        var md = c.getMetadata();
        var nsOpts = c.getLinux().getSecurityContext().getNamespaceOptions();
        boolean hostNetwork = nsOpts.getNetwork() == NamespaceMode.NODE;
        boolean hostPid = nsOpts.getPid() == NamespaceMode.NODE;
        boolean hostIpc = nsOpts.getIpc() == NamespaceMode.NODE;
        if (!hostNetwork && c.getHostname().isEmpty()) {
            warnings.add("sandbox: no hostname given; using the pod name " + md.getName());
        }
        if (!c.getLogDirectory().isEmpty() && !c.getLogDirectory().startsWith("/")) {
            throw new CriArgumentException("failed to run pod sandbox " + md.getName() + ": log_directory \""
                    + c.getLogDirectory() + "\" is not an absolute path");
        }
        Translate.checkSysctls(c.getLinux().getSysctlsMap());
        if (!c.getLinux().getSysctlsMap().isEmpty()) {
            warnings.add("sandbox: sysctls " + c.getLinux().getSysctlsMap().keySet() + " are not applied yet");
        }
        List<PortMapping> ports = new ArrayList<>();
        for (var p : c.getPortMappingsList()) {
            if (p.getHostPort() == 0) {
                continue;
            }
            try {
                ports.add(new PortMapping(p.getHostPort(), p.getContainerPort(),
                        p.getProtocol().name().toLowerCase(Locale.ROOT), p.getHostIp()));
            } catch (IllegalArgumentException e) {
                throw new CriArgumentException("failed to run pod sandbox " + md.getName() + ": " + e.getMessage());
            }
        }
        // kubelet computes the pod's DNS itself: whatever it sends is the whole resolv.conf; nothing means the host's.
        DnsPolicy policy = DnsPolicy.DEFAULT;
        DnsConfig dns = DnsConfig.EMPTY;
        if (c.hasDnsConfig() && (c.getDnsConfig().getServersCount() > 0 || c.getDnsConfig().getSearchesCount() > 0
                || c.getDnsConfig().getOptionsCount() > 0)) {
            for (String s : c.getDnsConfig().getServersList()) {
                if (s.isBlank() || s.chars().anyMatch(ch -> Character.isWhitespace(ch))) {
                    throw new CriArgumentException("failed to run pod sandbox " + md.getName()
                            + ": DNS server \"" + Translate.printable(s) + "\" is not an address");
                }
            }
            for (String s : c.getDnsConfig().getSearchesList()) {
                if (s.isBlank() || s.chars().anyMatch(ch -> Character.isWhitespace(ch))) {
                    throw new CriArgumentException("failed to run pod sandbox " + md.getName()
                            + ": DNS search domain \"" + Translate.printable(s) + "\" holds whitespace");
                }
            }
            List<DnsConfig.Option> options = new ArrayList<>();
            for (String o : c.getDnsConfig().getOptionsList()) {
                if (o.isBlank() || o.chars().anyMatch(ch -> Character.isWhitespace(ch))) {
                    throw new CriArgumentException("failed to run pod sandbox " + md.getName()
                            + ": DNS option \"" + Translate.printable(o) + "\" holds whitespace");
                }
                options.add(DnsConfig.Option.parse(o));
            }
            policy = DnsPolicy.NONE;
            dns = new DnsConfig(c.getDnsConfig().getServersList(), c.getDnsConfig().getSearchesList(), options);
        }
        String parent = c.getLinux().getCgroupParent();
        try {
            return new SandboxSpec(md.getName(), md.getNamespace(), md.getUid(), md.getAttempt(), c.getHostname(),
                    null, c.getLogDirectory().isEmpty() ? null : c.getLogDirectory(), policy, dns, List.of(), ports,
                    hostNetwork, hostPid, hostIpc, c.getLabelsMap(), c.getAnnotationsMap(),
                    parent.isEmpty() ? null : parent, Translate.resources(c.getLinux().getResources()), "cri",
                    runtimeHandler);
        } catch (IllegalArgumentException e) {
            throw new CriArgumentException("failed to run pod sandbox " + md.getName() + ": " + e.getMessage());
        }
    }
}
