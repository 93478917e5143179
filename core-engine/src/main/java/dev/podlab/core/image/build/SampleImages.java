package dev.podlab.core.image.build;

import dev.podlab.core.PodlabException;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.ImageReference;
import dev.podlab.core.image.ImageStore;
import dev.podlab.core.image.store.FileContentStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * podlab's sample images, built locally from the recipes in {@code sample-pods/images/} (one JSON file per image;
 * format in that directory's README) and stored as {@code localhost/podlab/<name>:latest}.
 *
 * <pre>{@code
 * OciLayoutImageStore store = ImageStores.open(stateRoot.resolve("images"));
 * List<SampleImage> samples = SampleImages.ensure(store, SampleImages.recipesDir());
 * }</pre>
 *
 * <p>Each built image carries the label {@value #RECIPE_LABEL} = {@link SampleRecipe#inputDigest()} (the recipe
 * file plus the host files it copies, such as /bin/busybox). {@link #ensure} rebuilds an image only when it is
 * missing or that label differs, so calling it on every start is cheap (it hashes the recipes and /bin/busybox).
 * Builds are deterministic: the same recipe and busybox give the same digests on every machine.
 */
public final class SampleImages {
    private static final Logger LOG = LoggerFactory.getLogger(SampleImages.class);

    /** System property naming the recipes directory. */
    public static final String PROPERTY = "podlab.samples";
    /** Environment variable naming the recipes directory (when the property is not set). */
    public static final String ENV = "PODLAB_SAMPLES";
    /** The recipes directory relative to the repository root. */
    public static final Path REPOSITORY_PATH = Path.of("sample-pods", "images");
    /** Config label holding the recipe's input digest. */
    public static final String RECIPE_LABEL = "dev.podlab.sample.recipe-sha256";
    /** Config label holding the recipe name. */
    public static final String NAME_LABEL = "dev.podlab.sample.name";
    /** Samples are stored as {@code localhost/podlab/<name>:latest}. */
    public static final String REPOSITORY_PREFIX = "localhost/podlab/";

    private SampleImages() {}

    /** {@code localhost/podlab/<name>:latest}. */
    public static ImageReference reference(String name) {
        return ImageReference.parse(REPOSITORY_PREFIX + name + ":latest");
    }

    /** Every {@code *.json} recipe in {@code dir}, by name; ImageException for a recipe that does not check. */
    public static List<SampleRecipe> recipes(Path dir) {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            ds.forEach(files::add);
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("list sample recipes in", dir.toString(), e), e);
        }
        files.sort(null);
        return files.stream().map(SampleRecipe::read).toList();
    }

    /**
     * Builds and tags every recipe of {@code recipesDir} that is missing from {@code store} or out of date;
     * returns all of them, in name order. Fails (ImageException naming the recipe) on the first recipe that cannot
     * be read or built; images already done stay.
     */
    public static List<SampleImage> ensure(ImageStore store, Path recipesDir) {
        return recipes(recipesDir).stream().map(r -> ensure(store, r)).toList();
    }

    /** {@link #ensure(ImageStore, Path)} for one recipe. */
    public static SampleImage ensure(ImageStore store, SampleRecipe recipe) {
        ImageReference ref = reference(recipe.name());
        String want = recipe.inputDigest().toString();
        Optional<ImageRecord> existing = store.find(ref.toString());
        if (existing.isPresent() && want.equals(label(existing.get(), RECIPE_LABEL))) {
            return new SampleImage(recipe.name(), ref, existing.get(), false);
        }
        // A lease keeps a concurrent prune from taking the new blobs before the image is tagged.
        FileContentStore.Lease lease = store.content() instanceof FileContentStore f ? f.lease() : null;
        try {
            BuiltImage built = build(recipe).writeTo(store.content());
            ImageRecord record = store.tag(ref, built.target());
            LOG.info("built sample image {} ({}) from {}", ref, record.id().shortHex(), recipe.file());
            return new SampleImage(recipe.name(), ref, record, true);
        } catch (ImageException e) {
            throw new ImageException("failed to build sample image " + recipe.name() + " from " + recipe.file()
                    + ": " + e.getMessage(), e);
        } finally {
            if (lease != null) {
                lease.close();
            }
        }
    }

    /** The builder of a sample: the recipe plus the {@link #NAME_LABEL} and {@link #RECIPE_LABEL} labels. */
    public static ImageBuilder build(SampleRecipe recipe) {
        return recipe.builder()
                .label(NAME_LABEL, recipe.name())
                .label(RECIPE_LABEL, recipe.inputDigest().toString());
    }

    private static String label(ImageRecord r, String key) {
        if (r.config() == null || r.config().config() == null) {
            return null;
        }
        Map<String, String> labels = r.config().config().labels();
        return labels == null ? null : labels.get(key);
    }

    // ------------------------------------------------------------------------------------------------ locating

    /**
     * The recipes directory, looked up in this order:
     * <ol>
     * <li>the system property {@value #PROPERTY}, else the environment variable {@value #ENV}: used as given
     *     (ImageException when it is not a directory: an explicit setting that is wrong should not be ignored);
     * <li>{@code sample-pods/images} in the working directory or one of its parents (running from a checkout);
     * <li>{@code sample-pods/images} in a parent of the code source of podlab's classes (a build tree:
     *     {@code <repo>/core-engine/target/classes} or a jar under {@code <repo>/.../target/}).
     * </ol>
     * Empty when none is found (an installation without samples).
     */
    public static Optional<Path> findRecipesDir() {
        String explicit = System.getProperty(PROPERTY);
        String source = "system property " + PROPERTY;
        if (explicit == null || explicit.isBlank()) {
            explicit = System.getenv(ENV);
            source = "environment variable " + ENV;
        }
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit).toAbsolutePath().normalize();
            if (!Files.isDirectory(p)) {
                throw new ImageException("failed to find the sample recipes: " + source + " names " + p
                        + ", which is not a directory");
            }
            return Optional.of(p);
        }
        Optional<Path> fromCwd = searchUp(Path.of("").toAbsolutePath());
        if (fromCwd.isPresent()) {
            return fromCwd;
        }
        return codeSource().flatMap(SampleImages::searchUp);
    }

    /** {@link #findRecipesDir()} or an ImageException saying how to point podlab at the recipes. */
    public static Path recipesDir() {
        return findRecipesDir().orElseThrow(() -> new ImageException("failed to find the sample recipes: no "
                + REPOSITORY_PATH + " above the working directory " + Path.of("").toAbsolutePath()
                + " or podlab's classes; set -D" + PROPERTY + "=DIR or " + ENV + "=DIR"));
    }

    private static Optional<Path> searchUp(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(REPOSITORY_PATH);
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> codeSource() {
        try {
            CodeSource cs = SampleImages.class.getProtectionDomain().getCodeSource();
            if (cs == null || cs.getLocation() == null) {
                return Optional.empty();
            }
            return Optional.of(Path.of(cs.getLocation().toURI()).toAbsolutePath());
        } catch (URISyntaxException | RuntimeException e) {
            // Not a file location (a custom class loader): there is no repository layout to search from.
            return Optional.empty();
        }
    }
}
