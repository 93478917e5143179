package dev.podlab.cli;

import dev.podlab.core.image.registry.Credential;
import dev.podlab.core.image.registry.RegistryClient;
import dev.podlab.core.image.registry.RegistryConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

@Command(name = "login", description = "Check credentials against a registry and store them (0600) for pulls.")
final class LoginCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Option(names = {"-u", "--username"}, required = true)
    String user;

    @Option(names = "--password-stdin", description = "Read the password from standard input (recommended).")
    boolean passwordStdin;

    @Option(names = {"-p", "--password"}, description = "The password (visible in the process list: prefer --password-stdin).")
    String password;

    @Parameters(paramLabel = "REGISTRY", description = "host[:port]")
    String registry;

    @Override
    public Integer call() throws Exception {
        String pw = password;
        if (passwordStdin) {
            pw = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        if (pw == null || pw.isEmpty()) {
            throw new dev.podlab.core.image.ImageException("failed to log in to " + registry
                    + ": no password given (--password-stdin)");
        }
        var images = engine.images();
        try (RegistryClient client = new RegistryClient(RegistryConfig.defaults(), images.credentials())) {
            client.login(registry, Credential.basic(user, pw));
        }
        images.credentials().save(registry, user, pw);
        System.out.println("Login succeeded: credentials for " + registry + " saved");
        return 0;
    }
}
