package dev.digitlab.server.code;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.DigitLabServer;
import dev.digitlab.server.security.Role;
import dev.digitlab.server.security.TokenStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;
import org.mlflow.tracking.creds.BasicMlflowHostCreds;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Command experiments through the real app with authentication on: code upload and submission need
 * the run-commands permission (the attacks are refused and store nothing), only a worker with the
 * capability {@code command} is handed their trials, the lease carries the filled-in command, and
 * the trial's own MLflow token logs to that trial with the real Java client and nowhere else.
 */
class CommandTrialsTest {

  private static final ObjectMapper JSON = Json.mapper();

  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path home;
  @TempDir Path work;

  private ConfigurableApplicationContext server;
  private String base;
  private String admin;
  private String mallory;
  private String carol;
  private String workerToken;

  @BeforeEach
  void start() throws Exception {
    server =
        SpringApplication.run(
            DigitLabServer.class,
            "--server.port=0",
            "--digitlab.home=" + home,
            "--digitlab.worker.slots=0",
            "--digitlab.worker.long-poll=300ms",
            "--digitlab.auth.enabled=true");
    base = "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");
    admin = Files.readString(home.resolve("admin-token")).strip();
    TokenStore tokens = server.getBean(TokenStore.class);
    mallory = tokens.create("mallory", Role.USER).secret();
    carol = tokens.create("carol", Role.USER, true).secret();
    workerToken = tokens.create("box", Role.WORKER).secret();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void code_uploads_once_by_hash_and_needs_the_permission() throws Exception {
    byte[] code = packedCode();

    HttpResponse<String> refused = upload(mallory, code, "");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(refused.body()).contains("run-commands").contains("--can-run-commands");

    HttpResponse<String> first = upload(carol, code, "");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
    String sha = JSON.readTree(first.body()).path("sha256").asString();
    assertThat(JSON.readTree(first.body()).path("code").asString()).isEqualTo("sha256:" + sha);
    HttpResponse<String> again = upload(carol, code, "?sha256=" + sha);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(again.body()).path("sha256").asString()).isEqualTo(sha);
    assertThat(server.getBean(CodeStore.class).open(sha))
        .hasValueSatisfying(file -> assertThat(file).hasBinaryContent(code));

