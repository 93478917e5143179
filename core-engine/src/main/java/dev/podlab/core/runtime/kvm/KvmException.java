package dev.podlab.core.runtime.kvm;

import dev.podlab.core.container.ContainerException;

/** A step of the KVM sandbox failed: building the initramfs, starting QEMU, talking to the guest agent. */
public class KvmException extends ContainerException {
    public KvmException(String message) {
        super(message);
    }

    public KvmException(String message, Throwable cause) {
        super(message, cause);
    }
}
