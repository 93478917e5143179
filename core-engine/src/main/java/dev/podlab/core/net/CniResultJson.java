package dev.podlab.core.net;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Translates the CNI result wire format (spec 0.3.0 to 1.0.0) into {@link CniResult}. */
final class CniResultJson {

    private CniResultJson() {
    }

    static CniResult read(JsonNode n) {
        List<CniResult.Interface> ifs = new ArrayList<>();
        for (JsonNode i : n.path("interfaces")) {
            ifs.add(new CniResult.Interface(text(i, "name"), text(i, "mac"), text(i, "sandbox")));
        }
        List<CniResult.IpConfig> ips = new ArrayList<>();
        for (JsonNode ip : n.path("ips")) {
            ips.add(new CniResult.IpConfig(text(ip, "address"), text(ip, "gateway"),
                    ip.has("interface") ? ip.get("interface").asInt() : -1));
        }
        List<CniResult.Route> routes = new ArrayList<>();
        for (JsonNode r : n.path("routes")) {
            routes.add(new CniResult.Route(text(r, "dst"), text(r, "gw")));
        }
        JsonNode d = n.path("dns");
        CniResult.Dns dns = new CniResult.Dns(strings(d.path("nameservers")), text(d, "domain"),
                strings(d.path("search")), strings(d.path("options")));
        return new CniResult(text(n, "cniVersion"), ifs, ips, routes, dns);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }
}
