package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code digitlab model register|ls|promote|rollback|export|import} against a real server whose
 * embedded worker trains two tiny models on real MNIST (skipped when MNIST was not fetched).
 */
class ModelCommandsTest extends ServerCommandTest {

  static long first;
  static long second;

  @BeforeAll
  static void startServerAndTrain() throws Exception {
    useServer(LocalServer.startWithWorkerOnMnist(home));
    first = trainedTrial(1);
    second = trainedTrial(2);
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

    // For scripts: the server's JSON; a format it does not know is refused naming the choices.
    out.getBuffer().setLength(0);
    assertThat(run("model", "ls", "-o", "json")).isZero();
    assertThat(out.toString()).startsWith("[").containsPattern("\"name\"\\s*:\\s*\"digits\"");
    out.getBuffer().setLength(0);
    assertThat(run("model", "ls", "digits", "-o", "json")).isZero();
    assertThat(out.toString()).startsWith("{").contains("\"versions\"").contains("\"production\"");
    assertThat(run("model", "ls", "-o", "xml")).isNotZero();
    assertThat(err.toString()).contains("table, json");
  }

  @Test
  void an_exported_onnx_file_imports_back_as_a_version_that_answers_the_same() throws Exception {
    assertThat(run("model", "register", Long.toString(second), "--name", "exported")).isZero();
    Path onnx = home.resolve("exported.onnx");
    assertThat(run("model", "export", "exported", "1", "--out", onnx.toString()))
        .as(err.toString())
        .isZero();
    assertThat(run("model", "import", "outside", onnx.toString(), "--description", "round trip"))
        .as(err.toString())
        .isZero();
    assertThat(out.toString()).contains("as outside v1 (ONNX");

    ApiClient client = new ApiClient(URI.create(url), null);
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    for (int i = 0; i < 5; i++) {
      java.util.StringJoiner pixels = new java.util.StringJoiner(",", "[", "]");
      for (int p = 0; p < 784; p++) {
        pixels.add(Integer.toString(random.nextInt(3) == 0 ? random.nextInt(256) : 0));
      }
      String body = "{\"pixels\":" + pixels + "}";
      JsonNode ours =
          client.post("/api/v1/models/exported/predict?version=1", body, "application/json");
      JsonNode imported =
          client.post("/api/v1/models/outside/predict?version=1", body, "application/json");
      assertThat(imported.path("digit").asInt()).isEqualTo(ours.path("digit").asInt());
      for (int c = 0; c < 10; c++) {
        assertThat(imported.path("probabilities").get(c).asDouble())
            .isCloseTo(
                ours.path("probabilities").get(c).asDouble(),
                org.assertj.core.data.Offset.offset(1e-5));
      }
    }

    Path notOnnx = home.resolve("notes.onnx");
    java.nio.file.Files.writeString(notOnnx, "not a model");
    assertThat(run("model", "import", "outside", notOnnx.toString())).isNotZero();
    assertThat(err.toString()).contains("is not an ONNX model");
  }

  /**
   * The same trial registered twice is refused naming the version it already is; {@code --force}
   * registers it again as a second version.
   */
  @Test
  void registering_a_trial_again_is_refused_unless_forced() {
    String trial = Long.toString(first);
    assertThat(run("model", "register", trial, "--name", "twice")).as(err.toString()).isZero();

    assertThat(run("model", "register", trial, "--name", "twice")).isEqualTo(1);
    assertThat(err.toString())
        .contains("Trial " + first + " is already version 1 of model twice")
        .contains("--force");

    out.getBuffer().setLength(0);
    assertThat(run("model", "register", trial, "--name", "twice", "--force"))
        .as(err.toString())
        .isZero();
    assertThat(out.toString()).contains("Registered trial " + first + " as twice v2 (mlp");
    out.getBuffer().setLength(0);
    assertThat(run("model", "ls", "twice")).isZero();
    assertThat(out.toString().lines().filter(line -> line.matches("v[12] .*")))
        .hasSize(2)
        .allSatisfy(line -> assertThat(line).containsPattern("\\s" + first + "\\s"));
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
}
