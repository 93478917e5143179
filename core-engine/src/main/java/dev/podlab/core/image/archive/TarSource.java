package dev.podlab.core.image.archive;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.podlab.core.PodlabException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A tar archive file, plain or gzip/zstd compressed (detected by magic number), read in passes.
 *
 * <p>Opening it makes the first pass: every member name is checked (absolute or ".." names are refused), every
 * member's declared size must really be there (a truncated archive is reported naming the member that is cut
 * short), duplicate names are refused, and the archive's small JSON-looking members (the metadata files, and
 * members of at most {@value #CACHE_MEMBER} bytes starting with '{' or '[', up to {@value #CACHE_TOTAL} bytes in
 * all) are kept in memory. So an import usually reads the archive twice: this pass, and one that streams the
 * layers into the store. A JSON member not kept costs one more pass. Nothing is extracted to disk.
 */
final class TarSource extends ArchiveSource {
    static final int CACHE_MEMBER = 1 << 20;
    static final int CACHE_TOTAL = 64 << 20;
    private static final Set<String> METADATA = Set.of("oci-layout", "index.json", "manifest.json", "repositories");
    private static final int BUFFER = 64 * 1024;

    enum Kind { FILE, SYMLINK, HARDLINK, DIRECTORY, OTHER }

    record Member(String name, Kind kind, long size, String link) {}

    enum Compression { NONE, GZIP, ZSTD }

    private final Compression compression;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Map<String, byte[]> cache = new HashMap<>();
    private long cached;

    private TarSource(Path path, Compression compression) {
        super(path);
        this.compression = compression;
    }

