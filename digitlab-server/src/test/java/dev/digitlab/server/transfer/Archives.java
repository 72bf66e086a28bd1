package dev.digitlab.server.transfer;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.tar.TarEntry;
import dev.digitlab.ml.tar.TarLimits;
import dev.digitlab.ml.tar.TarReader;
import dev.digitlab.ml.tar.TarWriter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Takes export archives apart and puts them together again, also wrongly, for tests. */
final class Archives {

  private Archives() {}

  /** The entries of an export (manifest included), by name in order. */
  static Map<String, byte[]> entries(byte[] archive) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (TarReader tar = TarReader.gzipped(new ByteArrayInputStream(archive), TarLimits.GENEROUS)) {
      for (TarEntry entry; (entry = tar.next()) != null; ) {
        if (entry.kind() == TarEntry.Kind.FILE) {
          entries.put(entry.name(), tar.content().readAllBytes());
        }
      }
    }
    return entries;
  }

  /** The entries packed as they are (whatever the manifest among them says). */
  static byte[] pack(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarWriter tar = new TarWriter(new GZIPOutputStream(out))) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        tar.file(entry.getKey(), entry.getValue());
      }
    }
    return out.toByteArray();
  }

  /** The entries behind a manifest made anew for them, of the given format and version. */
  static byte[] withManifest(Map<String, byte[]> entries, String format, int version)
      throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>(entries);
    files.remove("manifest.json");
    ObjectNode manifest = Json.mapper().createObjectNode();
    manifest.put("format", format);
    manifest.put("version", version);
    manifest.put("exportedAt", "2026-01-01T00:00:00Z");
    ArrayNode list = manifest.putArray("entries");
    files.forEach(
        (path, bytes) ->
            list.addObject()
                .put("path", path)
                .put("size", bytes.length)
                .put("sha256", Digests.sha256(bytes)));
    Map<String, byte[]> all = new LinkedHashMap<>();
    all.put("manifest.json", manifest.toString().getBytes(StandardCharsets.UTF_8));
    all.putAll(files);
    return pack(all);
  }

  /** The server id the exports that {@link #fromAnotherServer} rewrites name. */
  static final String ANOTHER_SERVER = "00000000-0000-4000-8000-00000000abcd";

  /**
   * An experiment export as if written by another server ({@link #ANOTHER_SERVER}, its experiment
   * {@code 4242}): its {@code origin.json} replaced, under a manifest made anew. The contents, and
   * so the archive's identity, are the same.
   */
  static byte[] fromAnotherServer(byte[] export) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>(entries(export));
    entries.put(
        "origin.json",
        ("[{\"server\": \"" + ANOTHER_SERVER + "\", \"experiment\": 4242}]")
            .getBytes(StandardCharsets.UTF_8));
    return withManifest(entries, "digitlab-experiment", 2);
  }

  /** The identity an import keys an experiment export by: what the server computes of it. */
  static String digest(byte[] export) {
    return TransferArchive.read(export, "digitlab-experiment", 2, "experiment").digest();
  }

  /**
   * The entries with one more, written with a raw header (our writer refuses such names): {@code
   * type} '0' for a file, '1' a hard link, '2' a symbolic link (to /etc).
   */
  static byte[] withRawEntry(Map<String, byte[]> entries, String name, char type)
      throws IOException {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    try (TarWriter writer = new TarWriter(tar)) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        writer.file(entry.getKey(), entry.getValue());
      }
      writer.finish();
    }
    byte[] body = tar.toByteArray();
    // Drop the two end blocks, add the raw entry, end again.
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    raw.write(body, 0, body.length - 1024);
    byte[] content = type == '0' ? "pwned".getBytes(StandardCharsets.US_ASCII) : new byte[0];
    byte[] header = new byte[512];
    put(header, 0, name);
    put(header, 100, "0000644");
    put(header, 124, String.format("%011o", content.length));
    header[156] = (byte) type;
    if (type != '0') {
      put(header, 157, "/etc");
    }
    put(header, 257, "ustar");
    Arrays.fill(header, 148, 156, (byte) ' ');
    int sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, String.format("%06o\0", sum));
    raw.write(header);
    raw.write(content);
    raw.write(new byte[(512 - content.length % 512) % 512]);
    raw.write(new byte[1024]);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(raw.toByteArray());
    }
    return out.toByteArray();
  }

  private static void put(byte[] header, int offset, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }
}
