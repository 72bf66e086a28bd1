package dev.digitlab.server.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One generated request: which operation, as whom, and exactly what is sent; {@code
 * unknownParameter} is the query parameter it adds that the operation does not read, which must get
 * it refused (null for none).
 */
record FuzzRequest(
    String operation,
    String method,
    String target,
    Map<String, String> headers,
    byte[] body,
    Caller caller,
    String unknownParameter) {

  enum Caller {
    ADMIN,
    /** A user who owns none of the seeded experiments: changing them is refused (403). */
    USER,
    VIEWER,
    BAD_TOKEN,
    NOBODY
  }

  /** For a failure message: enough to send the request again by hand. */
  String describe() {
    String shown =
        body == null
            ? ""
            : " body("
                + body.length
                + " bytes): "
                + new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8);
    String target = this.target.length() > 300 ? this.target.substring(0, 300) + "…" : this.target;
    return caller + " " + method + " " + target + " " + headers + shown;
  }
}
