package dev.podlab.core.image.oci;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** The platform of an index entry or an image config (OCI image spec). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Platform(String architecture, String os, String variant,
                       @JsonProperty("os.version") String osVersion) {

    /** This machine: linux/amd64 here (Java's "amd64"/"x86_64" -> the OCI names). */
    public static Platform host() {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            default -> System.getProperty("os.arch");
        };
        return new Platform(arch, "linux", null, null);
    }

    /** "linux/amd64" or "linux/arm64/v8". */
    @Override
    public String toString() {
        return os + "/" + architecture + (variant != null ? "/" + variant : "");
    }
}
