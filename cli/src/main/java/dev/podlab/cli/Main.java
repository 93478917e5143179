package dev.podlab.cli;

import dev.podlab.api.ApiStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import dev.podlab.core.PodlabException;
import dev.podlab.core.container.ContainerException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code podlab} command: parses, then hands over to one subcommand class per verb. */
@Command(name = "podlab",
        mixinStandardHelpOptions = true,
        scope = CommandLine.ScopeType.INHERIT, // so that every verb takes --help as well
        versionProvider = VersionProvider.class,
        description = "A Linux container workbench: run containers and pods on swappable engines, and see every step.",
        subcommands = {
                EngineCommand.class, RunCommand.class, PsCommand.class, LogsCommand.class, ExecCommand.class, AttachCommand.class, StopCommand.class,
                KillCommand.class, RmCommand.class, InspectCommand.class, PullCommand.class, ImagesCommand.class,
                ImageCommand.class, LoginCommand.class, LogoutCommand.class, SamplesCommand.class, DiffCommand.class, DemoCommand.class, DoctorCommand.class,
                EventsCommand.class, StatsCommand.class, InfoCommand.class, RuntimesCommand.class, TuiCommand.class, GuiCommand.class,
                PlayCommand.class, DownCommand.class, PodsCommand.class, GetCommand.class, DescribeCommand.class,
                TraceCommand.class, SwapCommand.class, CompareCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * The root command with only the verb this invocation names: picocli builds its model by reflection over
     * every registered command (and loads every class their signatures mention), so a client command that
     * registers one verb instead of thirty starts measurably faster. Help, completion and man pages use the
     * full tree (when no known verb comes first).
     */
    @Command(name = "podlab", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
            versionProvider = VersionProvider.class)
    static final class SingleVerb implements Runnable {
        @Override
        public void run() {
            // Never reached: a subcommand is always given.
        }
    }

    private static CommandLine commandLine(String... args) {
        Class<?> verb = args.length > 0 ? verbClass(args[0]) : null;
        if (verb != null) {
            Command c = verb.getAnnotation(Command.class);
            CommandLine root = new CommandLine(new SingleVerb());
            root.addSubcommand(c.name(), new CommandLine(verb), c.aliases());
            return root;
        }
        return new CommandLine(new Main());
    }

    /**
     * The class of verb {@code name} by the naming rule every verb follows ({@code ps} is {@code PsCommand}),
     * or null. Looked up by name because reading {@link Main}'s subcommand list loads all thirty classes
     * ({@code MainTest} checks that the rule finds every registered verb and nothing else).
     */
    static Class<?> verbClass(String name) {
        if (name.isEmpty() || !name.chars().allMatch(ch -> ch >= 'a' && ch <= 'z')) {
            return null;
        }
        try {
            Class<?> c = Class.forName(Main.class.getPackageName() + "." + Character.toUpperCase(name.charAt(0))
                    + name.substring(1) + "Command", false, Main.class.getClassLoader());
            Command command = c.getAnnotation(Command.class);
            return command != null && command.name().equals(name) ? c : null;
        } catch (ClassNotFoundException e) {
            return null;
        }
    }

    /** Runs the CLI and returns its exit status (tests call this instead of main). */
    public static int execute(String... args) {
        CommandLine cl = commandLine(args);
        // As with docker: everything after the command's first word belongs to the command.
        for (String verb : new String[] {"run", "exec"}) {
            if (cl.getSubcommands().containsKey(verb)) {
                cl.getSubcommands().get(verb).setStopAtPositional(true);
            }
        }
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("podlab: " + oneLine(ex));
            if (ex instanceof ContainerException ce) {
                return ce.exitCode();
            }
            if (ex instanceof StatusRuntimeException se) {
                return ApiStatus.exitCode(se);
            }
            return 125;
        });
        try {
            return cl.execute(args);
        } finally {
            EngineOptions.closeClients();
        }
    }

    static String oneLine(Throwable ex) {
        if (ex instanceof StatusRuntimeException se) {
            if (se.getStatus().getCode() == Status.Code.UNAVAILABLE) {
                return "failed to reach the podlab engine: " + ApiStatus.message(se)
                        + " (is it running? podlab engine starts it in the foreground)";
            }
            // Manifest errors come one per line (file:line:column: path: problem): keep them so.
            return ApiStatus.message(se);
        }
        String m = ex instanceof PodlabException ? ex.getMessage() : PodlabException.describe(ex);
        return m == null ? ex.toString() : m.replace('\n', ' ');
    }
}
