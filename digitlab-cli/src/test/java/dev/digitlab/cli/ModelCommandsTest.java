package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * {@code digitlab model register|ls|promote|rollback} against a real server whose embedded worker
 * trains two tiny models on real MNIST (skipped when MNIST was not fetched).
 */
class ModelCommandsTest {

  @TempDir static Path home;

  static ConfigurableApplicationContext server;
  static String url;
  static long first;
  static long second;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeAll
  static void startServerAndTrain() throws Exception {
    server = LocalServer.startWithWorkerOnMnist(home);
    url = LocalServer.url(server);
    first = trainedTrial(1);
    second = trainedTrial(2);
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void register_ls_promote_and_rollback() {
    assertThat(run("model", "register", Long.toString(first), "--name", "digits")).isZero();
    assertThat(out.toString()).contains("Registered trial " + first + " as digits v1 (mlp");
    assertThat(run("model", "register", Long.toString(second), "--name", "digits")).isZero();
    assertThat(run("model", "promote", "digits", "1")).isZero();
    assertThat(run("model", "promote", "digits", "2", "--reason", "newer")).isZero();
    assertThat(out.toString()).contains("digits production -> v2");

    assertThat(run("model", "rollback", "digits")).as(err.toString()).isZero();
    assertThat(out.toString()).contains("digits production rolled back to v1");

    out.getBuffer().setLength(0);
    assertThat(run("model", "ls")).isZero();
    assertThat(out.toString()).containsPattern("digits\\s+2\\s+production=v1");
    out.getBuffer().setLength(0);
    assertThat(run("model", "ls", "digits")).isZero();
    assertThat(out.toString().lines())
        .anySatisfy(line -> assertThat(line).startsWith("v1").endsWith("production"))
        .anySatisfy(line -> assertThat(line).startsWith("v2").contains("active"));
  }

  @Test
  void a_refused_command_prints_the_servers_reason_and_fails() {
    assertThat(run("model", "promote", "nothing", "1")).isNotZero();
    assertThat(err.toString()).contains("There is no model named nothing");
  }

  private static long trainedTrial(int seed) throws Exception {
    ApiClient client = new ApiClient(URI.create(url), null);
    JsonNode created =
        client.post(
            "/api/v1/experiments",
            "name: tiny\nconfig: {model: mlp, epochs: 1, hiddenSizes: [16], trainSubset: 1000,"
                + " seed: "
                + seed
                + "}\n",
            "application/yaml");
    long id = created.path("id").asLong();
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (Instant.now().isBefore(deadline)) {
      JsonNode experiment = client.get("/api/v1/experiments/" + id);
      String status = experiment.path("status").asString();
      assertThat(status).isNotEqualTo("failed");
      if (status.equals("succeeded")) {
        return experiment.path("trials").get(0).path("id").asLong();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("experiment " + id + " did not finish");
  }

  private int run(String... args) {
    String[] withServer = new String[args.length + 2];
    System.arraycopy(args, 0, withServer, 0, args.length);
    withServer[args.length] = "--server";
    withServer[args.length + 1] = url;
    return DigitLab.commandLine()
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(withServer);
  }
}
