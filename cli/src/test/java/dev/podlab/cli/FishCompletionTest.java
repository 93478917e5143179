package dev.podlab.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class FishCompletionTest {

    enum Mode { fast, slow }

    @Command(name = "leaf", description = "Does the leaf's job. More text here.")
    static final class Leaf implements Runnable {
        @Option(names = {"-m", "--mode"}, description = "How: ${COMPLETION-CANDIDATES}.") Mode mode;
        @Option(names = "--file", description = "A file") String file;
        @Option(names = "--quiet", description = "Say nothing") boolean quiet;
        @Option(names = "--secret", hidden = true) String secret;
        public void run() {}
    }

    @Command(name = "group", description = "It's a group", subcommands = Leaf.class)
    static final class Group implements Runnable {
        public void run() {}
    }

    @Command(name = "tool", subcommands = Group.class, mixinStandardHelpOptions = true)
    static final class Tool implements Runnable {
        public void run() {}
    }

    @Test
    void completesNestedSubcommandsAndOptionValuesAndQuotesForFish() {
        List<String> lines = FishCompletion.generate(new CommandLine(new Tool()).getCommandSpec()).lines().toList();
        assertThat(lines).contains(
                "complete -c tool -f -n '__fish_use_subcommand' -a 'group' -d 'It\\'s a group'",
                "complete -c tool -n '__fish_use_subcommand' -s h -l help -d 'Show this help message and exit'",
                "complete -c tool -f -n '__fish_seen_subcommand_from group; and not __fish_seen_subcommand_from leaf'"
                        + " -a 'leaf' -d 'Does the leaf\\'s job'",
                "complete -c tool -n '__fish_seen_subcommand_from group; and __fish_seen_subcommand_from leaf'"
                        + " -s m -l mode -x -a 'fast slow' -d 'How: fast, slow'",
                "complete -c tool -n '__fish_seen_subcommand_from group; and __fish_seen_subcommand_from leaf'"
                        + " -l file -r -d 'A file'",
                "complete -c tool -n '__fish_seen_subcommand_from group; and __fish_seen_subcommand_from leaf'"
                        + " -l quiet -d 'Say nothing'");
        assertThat(lines).noneMatch(l -> l.contains("secret"));
    }

    @Test
    void everyPodlabSubcommandIsOffered() {
        String script = FishCompletion.generate(new CommandLine(new Main()).getCommandSpec());
        for (String sub : new CommandLine(new Main()).getSubcommands().keySet()) {
            assertThat(script).contains("-n '__fish_use_subcommand' -a '" + sub + "'");
        }
        assertThat(script).contains("__fish_seen_subcommand_from image; and __fish_seen_subcommand_from layers");
    }

    @Test
    void buildInfoFallsBackToUnknown() {
        Properties p = new Properties();
        p.setProperty("version", "1.2.3");
        p.setProperty("commit", "${podlab.git.commit}");
        p.setProperty("buildTime", "");
        assertThat(VersionProvider.BuildInfo.read(p))
                .isEqualTo(new VersionProvider.BuildInfo("1.2.3", "unknown", "unknown"));
        // the Maven build filtered the real file into the classpath
        VersionProvider.BuildInfo real = VersionProvider.buildInfo();
        assertThat(real.version()).isNotEqualTo("unknown").doesNotContain("${");
        assertThat(real.commit()).matches("[0-9a-f]{7,}|unknown");
        assertThat(new VersionProvider().getVersion()[0]).isEqualTo("podlab " + real.version());
    }
}
