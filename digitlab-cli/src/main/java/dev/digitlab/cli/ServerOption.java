package dev.digitlab.cli;

import java.net.URI;
import picocli.CommandLine.Option;

/**
 * The {@code --server} and {@code --token} options, mixed into every command that talks to a Digit
 * Lab server.
 */
final class ServerOption {

  /** Where the client commands go without {@code --server} or DIGITLAB_SERVER. */
  static final String DEFAULT_SERVER = "http://localhost:8080";

  @Option(
      names = "--server",
      paramLabel = "URL",
      defaultValue = "${env:DIGITLAB_SERVER:-" + DEFAULT_SERVER + "}",
      description = "Digit Lab server (default: $DIGITLAB_SERVER, else " + DEFAULT_SERVER + ").")
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

  /**
   * {@code " --server URL"} when the client commands, left to their default (DIGITLAB_SERVER, else
   * {@link #DEFAULT_SERVER}), would not reach the server at {@code url}; else empty. For the
   * commands Digit Lab prints for the user to run next.
   */
  static String optionUnlessDefault(String url) {
    String byDefault =
        java.util.Objects.requireNonNullElse(System.getenv("DIGITLAB_SERVER"), DEFAULT_SERVER);
    return sameServer(url, byDefault) ? "" : " --server " + url;
  }

  /** Whether both URLs reach one server: the same port, and the same host or both loopback. */
  static boolean sameServer(String url, String other) {
    try {
      URI one = URI.create(url.strip());
      URI two = URI.create(other.strip());
      return one.getScheme().equalsIgnoreCase(two.getScheme())
          && port(one) == port(two)
          && (one.getHost().equalsIgnoreCase(two.getHost())
              || loopback(one.getHost()) && loopback(two.getHost()));
    } catch (RuntimeException e) {
      return false; // not a URL the client commands take: they will say so themselves
    }
  }

  private static int port(URI url) {
    return url.getPort() != -1
        ? url.getPort()
        : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
  }

  private static boolean loopback(String host) {
    return host.equalsIgnoreCase("localhost") || host.startsWith("127.") || host.equals("[::1]");
  }

  ApiClient client() {
    return new ApiClient(url(), token == null || token.isBlank() ? null : token.strip());
  }

  /**
   * The server's base URL. A host and port without {@code http://} (as one types it into a
   * browser), another scheme, or the API's own path are refused with the address to write: the HTTP
   * client's own words were "invalid URI scheme localhost" or a 404 for /api/v1/api/v1/….
   */
  URI url() {
    String base = server.strip();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    String scheme = base.contains("://") ? base.substring(0, base.indexOf("://")) : "";
    String rest = base.contains("://") ? base.substring(base.indexOf("://") + 3) : base;
    String suggestion = null;
    if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
      suggestion = "http://" + rest;
    } else if (rest.endsWith("/api/v1")) {
      suggestion = base.substring(0, base.length() - "/api/v1".length());
    }
    URI url = null;
    if (suggestion == null) {
      try {
        url = new URI(base);
      } catch (java.net.URISyntaxException e) {
        suggestion = "http://localhost:8080";
      }
    }
    if (url == null || url.getHost() == null) {
      throw new ApiClient.ApiException(
          "--server (or DIGITLAB_SERVER) is the server's address, e.g. "
              + (suggestion == null ? "http://localhost:8080" : suggestion)
              + "; got '"
              + server
              + "'.");
    }
    return url;
  }
}
