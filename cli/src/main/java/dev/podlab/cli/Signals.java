package dev.podlab.cli;

import dev.podlab.core.container.InvalidConfigException;

import java.util.List;
import java.util.Locale;

/** Linux x86-64 signal numbers by name. */
final class Signals {
    private static final List<String> NAMES = List.of("", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE",
            "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN",
            "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS");

    private Signals() {}

    static int parse(String s) {
        String n = s.toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) {
            n = n.substring(3);
        }
        int i = NAMES.indexOf(n);
        if (i > 0) {
            return i;
        }
        try {
            int v = Integer.parseInt(n);
            if (v > 0 && v < 65) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new InvalidConfigException("failed to parse signal \"" + s + "\": expected a name like TERM or a number 1-64");
    }
}
