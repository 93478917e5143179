package dev.podlab.core.container;

import dev.podlab.core.cgroup.CgroupManagers;

import java.nio.file.Path;
import java.util.List;

/** Started as its own JVM by a test: starts a container detached, prints its id, exits. */
public final class DetachedStarter {
    private DetachedStarter() {}

    public static void main(String[] args) {
        var engine = new ContainerEngine(new EngineConfig(Path.of(args[0]), CgroupManagers.host(), args[1]));
        ContainerRecord r = engine.run(ContainerConfig.builder(Path.of(args[2]), List.of("sleep", "300")).build());
        System.out.println(r.id());
    }
}
