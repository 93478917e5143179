package dev.podlab.core.image.unpack;

import com.sun.jna.LastErrorException;
import dev.podlab.core.image.ImageException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes one layer's tar entries below a root directory descriptor. Every path is walked
 * one component at a time from that descriptor with O_NOFOLLOW (see {@link SafeFs}), every
 * file is created with O_EXCL|O_NOFOLLOW and every metadata call either works on the open
 * descriptor or uses a no-follow variant: nothing can be written outside the root, whatever
 * the tar holds and whatever it created before.
 */
final class Extractor {
    enum Mode {
        /** Empty target becomes one overlay layer: whiteouts as 0/0 devices, opaque as an xattr. */
        OVERLAY,
        /** Target holds the layers below: whiteouts delete, opaque clears old contents. */
        APPLY
    }

    private static final FsCalls C = FsCalls.INSTANCE;
    private static final int AT_FDCWD = -100;
    private static final int MAX_NOTES = 50;
    private static final byte[] OPAQUE_XATTR = FsCalls.c("trusted.overlay.opaque");

    /** Owner, mode, time and xattrs of an entry. */
    private record Meta(int mode, int uid, int gid, long sec, long nsec, Map<String, byte[]> xattrs) {
        long[] times() {
            return new long[] {sec, nsec, sec, nsec};
        }
    }

    private final int rootFd;
    private final Mode mode;
    private final UnpackOptions options;
    private final String layerName;
    /** Paths this layer created or replaced (implicit parents included). */
    private final Set<String> created = new HashSet<>();
    /** Overlay whiteout devices made by this layer. */
    private final Set<String> whiteouts = new HashSet<>();
    /** Directory metadata, applied after all contents (last entry for a path wins). */
    private final Map<String, Meta> dirMeta = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final Set<String> noted = new HashSet<>();
    private final List<String> skippedDevices = new ArrayList<>();
    private boolean overlayReady = true;
    private long bytesWritten;
    private long entries;

    Extractor(int rootFd, Mode mode, UnpackOptions options) {
        this.rootFd = rootFd;
        this.mode = mode;
        this.options = options;
        this.layerName = options.layer() != null ? options.layer().toString() : "(digest unknown)";
    }

    long entries() {
        return entries;
    }

    long bytesWritten() {
        return bytesWritten;
    }

    boolean overlayReady() {
        return overlayReady;
    }

    List<String> notes() {
        return notes;
    }

    List<String> skippedDevices() {
        return skippedDevices;
    }

    ImageException reject(String entry, String why) {
        return new ImageException("failed to unpack layer " + layerName + ": entry \"" + printable(entry) + "\": " + why);
    }

    private ImageException fail(String entry, String action, LastErrorException e) {
        return new ImageException("failed to unpack layer " + layerName + ": entry \"" + printable(entry) + "\": failed to "
                + action + ": " + SafeFs.errno(e), e);
    }

    static String printable(String s) {
        return s == null ? "" : s.replace("\0", "\\0");
    }

    private void note(String key, String text) {
        if (noted.add(key) && notes.size() < MAX_NOTES) {
            notes.add(text);
        }
    }

    /** Writes one entry; {@code data} is positioned at its content. */
    void process(TarArchiveEntry e, InputStream data) throws IOException {
        entries++;
        String name = e.getName();
        String rel;
        try {
            rel = LayerPaths.normalize(name);
        } catch (LayerPaths.BadPathException x) {
            throw reject(name, x.getMessage());
        }
        Meta meta = meta(e, name);
        if (rel.isEmpty()) {
            if (e.isDirectory() && !e.isSymbolicLink() && !e.isLink()) {
                dirMeta.put("", meta);
                return;
            }
            throw reject(name, "names the layer root but is not a directory");
        }
        String parent = LayerPaths.parent(rel);
        String base = LayerPaths.baseName(rel);
        try {
            if (base.startsWith(LayerPaths.WHITEOUT_PREFIX)) {
                whiteout(name, parent, base);
            } else if (e.isSymbolicLink()) {
                symlink(e, name, rel, parent, base, meta);
            } else if (e.isLink()) {
                hardlink(e, name, rel, parent, base);
            } else if (e.isCharacterDevice() || e.isBlockDevice()) {
                device(e, name, rel, parent, base, meta);
            } else if (e.isFIFO()) {
                special(name, rel, parent, base, FsCalls.S_IFIFO, 0, meta);
            } else if (e.isDirectory()) {
                directory(name, rel, parent, base, meta);
            } else if (e.isFile()) {
                regular(e, data, name, rel, parent, base, meta);
            } else {
                throw reject(name, "unsupported entry type '" + (char) e.getLinkFlag() + "'");
            }
        } catch (LastErrorException x) {
            throw fail(name, "write " + rel, x);
        }
    }

