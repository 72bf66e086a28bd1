package dev.digitlab.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import tools.jackson.databind.JsonNode;

/**
 * Packs a program's folder ({@link CodePacker}) and uploads it to {@code POST /api/v1/code}, where
 * the server keeps one copy per content: what {@code submit} does for a command experiment's {@code
 * code:} and {@code pipeline run} for a command step's.
 */
final class CodeUpload {

  private CodeUpload() {}

  /** Uploads {@code folder} packed; returns the reference a document names it by. */
  static String upload(Path folder, ApiClient client, PrintWriter err) {
    CodePacker.Packed packed = CodePacker.pack(folder);
    JsonNode stored =
        client.post("/api/v1/code?sha256=" + packed.sha256(), packed.bytes(), "application/gzip");
    err.println(
        "Packed "
            + folder
            + " ("
            + packed.bytes().length
            + " bytes, sha256 "
            + packed.sha256().substring(0, 12)
            + "…)"
            + (stored.path("sizeBytes").isMissingNode() ? "" : ", uploaded"));
    return "sha256:" + packed.sha256();
  }
}
