package dev.podlab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a fish completion script for {@code podlab} from the picocli model: one {@code complete} line per
 * subcommand and per option, each guarded by the subcommand path it belongs to. picocli generates bash (and
 * zsh through bashcompinit) itself; fish needs its own format. The build runs {@link #main} to make
 * {@code podlab.fish} for the package.
 */
public final class FishCompletion {
    private FishCompletion() {}

    /** {@code FishCompletion [FILE]}: the script for {@link Main}, to FILE or stdout. */
    public static void main(String[] args) throws IOException {
        String script = generate(new CommandLine(new Main()).getCommandSpec());
        if (args.length == 0) {
            System.out.print(script);
        } else {
            Path out = Path.of(args[0]);
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            Files.writeString(out, script, StandardCharsets.UTF_8);
        }
    }

    /** The whole script for {@code root} (named by its command name). */
    public static String generate(CommandSpec root) {
        StringBuilder sb = new StringBuilder();
        String cmd = root.name();
        sb.append("# fish completion for ").append(cmd).append(", generated from its picocli definitions.\n");
        walk(sb, cmd, root, List.of());
        return sb.toString();
    }

    private static void walk(StringBuilder sb, String cmd, CommandSpec spec, List<String> path) {
        String here = condition(spec, path);
        for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
            CommandSpec sub = e.getValue().getCommandSpec();
            if (sub.usageMessage().hidden() || !e.getKey().equals(sub.name())) {
                continue; // aliases are listed once, under the command's own name
            }
            sb.append("complete -c ").append(cmd).append(" -f -n ").append(quote(here))
                    .append(" -a ").append(quote(sub.name()))
                    .append(describe(sub.usageMessage().description())).append('\n');
        }
        for (OptionSpec o : spec.options()) {
            if (o.hidden()) {
                continue;
            }
            sb.append("complete -c ").append(cmd).append(" -n ").append(quote(here));
            for (String name : o.names()) {
                if (name.startsWith("--")) {
                    sb.append(" -l ").append(name.substring(2));
                } else if (name.length() == 2) {
                    sb.append(" -s ").append(name.substring(1));
                } else {
                    sb.append(" -o ").append(name.substring(1));
                }
            }
            if (o.arity().max() > 0 && !o.typeInfo().isBoolean()) {
                List<String> candidates = new ArrayList<>();
                if (o.completionCandidates() != null) {
                    o.completionCandidates().forEach(candidates::add);
                }
                // A value is required; offer the known ones, else let fish complete file names.
                sb.append(candidates.isEmpty() ? " -r" : " -x -a " + quote(String.join(" ", candidates)));
            }
            sb.append(describe(o.description())).append('\n');
        }
        for (Map.Entry<String, CommandLine> e : spec.subcommands().entrySet()) {
            CommandSpec sub = e.getValue().getCommandSpec();
            if (!sub.usageMessage().hidden() && e.getKey().equals(sub.name())) {
                List<String> next = new ArrayList<>(path);
                next.add(sub.name());
                walk(sb, cmd, sub, next);
            }
        }
    }

    /**
     * The fish condition for "the command line is at {@code path} and no subcommand of it was typed yet";
     * for the root that is fish's own {@code __fish_use_subcommand}.
     */
    static String condition(CommandSpec spec, List<String> path) {
        List<String> parts = new ArrayList<>();
        if (path.isEmpty()) {
            parts.add("__fish_use_subcommand");
        } else {
            for (String p : path) {
                parts.add("__fish_seen_subcommand_from " + p);
            }
            List<String> subs = spec.subcommands().keySet().stream().toList();
            if (!subs.isEmpty()) {
                parts.add("not __fish_seen_subcommand_from " + String.join(" ", subs));
            }
        }
        return String.join("; and ", parts);
    }

    private static String describe(String[] description) {
        if (description == null || description.length == 0 || description[0].isBlank()) {
            return "";
        }
        String first = description[0].replace("%n", " ").replaceAll("\\$\\{[^}]*}", "").replaceAll("\\s+", " ").strip();
        int dot = first.indexOf(". ");
        if (dot > 0) {
            first = first.substring(0, dot);
        }
        if (first.endsWith(".")) {
            first = first.substring(0, first.length() - 1).strip();
        }
        return " -d " + quote(first);
    }

    /** A fish single-quoted string: only backslash and the quote itself are special inside. */
    static String quote(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
