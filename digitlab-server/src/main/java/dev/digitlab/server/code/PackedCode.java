package dev.digitlab.server.code;

import dev.digitlab.ml.tar.TarEntry;
import dev.digitlab.ml.tar.TarException;
import dev.digitlab.ml.tar.TarLimits;
import dev.digitlab.ml.tar.TarReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipException;

/**
 * Checks that an upload is what {@code digitlab submit} packs: a gzip-compressed tar of regular
 * files and directories whose names stay inside the folder it unpacks to. A worker unpacks it again
 * with the same reader's checks; refusing here tells the uploader at once, with a 400, rather than
 * failing every trial later.
 */
final class PackedCode {

  private PackedCode() {}

  /**
   * The problem with the file at {@code archive}, or null when it is a packed code folder.
   *
   * @throws IOException only when the file cannot be read
   */
  static String problem(Path archive) throws IOException {
    try (InputStream raw = Files.newInputStream(archive)) {
      int first = raw.read();
      int second = raw.read();
      if (first != 0x1f || second != 0x8b) {
        return "the code must be a .tar.gz (gzip) archive; 'digitlab submit' packs the code:"
            + " folder for you";
      }
    }
    try (TarReader tar = TarReader.gzipped(Files.newInputStream(archive), TarLimits.GENEROUS)) {
      for (TarEntry entry; (entry = tar.next()) != null; ) {
        if (entry.kind() == TarEntry.Kind.OTHER) {
          return "the archive holds a "
              + tar.describeCurrent()
              + " ('"
              + entry.name()
              + "'); pack regular files and folders only";
        }
      }
      return null;
    } catch (TarException e) {
      return "the code archive is refused: " + e.getMessage();
    } catch (ZipException | EOFException e) {
      return "the code is not a whole gzip stream, or the tar archive ends in the middle of an"
          + " entry: "
          + e.getMessage();
    }
  }
}
