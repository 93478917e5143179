package dev.podlab.core.pod.manifest;

import dev.podlab.core.config.YamlTree.Loc;

/**
 * A pod's reference to a ConfigMap or Secret (env, envFrom, volume), checked once every document
 * of the file has been read.
 *
 * @param key     null when the whole object is meant (envFrom, a volume without items)
 * @param nameLoc where the object's name is written, {@code namePath} its field path
 */
record Ref(boolean secret, String namespace, String name, String key, boolean optional,
           Loc nameLoc, String namePath, Loc keyLoc, String keyPath) {
    String kindName() {
        return secret ? "Secret" : "ConfigMap";
    }
}
