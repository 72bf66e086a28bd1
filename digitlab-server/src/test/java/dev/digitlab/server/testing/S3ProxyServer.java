package dev.digitlab.server.testing;

import dev.digitlab.server.artifacts.S3Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A real S3-compatible server for tests: S3Proxy from Maven Central (copied to {@code
 * target/s3proxy/s3proxy.jar} by the build), run as a process of its own on a free loopback port,
 * storing objects in a temporary folder.
 */
public final class S3ProxyServer implements AutoCloseable {

  private static final Path JAR = Path.of("target", "s3proxy", "s3proxy.jar");
  private static final String IDENTITY = "digitlab-test";
  private static final String CREDENTIAL = "digitlab-test-secret";

  private final Process process;
  private final URI endpoint;
  private final Path log;

  private S3ProxyServer(Process process, URI endpoint, Path log) {
    this.process = process;
    this.endpoint = endpoint;
    this.log = log;
  }

  /** Starts S3Proxy with its objects in {@code dir}; returns once it accepts connections. */
  public static S3ProxyServer start(Path dir) {
    try {
      if (!Files.isRegularFile(JAR)) {
        throw new IllegalStateException(
            JAR.toAbsolutePath() + " is missing: run the tests through Maven, which copies it");
      }
      int port = freePort();
      Path data = Files.createDirectories(dir.resolve("objects"));
      Path properties = dir.resolve("s3proxy.properties");
      Files.write(
          properties,
          List.of(
              "s3proxy.endpoint=http://127.0.0.1:" + port,
              "s3proxy.authorization=aws-v2-or-v4",
              "s3proxy.identity=" + IDENTITY,
              "s3proxy.credential=" + CREDENTIAL,
              "jclouds.provider=filesystem",
              "jclouds.filesystem.basedir=" + data.toAbsolutePath()));
      Path log = dir.resolve("s3proxy.log");
      Process process =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-jar",
                  JAR.toAbsolutePath().toString(),
                  "--properties",
                  properties.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      S3ProxyServer server =
          new S3ProxyServer(process, URI.create("http://127.0.0.1:" + port), log);
      server.awaitListening(port);
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Settings for a bucket of its own on this server. */
  public S3Settings settings(long partSize) {
    String bucket = "digitlab-" + UUID.randomUUID().toString().substring(0, 8);
    return new S3Settings(endpoint, bucket, null, IDENTITY, CREDENTIAL, true, "", partSize);
  }

  /**
   * Points a server under test at a bucket of its own on this server ({@link #settings}): the four
   * {@code digitlab.artifacts.s3.*} settings. Returns the settings, for the test's own client.
   */
  public S3Settings addBucketTo(DynamicPropertyRegistry properties, long partSize) {
    S3Settings s3 = settings(partSize);
    properties.add("digitlab.artifacts.s3.endpoint", () -> s3.endpoint().toString());
    properties.add("digitlab.artifacts.s3.bucket", s3::bucket);
    properties.add("digitlab.artifacts.s3.access-key", s3::accessKey);
    properties.add("digitlab.artifacts.s3.secret-key", s3::secretKey);
    return s3;
  }

  public URI endpoint() {
    return endpoint;
  }

  public static String identity() {
    return IDENTITY;
  }

  public static String credential() {
    return CREDENTIAL;
  }

  private void awaitListening(int port) throws IOException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("S3Proxy exited:\n" + Files.readString(log));
      }
      try {
        new Socket("127.0.0.1", port).close();
        return;
      } catch (IOException notYet) {
        sleep();
      }
    }
    throw new IllegalStateException("S3Proxy not listening in 60 s:\n" + Files.readString(log));
  }

  private static void sleep() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