    // ---- entry kinds ----

    private void directory(String name, String rel, String parent, String base, Meta meta) {
        int pfd = walk(parent, true, name);
        try {
            SafeFs.Stat old = clearSlot(pfd, base, true);
            if (old == null || !old.isDir()) {
                // 0700 until the entry's own mode is applied after the contents.
                C.mkdirat(pfd, FsCalls.c(base), 0700);
                if (mode == Mode.OVERLAY && old != null && whiteouts.remove(rel)) {
                    // A directory replacing this layer's whiteout must still hide the lower one.
                    setOpaque(pfd, base, name);
                }
            }
            created.add(rel);
            dirMeta.put(rel, meta);
        } finally {
            SafeFs.close(pfd);
        }
    }

    private void regular(TarArchiveEntry e, InputStream data, String name, String rel, String parent, String base,
                         Meta meta) throws IOException {
        long declared = e.isSparse() ? e.getRealSize() : e.getSize();
        if (declared < 0) {
            throw reject(name, "negative size " + declared);
        }
        int pfd = walk(parent, true, name);
        try {
            clearSlot(pfd, base, false);
            int fd = C.openat(pfd, FsCalls.c(base), FsCalls.O_WRONLY | FsCalls.O_CREAT | FsCalls.O_EXCL
                    | FsCalls.O_NOFOLLOW | FsCalls.O_CLOEXEC, 0600);
            created.add(rel);
            try {
                long n;
                // /proc/self/fd/N is the inode just created, not a path that could be swapped.
                try (FileChannel ch = FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.WRITE);
                     OutputStream out = Channels.newOutputStream(ch)) {
                    n = data.transferTo(out);
                } catch (IOException io) {
                    throw new ImageException("failed to unpack layer " + layerName + ": entry \"" + printable(name)
                            + "\": failed to read its " + declared + " bytes: " + io.getMessage(), io);
                }
                if (n != declared) {
                    throw reject(name, "declares " + declared + " bytes but the layer holds " + n);
                }
                bytesWritten += n;
                if (options.preserveOwnership()) {
                    chown(() -> C.fchown(fd, meta.uid(), meta.gid()), name);
                }
                C.fchmod(fd, meta.mode()); // after chown, which clears setuid/setgid
                for (var x : meta.xattrs().entrySet()) {
                    xattr(() -> C.fsetxattr(fd, FsCalls.c(x.getKey()), x.getValue(), x.getValue().length, 0), x.getKey(), name);
                }
                C.futimens(fd, meta.times());
            } finally {
                SafeFs.close(fd);
            }
        } finally {
            SafeFs.close(pfd);
        }
    }

    private void symlink(TarArchiveEntry e, String name, String rel, String parent, String base, Meta meta) {
        String target = e.getLinkName();
        if (target == null || target.isEmpty()) {
            throw reject(name, "symlink without a target");
        }
        if (target.indexOf('\0') >= 0) {
            throw reject(name, "symlink target contains a NUL byte");
        }
        int pfd = walk(parent, true, name);
        try {
            clearSlot(pfd, base, false);
            // Stored as is: a symlink is only ever data here, never followed while extracting.
            C.symlinkat(FsCalls.c(target), pfd, FsCalls.c(base));
            created.add(rel);
            noFollowMetadata(pfd, base, meta, name, false);
        } finally {
            SafeFs.close(pfd);
        }
    }

    private void hardlink(TarArchiveEntry e, String name, String rel, String parent, String base) {
        String linkName = e.getLinkName();
        String src;
        try {
            src = LayerPaths.normalize(linkName);
        } catch (LayerPaths.BadPathException x) {
            throw reject(name, "hard link target \"" + printable(linkName) + "\": " + x.getMessage());
        }
        if (src.isEmpty()) {
            throw reject(name, "hard link to the layer root");
        }
        if (src.equals(rel)) {
            throw reject(name, "hard link to itself");
        }
        if (whiteouts.contains(src)) {
            throw reject(name, "hard link target \"" + src + "\" is not in the layer");
        }
        int spfd = walk(LayerPaths.parent(src), false, name);
        if (spfd < 0) {
            throw reject(name, "hard link target \"" + src + "\" is not in the layer");
        }
        try {
            String sbase = LayerPaths.baseName(src);
            SafeFs.Stat st = SafeFs.lstat(spfd, sbase);
            if (st == null || (mode == Mode.OVERLAY && st.isWhiteout())) {
                throw reject(name, "hard link target \"" + src + "\" is not in the layer");
            }
            if (st.isDir()) {
                throw reject(name, "hard link target \"" + src + "\" is a directory");
            }
            int pfd = walk(parent, true, name);
            try {
                clearSlot(pfd, base, false);
                // flags 0: linkat never follows a symlink named as the source.
                C.linkat(spfd, FsCalls.c(sbase), pfd, FsCalls.c(base), 0);
                created.add(rel);
            } finally {
                SafeFs.close(pfd);
            }
        } finally {
            SafeFs.close(spfd);
        }
    }

    private void device(TarArchiveEntry e, String name, String rel, String parent, String base, Meta meta) {
        String kind = e.isCharacterDevice() ? "character" : "block";
        switch (options.devices()) {
            case REJECT -> throw reject(name, kind + " device nodes are not allowed in this layer");
            case SKIP -> {
                skippedDevices.add(rel);
                note("devices", "device nodes skipped (not allowed): first " + rel);
                return;
            }
            case CREATE -> { }
        }
        int type = e.isCharacterDevice() ? FsCalls.S_IFCHR : FsCalls.S_IFBLK;
        special(name, rel, parent, base, type, FsCalls.makedev(e.getDevMajor(), e.getDevMinor()), meta);
    }

    private void special(String name, String rel, String parent, String base, int type, long dev, Meta meta) {
        int pfd = walk(parent, true, name);
        try {
            clearSlot(pfd, base, false);
            C.mknodat(pfd, FsCalls.c(base), type | 0600, dev);
            created.add(rel);
            noFollowMetadata(pfd, base, meta, name, true);
        } finally {
            SafeFs.close(pfd);
        }
    }

    // ---- whiteouts ----

    private void whiteout(String name, String parent, String base) {
        if (base.equals(LayerPaths.OPAQUE)) {
            opaque(name, parent);
            return;
        }
        if (base.startsWith(LayerPaths.WHITEOUT_META_PREFIX)) {
            note("aufs", "aufs metadata entries skipped: first " + name);
            return;
        }
        String victim = base.substring(LayerPaths.WHITEOUT_PREFIX.length());
        if (victim.isEmpty()) {
            throw reject(name, "whiteout names no file");
        }
        if (victim.equals(".") || victim.equals("..")) {
            throw reject(name, "whiteout of '" + victim + "' is not allowed");
        }
        String vrel = LayerPaths.join(parent, victim);
        if (created.contains(vrel)) {
            // OCI: a whiteout hides only lower layers; what this layer put there stays.
            return;
        }
        if (mode == Mode.APPLY) {
            int pfd = walk(parent, false, name);
            if (pfd < 0) {
                return; // nothing below to delete
            }
            try {
                SafeFs.removeTree(pfd, victim);
            } finally {
                SafeFs.close(pfd);
            }
            return;
        }
        int pfd = walk(parent, true, name);
        try {
            SafeFs.Stat old = SafeFs.lstat(pfd, victim);
            if (old != null) {
                return; // already whited out by an earlier entry
            }
            try {
                C.mknodat(pfd, FsCalls.c(victim), FsCalls.S_IFCHR, 0L);
                whiteouts.add(vrel);
            } catch (LastErrorException x) {
                if (!refused(x)) {
                    throw fail(name, "create whiteout " + vrel, x);
                }
                overlayReady = false;
                note("whiteout", "whiteouts not representable (" + SafeFs.errno(x)
                        + "): the layer is not usable as an overlay lower dir; first " + vrel);
            }
        } finally {
            SafeFs.close(pfd);
        }
    }

    private void opaque(String name, String dir) {
        if (mode == Mode.APPLY) {
            int fd = walk(dir, false, name);
            if (fd < 0) {
                return;
            }
            try {
                clearLower(fd, dir);
            } finally {
                SafeFs.close(fd);
            }
            return;
        }
        if (dir.isEmpty()) {
            int fd = SafeFs.openDirRead(rootFd, ".");
            try {
                setOpaqueFd(fd, name);
            } finally {
                SafeFs.close(fd);
            }
            return;
        }
        int pfd = walk(LayerPaths.parent(dir), true, name);
        try {
            String base = LayerPaths.baseName(dir);
            if (SafeFs.lstat(pfd, base) == null) {
                C.mkdirat(pfd, FsCalls.c(base), 0755);
                created.add(dir);
            }
            setOpaque(pfd, base, name);
        } finally {
            SafeFs.close(pfd);
        }
    }

    /** Removes what lower layers left below {@code dirFd} (path {@code dir}), keeping this layer's entries. */
    private void clearLower(int dirFd, String dir) {
        for (String child : SafeFs.list(dirFd, ".")) {
            String crel = LayerPaths.join(dir, child);
            if (!created.contains(crel)) {
                SafeFs.removeTree(dirFd, child);
                continue;
            }
            SafeFs.Stat st = SafeFs.lstat(dirFd, child);
            if (st != null && st.isDir()) {
                int cfd = SafeFs.openDirPath(dirFd, child);
                try {
                    clearLower(cfd, crel);
                } finally {
                    SafeFs.close(cfd);
                }
            }
        }
    }

    private void setOpaque(int pfd, String base, String entry) {
        int fd;
        try {
            fd = SafeFs.openDirRead(pfd, base);
        } catch (LastErrorException x) {
            throw fail(entry, "open directory for the opaque marker", x);
        }
        try {
            setOpaqueFd(fd, entry);
        } finally {
            SafeFs.close(fd);
        }
    }

    private void setOpaqueFd(int fd, String entry) {
        byte[] y = {'y'};
        try {
            C.fsetxattr(fd, OPAQUE_XATTR, y, 1, 0);
        } catch (LastErrorException x) {
            if (!refused(x)) {
                throw fail(entry, "mark directory opaque", x);
            }
            overlayReady = false;
            note("opaque", "opaque directories not representable (" + SafeFs.errno(x)
                    + "): the layer is not usable as an overlay lower dir; first " + entry);
        }
    }

    // ---- the end ----

    /** Applies directory metadata, deepest first, once their contents are in place. */
    void finishDirectories() {
        List<Map.Entry<String, Meta>> dirs = new ArrayList<>(dirMeta.entrySet());
        dirs.sort(Comparator.comparingInt((Map.Entry<String, Meta> d) -> depth(d.getKey())).reversed());
        for (var d : dirs) {
            String rel = d.getKey();
            Meta meta = d.getValue();
            int fd = openExistingDir(rel);
            if (fd < 0) {
                continue; // replaced by a later entry of the same layer
            }
            try {
                if (options.preserveOwnership()) {
                    chown(() -> C.fchown(fd, meta.uid(), meta.gid()), rel.isEmpty() ? "." : rel);
                }
                C.fchmod(fd, meta.mode());
                for (var x : meta.xattrs().entrySet()) {
                    xattr(() -> C.fsetxattr(fd, FsCalls.c(x.getKey()), x.getValue(), x.getValue().length, 0), x.getKey(), rel);
                }
                C.futimens(fd, meta.times());
            } catch (LastErrorException x) {
                throw fail(rel.isEmpty() ? "." : rel, "set directory attributes", x);
            } finally {
                SafeFs.close(fd);
            }
        }
    }

    private int openExistingDir(String rel) {
        if (rel.isEmpty()) {
            return SafeFs.openDirRead(rootFd, ".");
        }
        int pfd;
        try {
            pfd = walk(LayerPaths.parent(rel), false, rel);
        } catch (ImageException e) {
            return -1; // a later entry put a symlink or file on the way: the directory is gone
        }
        if (pfd < 0) {
            return -1;
        }
        try {
            return SafeFs.openDirRead(pfd, LayerPaths.baseName(rel));
        } catch (LastErrorException e) {
            return -1;
        } finally {
            SafeFs.close(pfd);
        }
    }

    private static int depth(String rel) {
        if (rel.isEmpty()) {
            return 0;
        }
        int n = 1;
        for (int i = 0; i < rel.length(); i++) {
            if (rel.charAt(i) == '/') {
                n++;
            }
        }
        return n;
    }

    // ---- helpers ----

    /**
     * Opens directory {@code rel} (O_PATH) by walking from the root one component at a time,
     * never through a symlink; creates missing components when {@code create}. Returns -1
     * when a component is missing and {@code create} is false. The caller closes the result.
     */
    private int walk(String rel, boolean create, String entry) {
        int cur = SafeFs.openDirPath(rootFd, ".");
        if (rel.isEmpty()) {
            return cur;
        }
        String sofar = "";
        for (String comp : rel.split("/")) {
            sofar = LayerPaths.join(sofar, comp);
            int next;
            try {
                next = SafeFs.openDirPath(cur, comp);
            } catch (LastErrorException x) {
                if (x.getErrorCode() == FsCalls.ENOENT && create) {
                    try {
                        C.mkdirat(cur, FsCalls.c(comp), 0755);
                        created.add(sofar);
                        next = SafeFs.openDirPath(cur, comp);
                    } catch (LastErrorException y) {
                        SafeFs.close(cur);
                        throw fail(entry, "create directory " + sofar, y);
                    }
                } else if (x.getErrorCode() == FsCalls.ENOENT) {
                    SafeFs.close(cur);
                    return -1;
                } else {
                    SafeFs.Stat st = x.getErrorCode() == FsCalls.ELOOP || x.getErrorCode() == FsCalls.ENOTDIR
                            ? SafeFs.lstat(cur, comp) : null;
                    SafeFs.close(cur);
                    if (st != null && st.isSymlink()) {
                        throw reject(entry, "path goes through the symlink \"" + sofar + "\"");
                    }
                    if (st != null) {
                        throw reject(entry, "\"" + sofar + "\" is not a directory");
                    }
                    throw fail(entry, "open directory " + sofar, x);
                }
            }
            SafeFs.close(cur);
            cur = next;
        }
        return cur;
    }

    /**
     * Makes room for a new entry at {@code base}: an existing directory stays when the new
     * entry is a directory too (docker merges them); anything else is removed, a directory
     * with everything below it, a symlink as the link itself. Returns what was there.
     */
    private SafeFs.Stat clearSlot(int pfd, String base, boolean newIsDir) {
        SafeFs.Stat st = SafeFs.lstat(pfd, base);
        if (st == null || (st.isDir() && newIsDir)) {
            return st;
        }
        SafeFs.removeTree(pfd, base);
        return st;
    }

    /** Owner, mode, xattrs, times of a symlink or special file, without following it. */
    private void noFollowMetadata(int pfd, String base, Meta meta, String entry, boolean chmod) {
        byte[] cbase = FsCalls.c(base);
        if (options.preserveOwnership()) {
            chown(() -> C.fchownat(pfd, cbase, meta.uid(), meta.gid(), FsCalls.AT_SYMLINK_NOFOLLOW), entry);
        }
        if (chmod) {
            // glibc's lchmod trick: an O_PATH|O_NOFOLLOW descriptor, then chmod through /proc.
            int fd = C.openat(pfd, cbase, FsCalls.O_PATH | FsCalls.O_NOFOLLOW | FsCalls.O_CLOEXEC, 0);
            try {
                C.fchmodat(AT_FDCWD, FsCalls.c("/proc/self/fd/" + fd), meta.mode(), 0);
            } finally {
                SafeFs.close(fd);
            }
        }
        if (!meta.xattrs().isEmpty()) {
            byte[] path = FsCalls.c("/proc/self/fd/" + pfd + "/" + base);
            for (var x : meta.xattrs().entrySet()) {
                xattr(() -> C.lsetxattr(path, FsCalls.c(x.getKey()), x.getValue(), x.getValue().length, 0), x.getKey(), entry);
            }
        }
        C.utimensat(pfd, cbase, meta.times(), FsCalls.AT_SYMLINK_NOFOLLOW);
    }

    private interface Call {
        int run() throws LastErrorException;
    }

    private void chown(Call call, String entry) {
        try {
            call.run();
        } catch (LastErrorException x) {
            if (!refused(x)) {
                throw fail(entry, "set owner", x);
            }
            note("chown", "ownership not kept (" + SafeFs.errno(x) + "): first " + entry);
        }
    }

    private void xattr(Call call, String name, String entry) {
        try {
            call.run();
        } catch (LastErrorException x) {
            // Filesystems without xattrs (or a user without the right to trusted.*) lose them; say so once.
            note("xattr:" + x.getErrorCode(), "extended attributes not kept (" + SafeFs.errno(x) + "): first "
                    + name + " on " + entry);
        }
    }

    private static boolean refused(LastErrorException x) {
        int err = x.getErrorCode();
        return err == FsCalls.EPERM || err == FsCalls.EACCES || err == FsCalls.ENOTSUP || err == FsCalls.EINVAL;
    }

    private Meta meta(TarArchiveEntry e, String entry) {
        FileTime mt = e.getLastModifiedTime();
        Instant t = mt != null ? mt.toInstant() : Instant.EPOCH;
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        for (var h : e.getExtraPaxHeaders().entrySet()) {
            String key = h.getKey();
            String name;
            byte[] value;
            if (key.startsWith("SCHILY.xattr.")) {
                name = key.substring("SCHILY.xattr.".length());
                if (h.getValue().indexOf('\uFFFD') >= 0) {
                    // commons-compress decodes PAX values as UTF-8: a binary value is already lost.
                    note("xattr-binary:" + name, "binary extended attribute " + name + " not kept (not UTF-8 in the "
                            + "SCHILY record; LIBARCHIVE.xattr records are): first " + entry);
                    continue;
                }
                value = h.getValue().getBytes(StandardCharsets.UTF_8);
            } else if (key.startsWith("LIBARCHIVE.xattr.")) {
                name = URLDecoder.decode(key.substring("LIBARCHIVE.xattr.".length()), StandardCharsets.UTF_8);
                try {
                    value = Base64.getDecoder().decode(pad(h.getValue()));
                } catch (IllegalArgumentException bad) {
                    throw reject(entry, "bad base64 in " + key);
                }
            } else {
                continue;
            }
            if (name.isEmpty() || name.indexOf('\0') >= 0) {
                throw reject(entry, "bad extended attribute name in " + key);
            }
            if (name.startsWith("trusted.overlay.") || name.startsWith("user.overlay.")) {
                // A layer must not forge overlayfs metadata (opaque, redirect, metacopy): only whiteout entries may.
                note("xattr-overlay", "overlay extended attributes from the tar ignored: first " + name + " on " + entry);
                continue;
            }
            xattrs.put(name, value);
        }
        return new Meta(e.getMode() & 07777, (int) e.getLongUserId(), (int) e.getLongGroupId(),
                t.getEpochSecond(), t.getNano(), xattrs);
    }

    private static String pad(String b64) {
        String s = b64.strip();
        int rem = s.length() % 4;
        return rem == 0 ? s : s + "=".repeat(4 - rem);
    }
}
