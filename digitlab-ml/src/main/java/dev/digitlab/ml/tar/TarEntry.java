package dev.digitlab.ml.tar;

/**
 * One entry of a tar archive as {@link TarReader} hands it out.
 *
 * @param name the entry's full name (ustar prefix, GNU long name or pax path applied), already
 *     checked to be a relative path that stays inside the archive's root ({@link TarPaths})
 * @param kind what the entry is
 * @param size its content's length in bytes (0 for anything but a file)
 * @param mode its permission bits
 */
public record TarEntry(String name, Kind kind, long size, int mode) {

  /** The entry kinds a reader tells apart. */
  public enum Kind {
    FILE,
    DIRECTORY,
    /** A hard or symbolic link, a device or a FIFO: nothing a Digit Lab archive holds. */
    OTHER
  }

  /** True when the owner may execute it. */
  public boolean executable() {
    return (mode & 0100) != 0;
  }
}
