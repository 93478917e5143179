package dev.podlab.core.runtime;

/**
 * The micro-VM a container runs in (the {@code kvm} runtime), as the UIs draw it: the host side (the QEMU
 * process and its cgroup) and the guest side (its kernel and the agent that runs the containers).
 *
 * @param key          the VM's name: the pod cgroup it serves ({@code pod-*}) or the lone container's id
 * @param qemuPid      the QEMU process on the host
 * @param accelerator  {@code kvm} or {@code tcg}
 * @param qemuCgroup   QEMU's host cgroup, relative to the hierarchy root; empty when it has none
 * @param guestKernel  the guest's {@code uname -r}
 * @param agent        what runs the containers inside: the agent and the line it speaks on
 * @param bootMillis   guest uptime when the agent said hello
 * @param template     the VM template the guest was restored from (frozen at that hello); empty when it booted
 */
public record SandboxVm(String key, long qemuPid, String accelerator, String qemuCgroup, String guestKernel,
                        String agent, long bootMillis, String template) {}
