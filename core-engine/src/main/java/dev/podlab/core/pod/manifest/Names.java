package dev.podlab.core.pod.manifest;

import java.util.regex.Pattern;

/**
 * Kubernetes' name rules, each returning null when the value is fine or the problem text
 * ({@code invalid value "Web": ...}) for the report.
 */
final class Names {
    private static final String LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final Pattern DNS_LABEL = Pattern.compile(LABEL);
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile(LABEL + "(\\." + LABEL + ")*");
    private static final Pattern IANA_SVC = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern HAS_LETTER = Pattern.compile(".*[a-z].*");
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
    private static final Pattern CONFIG_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final Pattern CAPABILITY = Pattern.compile("[A-Z][A-Z0-9_]*");
    private static final Pattern HTTP_TOKEN = Pattern.compile("[-A-Za-z0-9!#$%&'*+.^_`|~]+");
    private static final Pattern SYSCTL_NAME = Pattern.compile("[a-z0-9]([-_a-z0-9]*[a-z0-9])?([./][a-z0-9]([-_a-z0-9]*[a-z0-9])?)*");

    private Names() {}

    static String dnsLabel(String s) {
        if (s.length() > 63 || !DNS_LABEL.matcher(s).matches()) {
            return "invalid value " + quote(s) + ": must be a DNS-1123 label (at most 63 lower-case letters, "
                    + "digits and '-', starting and ending with a letter or digit)";
        }
        return null;
    }

    static String dnsSubdomain(String s) {
        if (s.length() > 253 || !DNS_SUBDOMAIN.matcher(s).matches()) {
            return "invalid value " + quote(s) + ": must be a DNS-1123 subdomain (lower-case letters, digits, "
                    + "'-' and '.', starting and ending with a letter or digit)";
        }
        for (String l : s.split("\\.")) {
            if (l.length() > 63) {
                return "invalid value " + quote(s) + ": each part of a DNS-1123 subdomain is at most 63 characters";
            }
        }
        return null;
    }

    /** IANA_SVC_NAME: port names. */
    static String portName(String s) {
        if (s.length() > 15 || !IANA_SVC.matcher(s).matches() || !HAS_LETTER.matcher(s).matches() || s.contains("--")) {
            return "invalid value " + quote(s) + ": must be an IANA_SVC_NAME (at most 15 lower-case letters, digits "
                    + "and '-', at least one letter, no '--', not starting or ending with '-')";
        }
        return null;
    }

    static String envName(String s) {
        if (!ENV_NAME.matcher(s).matches()) {
            return "invalid value " + quote(s) + ": an environment variable name consists of letters, digits, "
                    + "'_', '-' and '.', and must not start with a digit";
        }
        return null;
    }

    static boolean isEnvName(String s) {
        return ENV_NAME.matcher(s).matches();
    }

    static String configKey(String s) {
        if (s.length() > 253 || !CONFIG_KEY.matcher(s).matches()) {
            return "invalid value " + quote(s) + ": a key consists of letters, digits, '-', '_' and '.'";
        }
        if (s.equals(".") || s.equals("..") || s.startsWith("..")) {
            return "invalid value " + quote(s) + ": a key must not be '.' or start with '..'";
        }
        return null;
    }

    static String labelKey(String s) {
        String name = s;
        int slash = s.lastIndexOf('/');
        if (slash >= 0) {
            String prefix = s.substring(0, slash);
            name = s.substring(slash + 1);
            if (prefix.isEmpty() || dnsSubdomain(prefix) != null) {
                return "invalid label key " + quote(s) + ": the prefix must be a DNS-1123 subdomain";
            }
        }
        if (name.length() > 63 || !QUALIFIED_NAME.matcher(name).matches()) {
            return "invalid label key " + quote(s) + ": the name part must be at most 63 letters, digits, '-', "
                    + "'_' and '.', starting and ending with a letter or digit";
        }
        return null;
    }

    static String labelValue(String s) {
        if (s.length() > 63 || !LABEL_VALUE.matcher(s).matches()) {
            return "invalid label value " + quote(s) + ": at most 63 letters, digits, '-', '_' and '.', "
                    + "starting and ending with a letter or digit";
        }
        return null;
    }

    static String capability(String s) {
        if (!CAPABILITY.matcher(s).matches()) {
            return "invalid value " + quote(s) + ": a capability name such as NET_ADMIN or ALL";
        }
        return null;
    }

    static String httpHeaderName(String s) {
        if (!HTTP_TOKEN.matcher(s).matches()) {
            return "invalid value " + quote(s) + ": not a valid HTTP header name";
        }
        return null;
    }

    static boolean isSysctlName(String s) {
        return s.length() <= 253 && SYSCTL_NAME.matcher(s).matches();
    }

    /** {@code s} in double quotes with escapes (the configuration file's errors quote values the same way). */
    static String quote(String s) {
        return dev.podlab.core.config.Quoting.quote(s);
    }
}
