package dev.podlab.core.net;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of resolv.conf podlab reads and writes (resolv.conf(5)): nameservers, the search list (a {@code domain}
 * line counts as a one-entry search list when there is no {@code search} line), options.
 */
public record ResolvConf(List<String> nameservers, List<String> searches, List<DnsConfig.Option> options) {

    public ResolvConf {
        nameservers = List.copyOf(nameservers);
        searches = List.copyOf(searches);
        options = List.copyOf(options);
    }

    public static ResolvConf parse(String text) {
        List<String> servers = new ArrayList<>();
        List<String> searches = null;
        String domain = null;
        List<DnsConfig.Option> options = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String[] f = line.split("\\s+");
            switch (f[0]) {
                case "nameserver" -> {
                    if (f.length > 1) {
                        servers.add(f[1]);
                    }
                }
                // The last search or domain line wins, as in glibc.
                case "search" -> searches = List.of(f).subList(1, f.length);
                case "domain" -> {
                    if (f.length > 1) {
                        domain = f[1];
                        searches = null;
                    }
                }
                case "options" -> {
                    for (int i = 1; i < f.length; i++) {
                        options.add(DnsConfig.Option.parse(f[i]));
                    }
                }
                default -> {
                    // sortlist and unknown keywords: not carried into pods
                }
            }
        }
        if (searches == null) {
            searches = domain == null ? List.of() : List.of(domain);
        }
        return new ResolvConf(servers, searches, options);
    }

    public String render() {
        StringBuilder b = new StringBuilder();
        if (!searches.isEmpty()) {
            b.append("search ").append(String.join(" ", searches)).append('\n');
        }
        nameservers.forEach(n -> b.append("nameserver ").append(n).append('\n'));
        if (!options.isEmpty()) {
            b.append("options ").append(String.join(" ", options.stream().map(DnsConfig.Option::toString).toList())).append('\n');
        }
        return b.toString();
    }
}
