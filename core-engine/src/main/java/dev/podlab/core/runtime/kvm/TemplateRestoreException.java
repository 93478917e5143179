package dev.podlab.core.runtime.kvm;

/**
 * A VM could not be restored from its template: QEMU refused the device state, died, or the
 * resumed guest never answered. The template is to blame (and is removed); a guest that answered
 * its setup with an error is not, and fails with a plain {@link KvmException}.
 */
public class TemplateRestoreException extends KvmException {
    public TemplateRestoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
