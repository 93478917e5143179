package dev.podlab.core.image.registry;

import dev.podlab.core.image.ImageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialStoreTest {
    @TempDir
    Path tmp;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private Path home() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home.resolve(".docker"));
        return home;
    }

    @Test
    void readsDockerConfigAuthsAndIdentityTokens() throws Exception {
        Path home = home();
        Files.writeString(home.resolve(".docker/config.json"), """
                {"auths": {
                  "https://index.docker.io/v1/": {"auth": "%s"},
                  "localhost:5000": {"auth": "%s"},
                  "quay.io": {"identitytoken": "refresh-me"},
                  "ghcr.io/some/repo": {"auth": "%s"}
                }, "credsStore": "desktop"}
                """.formatted(b64("hub:pw:with:colons"), b64("bob:pw"), b64("scoped:x")));
        CredentialStore s = CredentialStore.open(tmp.resolve("own/auth.json"), home, null);
        assertThat(s.find("docker.io")).contains(Credential.basic("hub", "pw:with:colons"));
        assertThat(s.find("index.docker.io")).contains(Credential.basic("hub", "pw:with:colons"));
        assertThat(s.find("localhost:5000")).contains(Credential.basic("bob", "pw"));
        assertThat(s.find("LOCALHOST:5000")).contains(Credential.basic("bob", "pw"));
        assertThat(s.find("quay.io")).contains(new Credential(null, null, "refresh-me"));
        assertThat(s.find("ghcr.io")).as("a repository-scoped key is not a host key").isEmpty();
        assertThat(s.find("localhost:5001")).isEmpty();
        assertThat(s.find("docker.io").get().toString()).doesNotContain("pw");
    }

    @Test
    void ownFileThenXdgAuthJsonThenDockerConfig() throws Exception {
        Path home = home();
        Path xdg = tmp.resolve("run");
        Files.createDirectories(xdg.resolve("containers"));
        Files.writeString(home.resolve(".docker/config.json"),
                "{\"auths\":{\"a.example\":{\"auth\":\"" + b64("docker:1") + "\"},\"b.example\":{\"auth\":\"" + b64("docker:2") + "\"}}}");
        Files.writeString(xdg.resolve("containers/auth.json"),
                "{\"auths\":{\"a.example\":{\"auth\":\"" + b64("podman:1") + "\"}}}");
        CredentialStore s = CredentialStore.open(tmp.resolve("own/auth.json"), home, xdg);
        assertThat(s.find("a.example")).contains(Credential.basic("podman", "1"));
        assertThat(s.find("b.example")).contains(Credential.basic("docker", "2"));
        s.save("b.example", "mine", "3");
        assertThat(s.find("b.example")).contains(Credential.basic("mine", "3"));
        assertThat(s.sourceOf("b.example")).contains(tmp.resolve("own/auth.json"));
        assertThat(s.files()).containsExactly(tmp.resolve("own/auth.json"), xdg.resolve("containers/auth.json"),
                home.resolve(".docker/config.json"));
    }

    @Test
    void saveWritesMode0600AtomicallyAndRemoveForgets() throws Exception {
        Path own = tmp.resolve("cfg/podlab/auth.json");
        CredentialStore s = CredentialStore.open(own, null, null);
        s.save("docker.io", "alice", "pa:ss");
        s.save("localhost:5000", "bob", "x");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(own))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(own.getParent()))).isEqualTo("rwx------");
        assertThat(Files.readString(own)).contains("\"docker.io\"").contains(b64("alice:pa:ss")).doesNotContain("pa:ss\"");
        try (var files = Files.list(own.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.contains(".tmp-")).toList()).isEmpty();
        }
        // docker login's key form for Docker Hub is matched too.
        assertThat(CredentialStore.open(own, null, null).find("index.docker.io")).contains(Credential.basic("alice", "pa:ss"));
        s.save("docker.io", "alice", "new");
        assertThat(s.find("docker.io")).contains(Credential.basic("alice", "new"));
        assertThat(s.remove("docker.io")).isTrue();
        assertThat(s.remove("docker.io")).isFalse();
        assertThat(s.find("docker.io")).isEmpty();
        assertThat(s.find("localhost:5000")).contains(Credential.basic("bob", "x"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(own))).isEqualTo("rw-------");
    }

    @Test
    void keepsUnknownFieldsOfTheOwnFile() throws Exception {
        Path own = tmp.resolve("auth.json");
        Files.writeString(own, "{\"auths\":{},\"credHelpers\":{\"x\":\"y\"}}");
        CredentialStore.open(own, null, null).save("quay.io", "u", "p");
        assertThat(Files.readString(own)).contains("credHelpers");
    }

    @Test
    void brokenFilesAreNamed() throws Exception {
        Path home = home();
        Files.writeString(home.resolve(".docker/config.json"), "{not json");
        CredentialStore s = CredentialStore.open(tmp.resolve("own.json"), home, null);
        assertThatThrownBy(() -> s.find("quay.io")).isInstanceOf(ImageException.class)
                .hasMessageStartingWith("failed to read credentials file " + home.resolve(".docker/config.json"));
        Files.writeString(home.resolve(".docker/config.json"), "{\"auths\":{\"quay.io\":{\"auth\":\"" + b64("nocolon") + "\"}}}");
        assertThatThrownBy(() -> s.find("quay.io")).hasMessageContaining("does not decode to user:password");
        assertThatThrownBy(() -> s.save("quay.io", "a:b", "p")).hasMessageContaining("no ':'");
    }
}
