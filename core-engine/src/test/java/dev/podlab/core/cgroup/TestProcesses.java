package dev.podlab.core.cgroup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Processes a host test starts, parked on {@code read x} until the test has put them into a cgroup (so
 * everything they do afterwards, exec and forks included, happens inside it). Killed in {@link #close()}.
 */
final class TestProcesses implements AutoCloseable {

    private final List<Process> started = new ArrayList<>();

    /** Starts {@code sh -c 'read x; SCRIPT'}; the script runs after {@link #release(Process)}. */
    Process parked(String script) throws IOException {
        Process process = new ProcessBuilder("sh", "-c", "read x; " + script).start();
        started.add(process);
        return process;
    }

    /** Lets a parked process go on past its {@code read}. */
    static void release(Process process) throws IOException {
        OutputStream stdin = process.getOutputStream();
        stdin.write("go\n".getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
    }

    /** Waits (at most 5 s) until the process has exec'd {@code program}. */
    static void awaitExec(Process process, String program) throws Exception {
        Path exe = Path.of("/proc", Long.toString(process.pid()), "exe");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            try {
                if (Files.readSymbolicLink(exe).getFileName().toString().equals(program)) {
                    return;
                }
            } catch (IOException stillStarting) {
                // not there yet or already gone; the deadline decides
            }
            Thread.sleep(10);
        }
        throw new AssertionError("process " + process.pid() + " did not exec " + program + " within 5 s");
    }

    @Override
    public void close() {
        for (Process process : started) {
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
