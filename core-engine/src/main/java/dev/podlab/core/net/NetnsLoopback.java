package dev.podlab.core.net;

import com.sun.jna.LastErrorException;
import dev.podlab.core.sys.LibC;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Brings {@code lo} up inside a pinned network namespace without any plugin: a short-lived platform thread joins the
 * namespace (setns is per thread) and sets IFF_UP with SIOCSIFFLAGS. The fallback for hosts without CNI plugins.
 */
final class NetnsLoopback {

    private NetnsLoopback() {
    }

    static void up(Path netns) {
        AtomicReference<LastErrorException> failure = new AtomicReference<>();
        AtomicReference<String> step = new AtomicReference<>("open " + netns);
        Thread t = Thread.ofPlatform().name("podlab-netns-lo").start(() -> {
            LibC libc = LibC.INSTANCE;
            int nsFd = -1;
            int sock = -1;
            try {
                nsFd = libc.open(netns.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
                step.set("setns " + netns);
                libc.setns(nsFd, LibC.CLONE_NEWNET);
                step.set("socket");
                sock = libc.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
                byte[] ifreq = new byte[LibC.IFREQ_SIZE];
                byte[] name = "lo".getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(name, 0, ifreq, 0, name.length);
                step.set("SIOCGIFFLAGS lo");
                libc.ioctl(sock, LibC.SIOCGIFFLAGS, ifreq);
                // ifr_flags is a short right after the 16-byte name, little-endian on the architectures we run on.
                ifreq[16] |= (byte) LibC.IFF_UP;
                step.set("SIOCSIFFLAGS lo");
                libc.ioctl(sock, LibC.SIOCSIFFLAGS, ifreq);
            } catch (LastErrorException e) {
                failure.set(e);
            } finally {
                if (sock >= 0) {
                    libc.close(sock);
                }
                if (nsFd >= 0) {
                    libc.close(nsFd);
                }
            }
        });
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkException("bring up", "lo in " + netns, "interrupted");
        }
        if (failure.get() != null) {
            throw new NetworkException("bring up", "lo in " + netns, step.get() + ": " + LibC.describe(failure.get()),
                    failure.get());
        }
    }
}
