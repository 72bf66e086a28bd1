package dev.digitlab.cli;

import java.io.PrintWriter;
import tools.jackson.databind.JsonNode;

/**
 * How a listing command prints ({@code -o table|json}): a table for people, or the server's JSON as
 * it answered, for scripts ({@code digitlab model ls -o json | jq …}). {@code digitlab ls} also
 * offers {@code csv}.
 */
enum ListingFormat {
  table,
  json;

  /** Prints {@code body} as pretty JSON and says whether it did (else print the table). */
  boolean printedJson(PrintWriter out, JsonNode body) {
    if (this != json) {
      return false;
    }
    out.println(body.toPrettyString());
    return true;
  }
}
