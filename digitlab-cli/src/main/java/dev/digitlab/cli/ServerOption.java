package dev.digitlab.cli;

import java.net.URI;
import picocli.CommandLine.Option;

/**
 * The {@code --server} and {@code --token} options, mixed into every command that talks to a Digit
 * Lab server.
 */
final class ServerOption {

  @Option(
      names = "--server",
      paramLabel = "URL",
      defaultValue = "${env:DIGITLAB_SERVER:-http://localhost:8080}",
      description = "Digit Lab server (default: $DIGITLAB_SERVER, else http://localhost:8080).")
  String server;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      defaultValue = "${env:DIGITLAB_TOKEN}",
      description =
          "API token, sent as 'Authorization: Bearer'; needed when the server has authentication"
              + " on (default: $DIGITLAB_TOKEN). Prefer the variable: a command line is visible"
              + " to other users of the machine.")
  String token;

  ApiClient client() {
    String base = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    return new ApiClient(URI.create(base), token == null || token.isBlank() ? null : token.strip());
  }
}
