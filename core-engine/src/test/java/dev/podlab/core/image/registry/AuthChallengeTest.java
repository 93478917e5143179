package dev.podlab.core.image.registry;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AuthChallengeTest {

    @Test
    void bearerWithRealmServiceAndScope() {
        var cs = AuthChallenge.parse(List.of(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\""));
        assertThat(cs).containsExactly(new AuthChallenge("bearer", Map.of(
                "realm", "https://auth.docker.io/token", "service", "registry.docker.io",
                "scope", "repository:library/busybox:pull")));
    }

    @Test
    void basicAndSeveralChallengesInOneHeader() {
        var cs = AuthChallenge.parse(List.of("Basic realm=\"Registry Realm\"", "Negotiate, Bearer realm=\"http://x/t\", error=invalid_token"));
        assertThat(cs).extracting(AuthChallenge::scheme).containsExactly("basic", "negotiate", "bearer");
        assertThat(cs.get(0).realm()).isEqualTo("Registry Realm");
        assertThat(cs.get(2).params()).containsEntry("realm", "http://x/t").containsEntry("error", "invalid_token");
    }

    @Test
    void quotedCommasAndEscapesStayInTheValue() {
        var cs = AuthChallenge.parse(List.of("Bearer realm=\"http://r/token\",scope=\"repository:a:pull,push repository:b:pull\",x=\"say \\\"hi\\\"\""));
        assertThat(cs).singleElement().satisfies(c -> {
            assertThat(c.scope()).isEqualTo("repository:a:pull,push repository:b:pull");
            assertThat(c.params()).containsEntry("x", "say \"hi\"");
        });
    }

    @Test
    void garbageGivesNoChallenge() {
        assertThat(AuthChallenge.parse(List.of("", "   ", ","))).isEmpty();
    }
}
