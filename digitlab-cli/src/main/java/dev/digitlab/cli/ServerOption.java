package dev.digitlab.cli;

import java.net.URI;
import picocli.CommandLine.Option;

/** The {@code --server} option, mixed into every command that talks to a Digit Lab server. */
final class ServerOption {

  @Option(
      names = "--server",
      paramLabel = "URL",
      defaultValue = "${env:DIGITLAB_SERVER:-http://localhost:8080}",
      description = "Digit Lab server (default: $DIGITLAB_SERVER, else http://localhost:8080).")
  String server;

  ApiClient client() {
    String base = server.endsWith("/") ? server.substring(0, server.length() - 1) : server;
    return new ApiClient(URI.create(base));
  }
}
