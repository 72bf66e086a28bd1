package dev.digitlab.server.testing;

import dev.digitlab.server.artifacts.S3Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A real S3-compatible server for tests: S3Proxy from Maven Central (copied to {@code
 * target/s3proxy/s3proxy.jar} by the build), run as a process of its own on a loopback port it
 * picks itself (port 0), storing objects in a temporary folder.
 */
public final class S3ProxyServer implements AutoCloseable {

  private static final Path JAR = Path.of("target", "s3proxy", "s3proxy.jar");
  private static final String IDENTITY = "digitlab-test";
  private static final String CREDENTIAL = "digitlab-test-secret";

  /**
   * Jetty's line once S3Proxy listens: {@code Started ServerConnector@…{HTTP/1.1, …}{HOST:PORT}}.
   */
  private static final Pattern LISTENING =
      Pattern.compile("Started ServerConnector@\\S*\\{[^}]*\\}\\{127\\.0\\.0\\.1:(\\d+)\\}");

  private static final Duration START_LIMIT = Duration.ofMinutes(2);

  private final Process process;
  private final URI endpoint;
  private final Path log;

  private S3ProxyServer(Process process, URI endpoint, Path log) {
    this.process = process;
    this.endpoint = endpoint;
    this.log = log;
  }

  /**
   * Starts S3Proxy with its objects in {@code dir}; returns once it listens. It binds port 0 and
   * the port it got is read from its log: a free port found beforehand and handed to it could be
   * taken by another process in between (two test JVMs start S3Proxy at the same time).
   */
  public static S3ProxyServer start(Path dir) {
    try {
      if (!Files.isRegularFile(JAR)) {
        throw new IllegalStateException(
            JAR.toAbsolutePath() + " is missing: run the tests through Maven, which copies it");
      }
      Path data = Files.createDirectories(dir.resolve("objects"));
      Path properties = dir.resolve("s3proxy.properties");
      Files.write(
          properties,
          List.of(
              "s3proxy.endpoint=http://127.0.0.1:0",
              "s3proxy.authorization=aws-v2-or-v4",
              "s3proxy.identity=" + IDENTITY,
              "s3proxy.credential=" + CREDENTIAL,
              "jclouds.provider=filesystem",
              "jclouds.filesystem.basedir=" + data.toAbsolutePath()));
      Path log = dir.resolve("s3proxy.log");
      ProcessBuilder builder =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-jar",
                  JAR.toAbsolutePath().toString(),
                  "--properties",
                  properties.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      // S3Proxy's logback.xml reads these: set here, so that the environment the tests run in
      // cannot silence the line that says which port it got.
      builder.environment().put("LOG_LEVEL", "info");
      builder.environment().put("JETTY_LOG_LEVEL", "info");
      builder.environment().put("LOG_APPENDER", "STDOUT");
      Process process = builder.start();
      try {
        int port = awaitPort(process, log);
        return new S3ProxyServer(process, URI.create("http://127.0.0.1:" + port), log);
      } catch (RuntimeException e) {
        process.destroyForcibly();
        throw e;
      }
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

  /** The port S3Proxy listens on, once its log says so. */
  private static int awaitPort(Process process, Path log) throws IOException {
    long deadline = System.nanoTime() + START_LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      // Read as Latin-1, which decodes any bytes: the log may end in a half-written character.
      Matcher listening =
          LISTENING.matcher(new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1));
      if (listening.find()) {
        return Integer.parseInt(listening.group(1));
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("S3Proxy exited:\n" + Files.readString(log));
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException(
        "S3Proxy not listening in " + START_LIMIT.toSeconds() + " s:\n" + Files.readString(log));
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
