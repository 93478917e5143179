package dev.podlab.core.image.run;

import dev.podlab.core.container.InvalidConfigException;
import dev.podlab.core.image.oci.ImageConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * How an image's config becomes a container's process, with docker's precedence: the
 * user's entrypoint and command replace the image's, the user's environment comes after
 * the image's (so it wins), an explicit working directory or user wins.
 */
public final class ImageDefaults {
    private ImageDefaults() {}

    /** What the user typed; nulls and empty lists mean "use the image's". */
    public record Overrides(List<String> entrypoint, List<String> command, String workingDir, String user) {}

    /** The resolved process. */
    public record Process(List<String> args, List<String> env, String workingDir, String user) {}

    public static Process apply(ImageConfig image, Overrides o, String imageName) {
        ImageConfig.Config c = image.config() != null ? image.config()
                : new ImageConfig.Config(null, null, null, null, null, null, null, null, null);
        List<String> entrypoint = o.entrypoint() != null ? o.entrypoint()
                : c.entrypoint() != null ? c.entrypoint() : List.of();
        List<String> cmd = o.command() != null && !o.command().isEmpty() ? o.command()
                // docker: a new entrypoint resets the image's Cmd
                : o.entrypoint() != null ? List.of() : c.cmd() != null ? c.cmd() : List.of();
        List<String> args = new ArrayList<>(entrypoint);
        args.addAll(cmd);
        if (args.isEmpty()) {
            throw new InvalidConfigException("failed to create container from " + imageName
                    + ": the image has no Entrypoint or Cmd and no command was given");
        }
        String wd = o.workingDir() != null ? o.workingDir()
                : c.workingDir() != null && !c.workingDir().isEmpty() ? c.workingDir() : "/";
        String user = o.user() != null ? o.user() : c.user();
        return new Process(List.copyOf(args), c.env() != null ? List.copyOf(c.env()) : List.of(), wd, user);
    }
}