    static TarSource open(Path path) {
        Compression c;
        byte[] head = new byte[512];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, 4);
            if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
                c = Compression.GZIP;
            } else if (n == 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                    && (head[3] & 0xff) == 0xfd) {
                c = Compression.ZSTD;
            } else {
                c = Compression.NONE;
            }
        } catch (IOException e) {
            throw new dev.podlab.core.image.ImageException(PodlabException.failed("import", path.toString(), e), e);
        }
        TarSource src = new TarSource(path, c);
        try (InputStream in = src.openDecompressed()) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw src.notAnArchive((c == Compression.NONE ? "a file" : "a " + c.name().toLowerCase()
                    + "-compressed file") + " that cannot be read (" + PodlabException.describe(e) + ")");
        }
        if (n == 0) {
            throw src.notAnArchive(c == Compression.NONE ? "an empty file" : "an empty " + c.name().toLowerCase()
                    + " stream");
        }
        if (n < head.length || !TarArchiveInputStream.matches(head, n)) {
            throw src.notAnArchive((c == Compression.NONE ? "a file" : "a " + c.name().toLowerCase()
                    + "-compressed file") + " that is not a tar archive");
        }
        src.index();
        return src;
    }

    private dev.podlab.core.image.ImageException notAnArchive(String found) {
        return error("it is neither an OCI layout, an oci-archive nor a docker-archive (found: " + found + ")");
    }

    private InputStream openDecompressed() throws IOException {
        InputStream file = new BufferedInputStream(Files.newInputStream(path), BUFFER);
        try {
            return switch (compression) {
                case NONE -> file;
                case GZIP -> new BufferedInputStream(GzipCompressorInputStream.builder().setInputStream(file)
                        .setDecompressConcatenated(true).get(), BUFFER);
                case ZSTD -> new BufferedInputStream(new ZstdInputStreamNoFinalizer(file), BUFFER);
            };
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    private TarArchiveInputStream openTar() throws IOException {
        return new TarArchiveInputStream(openDecompressed(), StandardCharsets.UTF_8.name());
    }

    /** A member is looked at by one of the passes below. */
    @FunctionalInterface
    private interface Visitor {
        void visit(TarArchiveEntry entry, String name, TarArchiveInputStream tar) throws IOException;
    }

    /** One pass over the archive; I/O errors name the member being read. */
    private void pass(Visitor visitor) {
        String current = null;
        try (TarArchiveInputStream tar = openTar()) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                current = e.getName();
                String name = normalize(e.getName(), "member");
                if (name.isEmpty()) {
                    continue; // "./": the archive root
                }
                visitor.visit(e, name, tar);
                current = null;
            }
        } catch (dev.podlab.core.image.ImageException e) {
            throw e;
        } catch (IOException e) {
            String where = current != null ? " at member " + current : " after the last complete member";
            throw error("the archive is truncated or corrupt" + where + ": " + PodlabException.describe(e), e);
        }
    }

    /** The first pass: names, types, sizes really present, small JSON kept. */
    private void index() {
        byte[] buf = new byte[BUFFER];
        pass((e, name, tar) -> {
            Kind kind = kind(e);
            if (members.containsKey(name) && kind != Kind.DIRECTORY) {
                throw error("member " + e.getName() + " appears twice in the archive");
            }
            String link = switch (kind) {
                case SYMLINK -> e.getLinkName();
                case HARDLINK -> normalize(e.getLinkName(), "hard link target of member " + e.getName() + ":");
                default -> null;
            };
            long declared = kind == Kind.FILE ? e.getSize() : 0;
            members.put(name, new Member(name, kind, declared, link));
            if (kind != Kind.FILE) {
                return;
            }
            boolean metadata = METADATA.contains(name);
            ByteArrayOutputStream keep = null;
            long n = 0;
            int r;
            while ((r = tar.read(buf)) != -1) {
                if (n == 0 && r > 0) {
                    boolean json = buf[0] == '{' || buf[0] == '[';
                    if ((metadata && declared <= ArchiveLimits.MAX_JSON)
                            || (json && declared <= CACHE_MEMBER && cached + declared <= CACHE_TOTAL)) {
                        keep = new ByteArrayOutputStream((int) declared);
                    }
                }
                if (keep != null) {
                    keep.write(buf, 0, r);
                }
                n += r;
            }
            if (n != declared) {
                throw error("the archive is truncated: member " + e.getName() + " declares " + declared
                        + " bytes but only " + n + " are present");
            }
            if (keep != null) {
                cache.put(name, keep.toByteArray());
                cached += declared;
            }
        });
    }

    private static Kind kind(TarArchiveEntry e) {
        if (e.isSymbolicLink()) {
            return Kind.SYMLINK;
        }
        if (e.isLink()) {
            return Kind.HARDLINK;
        }
        if (e.isDirectory()) {
            return Kind.DIRECTORY;
        }
        byte flag = e.getLinkFlag();
        if (flag == TarConstants.LF_NORMAL || flag == TarConstants.LF_OLDNORM || flag == TarConstants.LF_CONTIG) {
            return Kind.FILE;
        }
        return Kind.OTHER;
    }

    @Override
    boolean isDirectory() {
        return false;
    }

    @Override
    String describe() {
        String kind = switch (compression) {
            case NONE -> "a tar archive";
            case GZIP -> "a gzip-compressed tar archive";
            case ZSTD -> "a zstd-compressed tar archive";
        };
        if (members.isEmpty()) {
            return kind + " without members";
        }
        String names = members.keySet().stream().limit(8).collect(Collectors.joining(", "));
        return kind + " with " + members.size() + " member" + (members.size() == 1 ? "" : "s") + ": " + names
                + (members.size() > 8 ? ", ..." : "");
    }

    @Override
    boolean exists(String name) {
        return members.containsKey(name);
    }

    @Override
    Optional<String> resolve(String name) {
        String n = normalize(name, "member");
        for (int hops = 0; hops < 16; hops++) {
            Member m = members.get(n);
            if (m == null) {
                return Optional.empty();
            }
            switch (m.kind()) {
                case FILE -> {
                    return Optional.of(n);
                }
                case SYMLINK -> n = resolveSymlink(n, m.link());
                case HARDLINK -> n = m.link();
                default -> throw error("member " + n + " is not a regular file");
            }
        }
        throw error("member " + name + " is a chain of more than 16 links");
    }

    @Override
    long size(String member) {
        return members.get(member).size();
    }

    @Override
    Map<String, byte[]> read(Collection<String> wanted, long max) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        Set<String> missing = new LinkedHashSet<>();
        for (String m : wanted) {
            long size = size(m);
            if (size > max) {
                throw tooBig(m, size, max);
            }
            byte[] b = cache.get(m);
            if (b != null) {
                out.put(m, b);
            } else {
                missing.add(m);
            }
        }
        if (!missing.isEmpty()) {
            stream(missing, (name, size, in) -> out.put(name, in.readAllBytes()));
        }
        return out;
    }

    @Override
    void stream(Collection<String> wanted, MemberHandler handler) {
        Set<String> left = new LinkedHashSet<>(wanted);
        if (left.isEmpty()) {
            return;
        }
        pass((e, name, tar) -> {
            if (left.remove(name) && kind(e) == Kind.FILE) {
                handler.accept(name, e.getSize(), new NonClosing(tar));
            }
        });
        if (!left.isEmpty()) {
            throw error("member " + left.iterator().next() + " vanished (the archive changed while it was read)");
        }
    }
}
