package dev.digitlab.server.transfer;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.tar.TarEntry;
import dev.digitlab.ml.tar.TarException;
import dev.digitlab.ml.tar.TarLimits;
import dev.digitlab.ml.tar.TarReader;
import dev.digitlab.server.api.InvalidParameterException;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The {@code .tar.gz} an export is: {@value #MANIFEST} first (the format, its version, and every
 * other entry's path, size and SHA-256), then the entries. Reading checks everything before a
 * caller sees any of it: the gzip and tar are whole, no name leaves the archive's root (the shared
 * {@link TarReader}'s checks), there are no links, the manifest is there and of the expected format
 * and version, every entry is listed and every listed entry is there with its digest.
 *
 * <p>The archive's identity ({@link Contents#digest()}) is the SHA-256 of its format, version and
 * entries (path and SHA-256 each, in order), not of its bytes: the export time and the gzip level
 * do not count, so exporting an unchanged experiment twice gives the same identity, and importing
 * the second file is refused like the first's second import. Nor does {@value
 * ExperimentExport#ORIGIN}: it says where the file was exported, not what it holds.
 */
final class TransferArchive {

  static final String MANIFEST = "manifest.json";

  /** What one archive may hold: its body is read in memory, like the previous JSON format. */
  static final TarLimits LIMITS = new TarLimits(512L << 20, 512L << 20, 100_000);

  /** The manifest's entry for one file. */
  record Entry(String path, long size, String sha256) {}

  /** The manifest. */
  record Manifest(String format, int version, String exportedAt, List<Entry> entries) {}

  /**
   * A checked archive: its manifest, identity, and files by path (manifest order). {@code prefix}:
   * where those paths sit in the file the user holds ({@code experiments/STEP/} for an experiment a
   * pipeline export carries, empty for an archive of its own), so that problems name what they find
   * there.
   */
  record Contents(Manifest manifest, String digest, Map<String, byte[]> files, String prefix) {

    /** The file at {@code path}, or a 400 naming it. */
    byte[] require(String path) {
      byte[] bytes = files.get(path);
      if (bytes == null) {
        throw bad("misses " + name(path));
      }
      return bytes;
    }

    /** {@code path} as the file the user holds names it, for a problem's message. */
    String name(String path) {
      return prefix + path;
    }
  }

  private TransferArchive() {}

  /** True when {@code file} starts like a gzip stream holding a tar (not the v1 JSON). */
  static boolean isGzip(byte[] file) {
    return file.length >= 2 && (file[0] & 0xff) == 0x1f && (file[1] & 0xff) == 0x8b;
  }

  /** The manifest's bytes ({@link ExportEntries} writes the archive behind it). */
  static byte[] manifest(String format, int version, String exportedAt, List<Entry> entries) {
    return Json.mapper()
        .writerWithDefaultPrettyPrinter()
        .writeValueAsBytes(new Manifest(format, version, exportedAt, entries));
  }

  /**
   * Reads and checks an archive of {@code format} at {@code version}.
   *
   * @throws InvalidParameterException (400) saying what is wrong, for every refusal
   */
  static Contents read(byte[] file, String format, int version, String what) {
    Map<String, byte[]> found = new LinkedHashMap<>();
    try (TarReader tar = TarReader.gzipped(new ByteArrayInputStream(file), LIMITS)) {
      for (TarEntry entry; (entry = tar.next()) != null; ) {
        switch (entry.kind()) {
          case DIRECTORY -> {}
          case FILE -> {
            if (found.put(entry.name(), tar.content().readAllBytes()) != null) {
              throw bad("holds '" + entry.name() + "' twice");
            }
          }
          case OTHER ->
              throw bad(
                  "holds a "
                      + tar.describeCurrent()
                      + " ('"
                      + entry.name()
                      + "'); an export holds plain files only");
        }
      }
    } catch (TarException e) {
      throw bad("is refused: " + e.getMessage());
    } catch (ZipException | EOFException e) {
      throw bad(
          "is damaged or truncated: its gzip or tar stream ends early or cannot be read ("
              + e.getMessage()
              + "); export the "
              + what
              + " again");
    } catch (IOException e) {
      throw bad("cannot be read: " + e.getMessage());
    }
    byte[] manifestBytes = found.remove(MANIFEST);
    if (manifestBytes == null) {
      throw bad("has no " + MANIFEST + ": it is not a Digit Lab " + what + " export (.tar.gz)");
    }
    Manifest manifest = manifest(manifestBytes, format, version, what);
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (Entry entry : manifest.entries()) {
      if (entry == null || entry.path() == null || entry.sha256() == null) {
        throw bad("has a manifest entry without a path or a sha256");
      }
      byte[] bytes = found.remove(entry.path());
      if (bytes == null) {
        throw bad("misses " + entry.path() + ", which its manifest lists");
      }
      if (!Digests.sha256(bytes).equals(entry.sha256())) {
        throw bad(
            "has an entry "
                + entry.path()
                + " whose contents do not match the sha256 in its manifest: the file was changed"
                + " or damaged");
      }
      files.put(entry.path(), bytes);
    }
    if (!found.isEmpty()) {
      throw bad(
          "holds "
              + found.keySet().iterator().next()
              + ", which its manifest does not list: the file was changed");
    }
    return new Contents(manifest, identity(manifest), files, "");
  }

  /**
   * Contents made of entries already checked as part of another archive (a pipeline export carries
   * its command steps' experiments so), under a manifest made for them; {@code prefix}: where they
   * sit in that archive.
   */
  static Contents of(
      String format, int version, String exportedAt, Map<String, byte[]> files, String prefix) {
    List<Entry> entries = new ArrayList<>();
    files.forEach(
        (path, bytes) -> entries.add(new Entry(path, bytes.length, Digests.sha256(bytes))));
    Manifest manifest = new Manifest(format, version, exportedAt, entries);
    return new Contents(manifest, identity(manifest), new LinkedHashMap<>(files), prefix);
  }

  private static String identity(Manifest manifest) {
    StringBuilder text =
        new StringBuilder(manifest.format()).append('\n').append(manifest.version()).append('\n');
    for (Entry entry : manifest.entries()) {
      if (entry.path().equals(ExperimentExport.ORIGIN)) {
        continue;
      }
      text.append(entry.path()).append('\0').append(entry.sha256()).append('\n');
    }
    return Digests.sha256(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  private static Manifest manifest(byte[] bytes, String format, int version, String what) {
    JsonNode tree;
    try {
      tree = Json.mapper().readTree(bytes);
    } catch (JacksonException e) {
      throw bad("has a " + MANIFEST + " that is not JSON: " + e.getOriginalMessage());
    }
    if (tree == null || !tree.isObject()) {
      throw bad("has a " + MANIFEST + " that is not a JSON object");
    }
    String found = tree.path("format").asString("");
    if (!format.equals(found)) {
      throw bad(
          "is not a Digit Lab "
              + what
              + " export: its manifest's format is '"
              + found
              + "', expected '"
              + format
              + "'");
    }
    JsonNode v = tree.path("version");
    if (!v.isInt() || v.asInt() != version) {
      throw bad(
          "is an export of format version "
              + v
              + "; this server reads version "
              + version
              + " of .tar.gz exports");
    }
    try {
      Manifest manifest = Json.mapper().treeToValue(tree, Manifest.class);
      if (manifest.entries() == null) {
        throw bad("has a manifest without entries");
      }
      return manifest;
    } catch (JacksonException e) {
      throw bad("has a manifest this server cannot read: " + e.getOriginalMessage());
    }
  }

  static InvalidParameterException bad(String message) {
    return new InvalidParameterException("file", "The file " + message + ".");
  }
}