    HttpResponse<String> damaged = upload(carol, code, "?sha256=" + "0".repeat(64));
    assertThat(damaged.statusCode()).isEqualTo(400);
    assertThat(damaged.body()).contains("damaged");
    HttpResponse<String> notGzip = upload(carol, "just text".getBytes(), "");
    assertThat(notGzip.statusCode()).isEqualTo(400);
    assertThat(notGzip.body()).contains(".tar.gz");
    HttpResponse<String> escaping = upload(carol, tarGz("../evil.sh"), "");
    assertThat(escaping.statusCode()).as(escaping.body()).isEqualTo(400);
    assertThat(escaping.body()).contains("climbs out with");
  }

  @Test
  void the_form_tells_a_plain_user_why_and_its_post_refuses_them() throws Exception {
    String sha = JSON.readTree(upload(carol, packedCode(), "").body()).path("sha256").asString();
    HttpResponse<String> created =
        submit(
            carol,
            """
            name: elastic
            command: [python3, train.py, --alpha, "{alpha}"]
            code: sha256:%s
            search: {type: grid, parameters: {alpha: [0.1, 1.0]}}
            objective: {metric: rmse, goal: min}
            """
                .formatted(sha));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = JSON.readTree(created.body()).path("id").asLong();

    HttpResponse<String> plain = get(mallory, "/experiments/new?from=" + id);
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(plain.body())
        .contains("id=\"commands-refused\"")
        .contains("run-commands")
        .containsPattern("id=\"submit-experiment\"[^>]*disabled");
    HttpResponse<String> permitted = get(carol, "/experiments/new?from=" + id);
    assertThat(permitted.body()).doesNotContain("commands-refused").contains("sha256:" + sha);
    assertThat(get(mallory, "/experiments/new").body())
        .as("a built-in experiment needs no permission")
        .doesNotContain("commands-refused");

    // The attack: the form posted anyway (the button is only disabled in the page).
    String form =
        "kind=command&name=sneaky&command="
            + java.net.URLEncoder.encode(
                "sh\n-c\nid > /tmp/owned", java.nio.charset.StandardCharsets.UTF_8)
            + "&code=&objectiveMetric=rmse&objectiveGoal=min&searchType=none&prunerType=none";
    HttpResponse<String> refused =
        post(mallory, "/experiments/new", "application/x-www-form-urlencoded", form);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(refused.body()).contains("run-commands");
    assertThat(
            JSON.readTree(get(admin, "/api/v1/experiments?q=sneaky").body()).path("total").asLong())
        .isZero();
  }

  @Test
  void a_command_experiment_runs_only_on_a_command_worker_whose_trial_token_logs_to_it_alone()
      throws Exception {
    String sha = JSON.readTree(upload(carol, packedCode(), "").body()).path("sha256").asString();
    String spec =
        """
        name: diabetes-elasticnet
        command: [python3, train.py, --alpha, "{alpha}", --l1-ratio, "{l1_ratio}"]
        code: sha256:%s
        timeout: 10m
        search: {type: grid, parameters: {alpha: [0.1, 1.0], l1_ratio: [0.2, 0.8]}}
        objective: {metric: rmse, goal: min}
        maxParallelTrials: 4
        """
            .formatted(sha);

    // The attack: a user without the permission submits a program; refused, nothing stored.
    HttpResponse<String> refused = submit(mallory, spec);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(refused.body()).contains("run-commands");
    HttpResponse<String> unknownCode = submit(carol, spec.replace(sha, "b".repeat(64)));
    assertThat(unknownCode.statusCode()).isEqualTo(400);
    assertThat(unknownCode.body()).contains("\"code\"").contains("was uploaded");
    assertThat(JSON.readTree(get(admin, "/api/v1/experiments").body()).path("total").asLong())
        .isZero();

    HttpResponse<String> created = submit(carol, spec);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long experimentId = JSON.readTree(created.body()).path("id").asLong();

    // A worker without the capability is never handed a command trial.
    register("plain", List.of("cpu"));
    assertThat(lease("plain").statusCode()).isEqualTo(204);

    register("runner", List.of("cpu", "command"));
    HttpResponse<String> granted = lease("runner");
    assertThat(granted.statusCode()).as(granted.body()).isEqualTo(200);
    JsonNode grant = JSON.readTree(granted.body());
    long trialId = grant.path("trialId").asLong();
    JsonNode command = grant.path("command");
    assertThat(texts(command.path("argv")))
        .containsExactly("python3", "train.py", "--alpha", "0.1", "--l1-ratio", "0.2");
    assertThat(command.path("codeSha256").asString()).isEqualTo(sha);
    assertThat(command.path("timeoutSeconds").asLong()).isEqualTo(600);
    JsonNode env = command.path("environment");
    assertThat(env.path("MLFLOW_TRACKING_URI").asString()).isEqualTo(base);
    assertThat(env.path("MLFLOW_RUN_ID").asString()).isEqualTo(Long.toString(trialId));
    assertThat(env.path("MLFLOW_EXPERIMENT_ID").asString()).isEqualTo(Long.toString(experimentId));
    assertThat(env.path("DIGITLAB_TRIAL_ID").asString()).isEqualTo(Long.toString(trialId));
    assertThat(env.path("DIGITLAB_EXPERIMENT_ID").asString())
        .isEqualTo(Long.toString(experimentId));
    assertThat(JSON.readTree(grant.path("config").asString()).toString())
        .isEqualTo("{\"alpha\":0.1,\"l1_ratio\":0.2}");
    String trialToken = env.path("MLFLOW_TRACKING_TOKEN").asString();

    // The program logs with the real MLflow client, as its code would, and lands on its trial.
    MlflowClient program = new MlflowClient(new BasicMlflowHostCreds(base, trialToken));
    String runId = Long.toString(trialId);
    program.logParam(runId, "alpha", "0.1");
    program.logMetric(runId, "rmse", 0.42);
    program.setTag(runId, "stage", "fit");
    MlflowClient viewer = new MlflowClient(new BasicMlflowHostCreds(base, admin));
    var run = viewer.getRun(runId);
    assertThat(run.getData().getMetricsList())
        .anySatisfy(
            m -> {
              assertThat(m.getKey()).isEqualTo("rmse");
              assertThat(m.getValue()).isEqualTo(0.42);
            });
    assertThat(run.getData().getTagsList()).extracting(RunTag::getKey).contains("stage");
    assertThat(program.getRun(runId).getInfo().getRunId()).isEqualTo(runId);

    // The same token: no other run, no reading other experiments, no minting tokens.
    // Trials are queued in grid order and claimed first in, first out: the next is another's.
    long otherTrial = trialId + 1;
    assertThat(viewer.getRun(Long.toString(otherTrial)).getInfo().getExperimentId())
        .isEqualTo(Long.toString(experimentId));
    assertThatThrownBy(() -> program.logMetric(Long.toString(otherTrial), "rmse", 0.1))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(403));
    assertThatThrownBy(() -> program.getRun(Long.toString(otherTrial)))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(403));
    assertThatThrownBy(() -> program.getExperiment("0"))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(403));
    HttpResponse<String> mint =
        post(
            trialToken,
            "/api/v1/tokens",
            "application/json",
            "{\"name\":\"x\",\"role\":\"admin\"}");
    assertThat(mint.statusCode()).isEqualTo(403);
    assertThat(get(trialToken, "/api/v1/experiments").statusCode()).isEqualTo(403);
    assertThat(lease("runner", trialToken).statusCode()).isEqualTo(403);

    // The worker reports the program's end: the objective (min rmse) picks the best trial.
    complete(trialId, grant.path("leaseToken").asString(), Map.of("rmse", 0.42));
    JsonNode experiment = JSON.readTree(get(admin, "/api/v1/experiments/" + experimentId).body());
    assertThat(experiment.path("bestTrialId").asLong()).isEqualTo(trialId);
    // Its lease over, the token is dead.
    HttpResponse<String> late =
        post(
            trialToken,
            "/api/2.0/mlflow/runs/log-metric",
            "application/json",
            "{\"run_id\":\"" + runId + "\",\"key\":\"rmse\",\"value\":1,\"timestamp\":1}");
    assertThat(late.statusCode()).isEqualTo(401);
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(node -> out.add(node.asString()));
    return out;
  }

  private byte[] packedCode() throws Exception {
    return tarGz("train.py");
  }

  /** A .tar.gz holding one file named {@code name}, made by the system's tar. */
  private byte[] tarGz(String name) throws Exception {
    Path dir = Files.createTempDirectory(work, "code");
    Files.writeString(dir.resolve("train.py"), "print('metric rmse=0.5')\n");
    Path archive = work.resolve(name.replace('/', '_') + System.nanoTime() + ".tar.gz");
    List<String> command =
        new ArrayList<>(List.of("tar", "-czf", archive.toString(), "-C", dir.toString()));
    if (name.startsWith("../")) {
      command.addAll(List.of("--transform", "s,^,../,", "--", "train.py"));
    } else {
      command.add(name);
    }
    Process tar = new ProcessBuilder(command).inheritIO().start();
    assertThat(tar.waitFor()).isZero();
    return Files.readAllBytes(archive);
  }

  private HttpResponse<String> upload(String token, byte[] body, String query) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + "/api/v1/code" + query))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/gzip")
            .POST(BodyPublishers.ofByteArray(body))
            .build(),
        BodyHandlers.ofString());
  }

  private HttpResponse<String> submit(String token, String yaml) throws Exception {
    return post(token, "/api/v1/experiments", "application/yaml", yaml);
  }

  private void register(String name, List<String> capabilities) throws Exception {
    HttpResponse<String> answer =
        post(
            workerToken,
            "/api/v1/worker/register",
            "application/json",
            JSON.writeValueAsString(
                Map.of("name", name, "host", "h", "slots", 1, "capabilities", capabilities)));
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
  }

  private HttpResponse<String> lease(String worker) throws Exception {
    return lease(worker, workerToken);
  }

  private HttpResponse<String> lease(String worker, String token) throws Exception {
    return post(
        token, "/api/v1/worker/lease", "application/json", "{\"worker\":\"" + worker + "\"}");
  }

  private void complete(long trialId, String leaseToken, Map<String, Double> metrics)
      throws Exception {
    HttpResponse<String> answer =
        post(
            workerToken,
            "/api/v1/worker/leases/" + trialId + "/complete",
            "application/json",
            JSON.writeValueAsString(
                Map.of(
                    "leaseToken",
                    leaseToken,
                    "status",
                    "succeeded",
                    "retryable",
                    false,
                    "trainSeconds",
                    1.0,
                    "metrics",
                    metrics)));
    assertThat(answer.statusCode()).as(answer.body()).isBetween(200, 204);
  }

  private HttpResponse<String> post(String token, String path, String type, String body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", type)
            .POST(BodyPublishers.ofString(body))
            .build(),
        BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String token, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + token)
            .build(),
        BodyHandlers.ofString());
  }
}
