package dev.podlab.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class MainTest {

    @Test
    void everyRegisteredVerbIsFoundByItsNameAndNothingElseIs() {
        List<String> missed = new ArrayList<>();
        for (Class<?> verb : Main.class.getAnnotation(Command.class).subcommands()) {
            if (verb == CommandLine.HelpCommand.class) {
                continue;
            }
            String name = verb.getAnnotation(Command.class).name();
            if (Main.verbClass(name) != verb) {
                missed.add(name + " -> " + Main.verbClass(name));
            }
        }
        assertEquals(List.of(), missed, "verbs the naming rule does not find");
        assertNull(Main.verbClass("help"), "help needs the whole tree");
        assertNull(Main.verbClass("table"), "a word with no verb class");
        assertNull(Main.verbClass("Ps"));
        assertNull(Main.verbClass("../ps"));
        assertNull(Main.verbClass(""));
    }

    @Test
    void anUnknownWordIsAUsageErrorOfTheWholeTree() {
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        var oldOut = System.out;
        var oldErr = System.err;
        try {
            System.setOut(new java.io.PrintStream(out, true));
            System.setErr(new java.io.PrintStream(err, true));
            assertEquals(2, Main.execute("nosuchverb"));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        String text = err.toString();
        org.junit.jupiter.api.Assertions.assertTrue(text.contains("Unmatched argument") && text.contains("nosuchverb"),
                "picocli's usage error for an unknown verb: " + text);
    }

    @Test
    void everyVerbTakesHelp() {
        var out = new java.io.ByteArrayOutputStream();
        var oldOut = System.out;
        int status;
        try {
            System.setOut(new java.io.PrintStream(out, true));
            status = Main.execute("events", "--help");
        } finally {
            System.setOut(oldOut);
        }
        assertEquals(0, status);
        org.junit.jupiter.api.Assertions.assertTrue(out.toString().startsWith("Usage: podlab events ")
                && out.toString().contains("-h, --help"), "usage of the verb: " + out);
    }
}
