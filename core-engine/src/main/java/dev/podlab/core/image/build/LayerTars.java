package dev.podlab.core.image.build;

import com.github.luben.zstd.ZstdOutputStream;
import dev.podlab.core.PodlabException;
import dev.podlab.core.image.ImageException;
import dev.podlab.core.image.oci.MediaTypes.Compression;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;

/**
 * Writes layer tars the deterministic way: POSIX/PAX headers for long names and big numbers, every entry with
 * the same modification time, numeric owners only (user and group names empty), no access or change times. The
 * same entries and time always give the same bytes, so the same layer digest.
 */
public final class LayerTars {
    private LayerTars() {}

    /** A tar stream set up as podlab's layers are: POSIX long names, PAX for big numbers and non-ASCII names. */
    public static TarArchiveOutputStream newTar(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        return tar;
    }

    /**
     * A fresh tar header with the deterministic defaults (modification time {@code mtime}, uid/gid 0, no user or
     * group names). {@code name} is used exactly as given (a leading "/" is kept); {@code mode} includes the type
     * bits (0100644 for a file).
     */
    public static TarArchiveEntry header(String name, byte type, int mode, Instant mtime) {
        // preserveAbsolutePath=true: commons-compress would otherwise strip a leading "/".
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setMode(mode);
        e.setModTime(FileTime.from(mtime));
        e.setUserId(0);
        e.setGroupId(0);
        e.setUserName("");
        e.setGroupName("");
        return e;
    }

    /** Writes one entry; the content of a regular file is streamed from its {@link FileContent}. */
    public static void write(TarArchiveOutputStream tar, LayerEntry entry, Instant mtime) throws IOException {
        TarArchiveEntry e;
        FileContent content = null;
        switch (entry) {
            case LayerEntry.Directory d -> e = header(d.path() + "/", TarConstants.LF_DIR, 040000 | d.mode(), mtime);
            case LayerEntry.RegularFile f -> {
                e = header(f.path(), TarConstants.LF_NORMAL, 0100000 | f.mode(), mtime);
                content = f.content();
            }
            case LayerEntry.Symlink s -> {
                e = header(s.path(), TarConstants.LF_SYMLINK, 0120777, mtime);
                e.setLinkName(s.target());
            }
            case LayerEntry.Hardlink h -> {
                e = header(h.path(), TarConstants.LF_LINK, 0100644, mtime);
                e.setLinkName(h.target());
            }
            case LayerEntry.Whiteout w -> {
                e = header(w.entryName(), TarConstants.LF_NORMAL, 0100644, mtime);
                e.setSize(0);
            }
            case LayerEntry.OpaqueDirectory o -> {
                e = header(o.entryName(), TarConstants.LF_NORMAL, 0100644, mtime);
                e.setSize(0);
            }
            case LayerEntry.Device d -> {
                boolean chr = d.kind() == LayerEntry.DeviceKind.CHARACTER;
                e = header(d.path(), chr ? TarConstants.LF_CHR : TarConstants.LF_BLK,
                        (chr ? 020000 : 060000) | d.mode(), mtime);
                e.setDevMajor(d.major());
                e.setDevMinor(d.minor());
            }
            case LayerEntry.Fifo f -> e = header(f.path(), TarConstants.LF_FIFO, 010000 | f.mode(), mtime);
        }
        e.setUserId(entry.owner().uid());
        e.setGroupId(entry.owner().gid());
        if (content != null) {
            e.setSize(content.size());
        }
        tar.putArchiveEntry(e);
        if (content != null) {
            try (InputStream in = content.open()) {
                in.transferTo(tar);
            }
        }
        tar.closeArchiveEntry();
    }

    /** The uncompressed tar of {@code layer}'s entries, every entry dated {@code mtime}. */
    public static byte[] tar(Layer layer, Instant mtime) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LayerEntry current = null;
        try (TarArchiveOutputStream tar = newTar(bytes)) {
            for (LayerEntry e : layer.entries()) {
                current = e;
                write(tar, e, mtime);
            }
            current = null;
            tar.finish();
        } catch (IOException | RuntimeException e) {
            String where = current == null ? "layer tar" : "layer entry /" + current.path();
            throw new ImageException(PodlabException.failed("write", where, e), e);
        }
        return bytes.toByteArray();
    }

    /** {@code tar} compressed {@code compression} (gzip without a file name or time, so deterministic). */
    public static byte[] compress(byte[] tar, Compression compression) {
        if (compression == Compression.NONE) {
            return tar;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(tar.length / 2 + 64);
        try (OutputStream c = compression == Compression.GZIP ? new GZIPOutputStream(out) : new ZstdOutputStream(out)) {
            c.write(tar);
        } catch (IOException e) {
            throw new ImageException(PodlabException.failed("compress", "layer (" + compression + ")", e), e);
        }
        return out.toByteArray();
    }
}
