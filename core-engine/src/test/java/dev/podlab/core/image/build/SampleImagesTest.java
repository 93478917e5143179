package dev.podlab.core.image.build;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.ImageRecord;
import dev.podlab.core.image.build.Tars.Item;
import dev.podlab.core.image.oci.Descriptor;
import dev.podlab.core.image.oci.ImageConfig;
import dev.podlab.core.image.store.ImageStores;
import dev.podlab.core.image.store.OciLayoutImageStore;
import dev.podlab.core.testing.HostRequirements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SampleImagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long FOUR_MIB = 4L << 20;

    @TempDir
    Path tmp;

    Path recipes;

    @BeforeEach
    void recipes() {
        HostRequirements.require(Busybox.available(), "needs /bin/busybox (Debian package busybox-static)");
        // Surefire runs in core-engine/: the repository layout lookup finds <repo>/sample-pods/images.
        recipes = SampleImages.findRecipesDir().orElseThrow();
    }

    @Test
    void findsTheRecipesOfTheRepositoryAndHonoursTheProperty() throws IOException {
        assertThat(recipes).endsWith(Path.of("sample-pods", "images"));
        assertThat(recipes.resolve("busybox.json")).isRegularFile();
        String old = System.getProperty(SampleImages.PROPERTY);
        try {
            System.setProperty(SampleImages.PROPERTY, tmp.toString());
            assertThat(SampleImages.recipesDir()).isEqualTo(tmp);
            System.setProperty(SampleImages.PROPERTY, tmp.resolve("nope").toString());
            assertThatThrownBy(SampleImages::findRecipesDir).isInstanceOf(ImageException.class)
                    .hasMessageContaining("system property podlab.samples").hasMessageContaining("not a directory");
        } finally {
            if (old == null) {
                System.clearProperty(SampleImages.PROPERTY);
            } else {
                System.setProperty(SampleImages.PROPERTY, old);
            }
        }
    }

    @Test
    void ensureBuildsEveryRecipeOnceAndAgainWhenTheRecipeChanges() throws IOException {
        OciLayoutImageStore store = ImageStores.open(tmp.resolve("images"));
        List<SampleImage> first = SampleImages.ensure(store, recipes);
        assertThat(first).extracting(SampleImage::name).contains("busybox", "layers-demo");
        assertThat(first).allMatch(SampleImage::built);
        SampleImage busybox = first.stream().filter(s -> s.name().equals("busybox")).findFirst().orElseThrow();
        assertThat(busybox.reference().toString()).isEqualTo("localhost/podlab/busybox:latest");
        assertThat(store.find("localhost/podlab/busybox")).map(ImageRecord::id).contains(busybox.image().id());
        ImageConfig.Config cfg = busybox.image().config().config();
        assertThat(cfg.cmd()).containsExactly("sh");
        assertThat(cfg.workingDir()).isEqualTo("/");
        assertThat(cfg.env()).anyMatch(e -> e.startsWith("PATH="));
        assertThat(cfg.labels()).containsEntry(SampleImages.NAME_LABEL, "busybox")
                .containsKey("org.opencontainers.image.title")
                .containsEntry(SampleImages.RECIPE_LABEL,
                        SampleRecipe.read(recipes.resolve("busybox.json")).inputDigest().toString());
        assertThat(busybox.image().layers()).hasSize(1);

        List<SampleImage> second = SampleImages.ensure(store, recipes);
        assertThat(second).noneMatch(SampleImage::built);
        assertThat(second).extracting(s -> s.image().id()).isEqualTo(first.stream().map(s -> s.image().id()).toList());

        // A changed recipe (in a copy of the directory) is rebuilt under the same name; the other is not.
        Path copy = Files.createDirectories(tmp.resolve("recipes"));
        for (String name : List.of("busybox.json", "layers-demo.json")) {
            Files.copy(recipes.resolve(name), copy.resolve(name));
        }
        Files.writeString(copy.resolve("busybox.json"), Files.readString(copy.resolve("busybox.json"))
                .replace("\"workingDir\": \"/\"", "\"workingDir\": \"/tmp\""));
        List<SampleImage> third = SampleImages.ensure(store, copy);
        SampleImage rebuilt = third.stream().filter(s -> s.name().equals("busybox")).findFirst().orElseThrow();
        assertThat(rebuilt.built()).isTrue();
        assertThat(rebuilt.image().config().config().workingDir()).isEqualTo("/tmp");
        assertThat(third.stream().filter(s -> s.name().equals("layers-demo")).findFirst().orElseThrow().built())
                .isFalse();
        assertThat(store.find("localhost/podlab/busybox:latest").orElseThrow().id()).isEqualTo(rebuilt.image().id());
    }

    @Test
    void buildingTwiceGivesIdenticalDigests() {
        for (SampleRecipe recipe : SampleImages.recipes(recipes)) {
            BuiltImage a = SampleImages.build(recipe).writeTo(ImageStores.content(tmp.resolve("a")));
            BuiltImage b = SampleImages.build(SampleRecipe.read(recipe.file()))
                    .writeTo(ImageStores.content(tmp.resolve("b")));
            assertThat(b.targetDigest()).as(recipe.name()).isEqualTo(a.targetDigest());
            assertThat(b.blobs()).as(recipe.name()).isEqualTo(a.blobs());
        }
    }

    @Test
    void layersDemoAddsModifiesAndRemovesFiles() throws IOException {
        OciLayoutImageStore store = ImageStores.open(tmp.resolve("images"));
        ImageRecord img = SampleImages.ensure(store, SampleRecipe.read(recipes.resolve("layers-demo.json"))).image();
        List<Descriptor> layers = img.layers();
        assertThat(layers).hasSize(4);

        List<Item> base = Tars.layer(store.content(), layers.get(0));
        assertThat(Tars.names(base)).contains("bin/busybox", "bin/sh", "etc/passwd", "tmp/");
        assertThat(new String(Tars.find(base, "etc/passwd").content(), StandardCharsets.UTF_8))
                .contains("\napp:x:1000:1000:app:/app:/bin/sh\n");

        // Layer 2 adds /app, with the 4 MiB file.
        List<Item> add = Tars.layer(store.content(), layers.get(1));
        Item blob = Tars.find(add, "app/data/blob.bin");
        assertThat(blob.entry().getSize()).isEqualTo(FOUR_MIB);
        assertThat(blob.entry().getLongUserId()).isEqualTo(1000);
        assertThat(layers.get(1).size()).as("random-looking bytes do not compress").isGreaterThan(FOUR_MIB);
        assertThat(new String(Tars.find(add, "app/config.ini").content(), StandardCharsets.UTF_8))
                .contains("development");
        assertThat(Tars.names(add)).contains("app/", "app/static/old.css", "app/static/index.html");

        // Layer 3 modifies config.ini, whiteouts the 4 MiB file, adds /etc/motd.
        List<Item> change = Tars.layer(store.content(), layers.get(2));
        assertThat(Tars.names(change)).containsExactly("app/config.ini", "app/data/.wh.blob.bin", "etc/motd");
        assertThat(new String(Tars.find(change, "app/config.ini").content(), StandardCharsets.UTF_8))
                .contains("production");
        assertThat(Tars.find(change, "app/data/.wh.blob.bin").entry().getSize()).isZero();
        assertThat(layers.get(2).size()).isLessThan(4096);

        // Layer 4 replaces /app/static with an opaque directory.
        List<Item> replace = Tars.layer(store.content(), layers.get(3));
        assertThat(Tars.names(replace)).containsExactly("app/static/", "app/static/.wh..wh..opq",
                "app/static/index.html");

        ImageConfig cfg = img.config();
        assertThat(cfg.config().entrypoint()).containsExactly("/bin/sh", "-c");
        assertThat(cfg.config().cmd()).containsExactly("cat /etc/motd; ls -la /app");
        assertThat(cfg.config().user()).isEqualTo("app");
        assertThat(cfg.config().exposedPorts()).containsOnlyKeys("8080/tcp");
        assertThat(cfg.config().env()).contains("GREETING=hello");
        assertThat(cfg.rootfs().diffIds()).hasSize(4);
        List<ImageConfig.History> h = cfg.history();
        assertThat(h).extracting(ImageConfig.History::createdBy).satisfiesExactly(
                s -> assertThat(s).startsWith("COPY /bin/busybox"),
                s -> assertThat(s).isEqualTo("ENV GREETING=hello"),
                s -> assertThat(s).startsWith("COPY --chown=app:app app/"),
                s -> assertThat(s).startsWith("RUN sed -i"),
                s -> assertThat(s).startsWith("RUN rm -rf /app/static"),
                s -> assertThat(s).isEqualTo("USER app"));
        assertThat(h).extracting(ImageConfig.History::emptyLayer).containsExactly(null, true, null, null, null, true);
    }

    @Test
    void badRecipesFailWithTheFileAndThePlace() throws IOException {
        Map<String, String> cases = Map.of(
                "{\"steps\":[{\"createdBy\":\"x\",\"layer\":{\"entries\":[{\"type\":\"file\",\"path\":\"a\","
                        + "\"txt\":\"1\"}]}}]}", "unknown field \"txt\"",
                "{\"steps\":[{\"createdBy\":\"x\",\"layer\":{\"entries\":[{\"type\":\"file\",\"path\":\"/etc/shadow\","
                        + "\"hostFile\":\"/etc/shadow\"}]}}]}", "steps[0].layer.entries[0] (/etc/shadow): hostFile may only be",
                "{\"steps\":[{\"layer\":{\"busybox\":{}}}]}", "steps[0].createdBy: missing",
                "{\"steps\":[{\"createdBy\":\"x\",\"layer\":{\"entries\":[{\"type\":\"file\",\"path\":\"../a\","
                        + "\"text\":\"1\"}]}}]}", "steps[0].layer.entries[0] (../a):",
                "{\"steps\":[{\"createdBy\":\"x\",\"layer\":{\"entries\":[{\"type\":\"dir\",\"path\":\"a\","
                        + "\"mode\":\"755x\"}]}}]}", "is not an octal string",
                "{\"steps\":[{\"createdBy\":\"x\",\"layer\":{}}]}", "a layer needs \"busybox\" or \"entries\"",
                "{\"steps\":[]", "failed to read sample recipe");
        int i = 0;
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Path f = tmp.resolve("bad" + i++ + ".json");
            Files.writeString(f, c.getKey());
            assertThatThrownBy(() -> SampleRecipe.read(f)).as(c.getKey()).isInstanceOf(ImageException.class)
                    .hasMessageStartingWith("failed to read sample recipe " + f + ": ")
                    .hasMessageContaining(c.getValue());
        }
        Path upper = tmp.resolve("Bad.json");
        Files.writeString(upper, "{}");
        assertThatThrownBy(() -> SampleRecipe.read(upper)).hasMessageContaining("not a valid image name");
    }

    // ------------------------------------------------------------------------------------------ host tools

    /** A store holding only {@code name} (umoci and skopeo find images by ref.name, "latest" for every sample). */
    private OciLayoutImageStore storeWithOnly(String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("recipes-" + name));
        Files.copy(recipes.resolve(name + ".json"), dir.resolve(name + ".json"));
        OciLayoutImageStore store = ImageStores.open(tmp.resolve("store-" + name));
        assertThat(SampleImages.ensure(store, dir)).hasSize(1);
        return store;
    }

    @Test
    @Tag("host-tools")
    void skopeoInspectsTheStoredSamples() throws Exception {
        HostRequirements.requireCommand("skopeo");
        OciLayoutImageStore store = storeWithOnly("layers-demo");
        ImageRecord img = store.find("localhost/podlab/layers-demo:latest").orElseThrow();
        Tars.Run inspect = Tars.run(tmp, "skopeo", "inspect", "oci:" + store.root() + ":latest");
        assertThat(inspect.exit()).as(inspect.output()).isZero();
        JsonNode info = JSON.readTree(inspect.output());
        assertThat(info.get("Digest").asText()).isEqualTo(img.manifest().digest());
        assertThat(info.get("Layers")).hasSize(4);
        assertThat(info.at("/Labels/dev.podlab.sample.name").asText()).isEqualTo("layers-demo");

        Tars.Run config = Tars.run(tmp, "skopeo", "inspect", "--config", "oci:" + store.root() + ":latest");
        assertThat(config.exit()).as(config.output()).isZero();
        JsonNode c = JSON.readTree(config.output());
        assertThat(c.at("/config/User").asText()).isEqualTo("app");
        assertThat(c.at("/config/ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(c.at("/history/1/empty_layer").asBoolean()).isTrue();
    }

    @Test
    @Tag("host-tools")
    void umociUnpacksTheBusyboxSample() throws Exception {
        HostRequirements.requireCommand("umoci");
        OciLayoutImageStore store = storeWithOnly("busybox");
        Path bundle = tmp.resolve("bundle");
        Tars.Run unpack = Tars.run(tmp, "umoci", "unpack", "--image", store.root() + ":latest", bundle.toString());
        assertThat(unpack.exit()).as(unpack.output()).isZero();
        Path rootfs = bundle.resolve("rootfs");
        assertThat(rootfs.resolve("bin/busybox")).isRegularFile().isExecutable();
        assertThat(Files.mismatch(rootfs.resolve("bin/busybox"), Busybox.HOST_BINARY)).isEqualTo(-1);
        assertThat(Files.readSymbolicLink(rootfs.resolve("bin/sh")).toString()).isEqualTo("busybox");
        assertThat(rootfs.resolve("etc/passwd")).content().startsWith("root:x:0:0:");
        JsonNode spec = JSON.readTree(bundle.resolve("config.json").toFile());
        assertThat(spec.at("/process/args/0").asText()).isEqualTo("sh");
    }

    @Test
    @Tag("host-tools")
    void umociAppliesTheWhiteoutAndTheOpaqueDirectoryOfLayersDemo() throws Exception {
        HostRequirements.requireCommand("umoci");
        OciLayoutImageStore store = storeWithOnly("layers-demo");
        Path bundle = tmp.resolve("bundle");
        Tars.Run unpack = Tars.run(tmp, "umoci", "unpack", "--image", store.root() + ":latest", bundle.toString());
        assertThat(unpack.exit()).as(unpack.output()).isZero();
        Path app = bundle.resolve("rootfs/app");
        assertThat(app.resolve("data")).isDirectory();
        assertThat(app.resolve("data/blob.bin")).doesNotExist();
        assertThat(app.resolve("config.ini")).content().contains("production");
        assertThat(app.resolve("static/index.html")).content().contains("version 2");
        assertThat(app.resolve("static/old.css")).doesNotExist();
        assertThat(bundle.resolve("rootfs/etc/motd")).content().startsWith("Welcome to the podlab layers demo");
        JsonNode spec = JSON.readTree(bundle.resolve("config.json").toFile());
        assertThat(spec.at("/process/user/uid").asInt()).isEqualTo(1000);
        assertThat(spec.at("/process/cwd").asText()).isEqualTo("/app");
    }
}
