package dev.podlab.core.pod;

import dev.podlab.core.PodlabException;

/** A pod operation failed; the message names the pod and the cause. */
public class PodException extends PodlabException {
    public PodException(String message) {
        super(message);
    }

    public PodException(String message, Throwable cause) {
        super(message, cause);
    }

    /** No pod by that name or id. */
    public static final class NotFound extends PodException {
        public NotFound(String message) {
            super(message);
        }
    }

    /** A pod of that name exists already (play without --replace). */
    public static final class Exists extends PodException {
        public Exists(String message) {
            super(message);
        }
    }
}
