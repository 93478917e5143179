package dev.podlab.core.image.analysis;

/**
 * One path of the merged image tree.
 *
 * @param path       relative path without a leading '/'
 * @param type       what it is
 * @param size       content bytes (0 for anything but regular files)
 * @param mode       permission bits incl. setuid/setgid/sticky
 * @param linkTarget symlink or hard link target, else null
 * @param layer      index (bottom = 0) of the layer that provides it
 * @param implicit   true for a directory no tar listed, implied by its contents
 */
public record FileNode(String path, Type type, long size, int mode, long uid, long gid, String linkTarget, int layer,
                       boolean implicit) {
    public enum Type { FILE, DIRECTORY, SYMLINK, HARDLINK, FIFO, CHAR_DEVICE, BLOCK_DEVICE }

    public boolean isDirectory() {
        return type == Type.DIRECTORY;
    }
}
