package dev.digitlab.cli.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs the image tarball Jib just built (profile {@code container-image}, phase {@code
 * integration-test}): its entrypoint answers {@code --version}, and {@code server} comes up healthy
 * as the image's non-root user. No container engine is needed: {@code deploy/image/run-image.py}
 * unpacks the layers and runs the entrypoint under chroot, which needs root; elsewhere the test is
 * skipped, except on CI, where it must run.
 */
class ContainerImageIT {

  private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
  private static final Path IMAGE = ROOT.resolve("digitlab-cli/target/jib-image.tar");
  private static final Path RUN_IMAGE = ROOT.resolve("deploy/image/run-image.py");

  /** What {@code digitlab server} prints once it listens, with the port it got. */
  private static final Pattern RUNNING =
      Pattern.compile("Digit Lab server is running; open http://[^/]+:(\\d+)/");

  @Test
  void entrypoint_prints_the_version() throws Exception {
    requireRoot();
    Process process = runImage(List.of("--version")).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as(output).isZero();
    assertThat(output).contains("digitlab");
  }

  @Test
  void server_in_the_image_becomes_healthy_as_a_non_root_user() throws Exception {
    requireRoot();
    Path log = Files.createTempFile("digitlab-image-server", ".log");
    // Port 0: the server binds a port of its own and says which; a free port found here and passed
    // on could be taken by another process before the server binds it.
    Process server =
        runImage(List.of("server", "--port", "0")).redirectOutput(log.toFile()).start();
    try {
      int port = awaitPort(server, log);
      HttpClient http = HttpClient.newHttpClient();
      String health =
          awaitHealth(http, "http://127.0.0.1:" + port + "/actuator/health", server, log);
      assertThat(health).contains("\"UP\"");
      HttpResponse<String> experiments =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/experiments"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      // The image turns authentication on (it listens beyond loopback by default).
      assertThat(experiments.statusCode()).isEqualTo(401);
      // run-image.py execs the entrypoint, so the process is the server's JVM itself.
      String status = Files.readString(Path.of("/proc/" + server.pid() + "/status"));
      assertThat(status).containsPattern("(?m)^Uid:\\s+1000\\s");
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  /**
   * On CI (root, base image made by {@code .ci/run}) the image must be there and run; elsewhere the
   * test runs only where it can: as root, after a build with the base image present.
   */
  private static void requireRoot() throws IOException, InterruptedException {
    Process id = new ProcessBuilder("id", "-u").start();
    boolean root = new String(id.getInputStream().readAllBytes()).trim().equals("0");
    id.waitFor();
    if (!"true".equals(System.getenv("CI"))) {
      assumeTrue(root, "running the image without a container engine needs root (chroot)");
      assumeTrue(
          Files.isRegularFile(IMAGE),
          "no image tarball: make the base with deploy/image/build-base-image.sh, then package");
    }
    assertThat(root).as("CI runs as root so that the image is run, not skipped").isTrue();
    assertThat(IMAGE).as("the image tarball jib:buildTar writes").exists();
  }

  private static ProcessBuilder runImage(List<String> args) {
    List<String> command =
        new ArrayList<>(List.of("python3", RUN_IMAGE.toString(), IMAGE.toString()));
    command.addAll(args);
    return new ProcessBuilder(command).redirectErrorStream(true);
  }

  private static String awaitHealth(HttpClient http, String url, Process server, Path log)
      throws InterruptedException, IOException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    String last = "";
    while (Instant.now().isBefore(deadline)) {
      if (!server.isAlive()) {
        throw new AssertionError("the server in the image exited:\n" + Files.readString(log));
      }
      try {
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        last = response.body();
        if (response.statusCode() == 200) {
          return last;
        }
      } catch (IOException notYet) {
        last = notYet.toString();
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "no healthy server in 2 minutes; last answer: " + last + "\n" + Files.readString(log));
  }

  /** The port the server in the image listens on, once it says so (up to 2 minutes). */
  private static int awaitPort(Process server, Path log) throws InterruptedException, IOException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (Instant.now().isBefore(deadline)) {
      // Latin-1 decodes any bytes: the log may end in a half-written character.
      Matcher running =
          RUNNING.matcher(new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1));
      if (running.find()) {
        return Integer.parseInt(running.group(1));
      }
      if (!server.isAlive()) {
        throw new AssertionError("the server in the image exited:\n" + Files.readString(log));
      }
      Thread.sleep(250);
    }
    throw new AssertionError(
        "the server in the image did not say where it listens in 2 minutes:\n"
            + Files.readString(log));
  }
}
