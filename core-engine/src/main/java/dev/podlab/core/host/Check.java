package dev.podlab.core.host;

import java.util.Objects;

/**
 * One line of {@code podlab doctor}: what was looked at and what was found.
 *
 * @param id     stable identifier ("kernel", "cgroup", "runtime.crun"...), for scripts and tests
 * @param title  short human title
 * @param status the verdict
 * @param detail what was found, in one sentence
 * @param fix    what to do about it; empty when there is nothing to do
 */
public record Check(String id, String title, Status status, String detail, String fix) {

    /** OK: fine. WARN: works with a limitation. FAIL: podlab cannot work this way. INFO: optional, for reference. */
    public enum Status { OK, WARN, FAIL, INFO }

    public Check {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(status, "status");
        detail = detail == null ? "" : detail;
        fix = fix == null ? "" : fix;
    }

    static Check ok(String id, String title, String detail) {
        return new Check(id, title, Status.OK, detail, "");
    }

    static Check info(String id, String title, String detail, String fix) {
        return new Check(id, title, Status.INFO, detail, fix);
    }

    static Check warn(String id, String title, String detail, String fix) {
        return new Check(id, title, Status.WARN, detail, fix);
    }

    static Check fail(String id, String title, String detail, String fix) {
        return new Check(id, title, Status.FAIL, detail, fix);
    }
}
