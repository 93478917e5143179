package dev.podlab.core.image.registry;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What to show a registry to be let in: a user name and password, or an identity token (an OAuth
 * refresh token that {@code docker login} may store instead of a password).
 *
 * @param identityToken null unless the auth file holds one
 */
public record Credential(String username, String password, String identityToken) {

    public static Credential basic(String username, String password) {
        return new Credential(username, password, null);
    }

    /** The value of an {@code Authorization: Basic ...} header. */
    public String basicHeader() {
        String up = (username == null ? "" : username) + ":" + (password == null ? "" : password);
        return "Basic " + Base64.getEncoder().encodeToString(up.getBytes(StandardCharsets.UTF_8));
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "Credential[username=" + username + (password != null ? ", password=***" : "")
                + (identityToken != null ? ", identityToken=***" : "") + "]";
    }
}
