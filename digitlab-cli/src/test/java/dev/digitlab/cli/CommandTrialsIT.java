package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.tar.TarFolder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Command trials end to end, every part a real process: a server (no embedded worker), a worker
 * started without {@code --allow-commands} and one with it, experiments submitted with the CLI
 * (which packs their code), and the programs themselves (Debian's python3 with scikit-learn, sh).
 * The plain worker never claims a command trial; the command worker runs both examples, kills a
 * cancelled program's whole process tree, fails a program that runs past its timeout, gives its
 * programs none of its own environment, and a worker SIGKILLed during a checkpointing program's
 * trial is replaced by one that resumes it from the restored checkpoint with its metrics once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CommandTrialsIT {

  private static final ObjectMapper JSON = Json.mapper();
  private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();

  /** Debian's python3 first: its scikit-learn is what the examples need (not a pyenv shim's). */
  private static final String PATH = "/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin";

  private static final Pattern RAN = Pattern.compile("RemoteWorker\\W+trial (\\d+) attempt");

  private final HttpClient http = HttpClient.newHttpClient();
  @TempDir static Path temp;
  private JarServer server;
  private JarProcess plain;
  private JarProcess runner;
  private String url;

  @BeforeAll
  void start() throws Exception {
    assumeTrue(
        pythonHasSklearn(),
        "Debian's python3 has no scikit-learn: sudo apt-get install python3-sklearn");
    // A short lease, so that the SIGKILLed worker's trial is requeued within seconds.
    server = JarServer.start(temp, Map.of("DIGITLAB_WORKER_LEASE", "15s"), "--allow-commands");
    url = server.url();
    plain = worker("plain", false);
    runner = worker("runner", true);
    awaitWorkers(2, Duration.ofMinutes(2));
  }

  @AfterAll
  void stop() {
    for (JarProcess process : new JarProcess[] {runner, plain}) {
      if (process != null) {
        process.close();
      }
    }
    if (server != null) {
      server.close();
    }
  }

  private JarProcess worker(String name, boolean allowCommands) throws IOException {
    Path home = Files.createDirectories(temp.resolve(name));
    List<String> args =
        new ArrayList<>(
            List.of("worker", "--server", url, "--name", name, "--home", home.toString()));
    if (allowCommands) {
      args.add("--allow-commands");
    }
    return JarProcess.start(
        temp.resolve(name + ".log"),
        // What a program must never see: the worker's own variables, a token among them.
        Map.of("PATH", PATH, "WORKER_SECRET", "do-not-leak", "DIGITLAB_TOKEN", "not-for-programs"),
        args.toArray(String[]::new));
  }

  @Test
  @Order(1)
  void the_examples_run_on_the_command_worker_and_the_best_trial_follows_the_objective()
      throws Exception {
    long diabetes =
        submit(REPOSITORY.resolve("examples/command/diabetes-elasticnet/experiment.yaml"));
    long digits = submit(REPOSITORY.resolve("examples/command/digits-svc/experiment.yaml"));

    // Generous: 18 python runs one after another on a niced worker of a loaded 2-core machine
    // took up to a minute each (a run at load 25-65 missed a 6-minute wait by one trial).
    JsonNode diabetesDone = awaitFinished(diabetes, Duration.ofMinutes(20));
    JsonNode digitsDone = awaitFinished(digits, Duration.ofMinutes(20));

    assertAllSucceeded(diabetesDone, 9, "rmse", "mae", "r2");
    assertAllSucceeded(digitsDone, 9, "accuracy", "macro_f1");
    assertThat(diabetesDone.path("bestTrialId").asLong())
        .as("the trial with the lowest rmse")
        .isEqualTo(bestBy(diabetesDone, "rmse", Comparator.naturalOrder()));
    assertThat(digitsDone.path("bestTrialId").asLong())
        .as("the trial with the highest accuracy")
        .isEqualTo(bestBy(digitsDone, "accuracy", Comparator.reverseOrder()));
    // Output files became artifacts, uploaded by the remote worker.
    long someDiabetesTrial = diabetesDone.path("trials").get(0).path("id").asLong();
    assertThat(
            server
                .get("/api/v1/trials/" + someDiabetesTrial + "/artifacts")
                .findValuesAsString("name"))
        .contains("predictions.csv");

    assertThat(trialsRunBy(plain)).as("trials the plain worker ran").isEmpty();
    assertThat(trialsRunBy(runner)).hasSizeGreaterThanOrEqualTo(18);
  }

  /**
   * Issue 17's last part: the digits SVC pipeline example, through {@code digitlab pipeline run
   * --wait} (which packs its code folder), runs its command steps as command trials on the {@code
   * --allow-commands} worker; the plain worker and the server (no worker slots) run none.
   */
  @Test
  @Order(1)
  void the_digits_svc_pipeline_runs_its_command_steps_on_the_command_worker() throws Exception {
    // The packaged CLI, as a user runs it (an IT's class path holds no CLI classes).
    int exit;
    String output;
    try (JarProcess cli =
        JarProcess.start(
            temp.resolve("pipeline-run.log"),
            "pipeline",
            "run",
            REPOSITORY.resolve("examples/pipelines/digits-svc/pipeline.yaml").toString(),
            "--wait",
            "--server",
            url)) {
      exit = cli.waitFor(Duration.ofMinutes(20));
      output = cli.output();
    }

    assertThat(exit).as(output).isZero();
    assertThat(output).contains("Packed ");
    Matcher started = Pattern.compile("Started pipeline run (\\d+)").matcher(output);
    assertThat(started.find()).as(output).isTrue();
    long run = Long.parseLong(started.group(1));
    Set<Long> stepTrials = new TreeSet<>();
    for (String c : List.of("1", "10", "100")) {
      JsonNode step = server.get("/api/v1/pipelines/" + run + "/steps/svc-" + c);
      assertThat(step.path("status").asString()).as(step.toString()).isEqualTo("succeeded");
      assertThat(step.path("result").path("metrics").path("accuracy").asDouble())
          .isBetween(0.5, 1.0);
      assertThat(step.path("result").path("metrics").has("macro_f1")).isTrue();
      assertThat(step.path("result").path("files").toString()).contains("confusion.json");
      stepTrials.add(step.path("trialId").asLong());
    }
    JsonNode summary = server.get("/api/v1/pipelines/" + run + "/steps/summary");
    assertThat(summary.path("result").path("best").path("step").asString()).startsWith("svc-");
    HttpResponse<String> confusion =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        url + "/api/v1/pipelines/" + run + "/steps/svc-10/files/confusion.json"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(confusion.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(confusion.body()).path("counts")).hasSize(10);

    assertThat(trialsRunBy(runner)).as("trials the command worker ran").containsAll(stepTrials);
    assertThat(trialsRunBy(plain)).as("trials the plain worker ran").isEmpty();
  }

  @Test
  @Order(2)
  void the_program_sees_none_of_the_workers_environment() throws Exception {
    Path code = Files.createDirectories(temp.resolve("env-code"));
    Files.writeString(code.resolve("show.sh"), "env | sort\n");
    long experiment =
        submitText(
            "show-env",
            """
            name: show-env
            command: ["sh", "show.sh"]
            code: %s
            objective: {metric: count, goal: max}
            """
                .formatted(code));
    JsonNode done = awaitFinished(experiment, Duration.ofMinutes(2));
    long trial = done.path("trials").get(0).path("id").asLong();
    assertThat(done.path("trials").get(0).path("status").asString()).isEqualTo("succeeded");
    Set<String> names = new TreeSet<>();
    for (String line : logLines(trial)) {
      int eq = line.indexOf('=');
      if (eq > 0 && !line.startsWith("$ ")) {
        names.add(line.substring(0, eq));
      }
    }
    assertThat(names)
        .contains("PATH", "LANG", "HOME", "DIGITLAB_OUTPUT_DIR", "DIGITLAB_CHECKPOINT_DIR")
        .doesNotContain("WORKER_SECRET", "DIGITLAB_TOKEN", "JAVA_HOME", "MKL_CBWR");
    assertThat(names)
        .allSatisfy(
            name ->
                assertThat(
                        Set.of("PATH", "LANG", "HOME", "PWD", "SHLVL", "_").contains(name)
                            || name.startsWith("DIGITLAB_")
                            || name.startsWith("MLFLOW_"))
                    .as(name)
                    .isTrue());
    assertThat(String.join("\n", logLines(trial)))
        .doesNotContain("do-not-leak", "not-for-programs");
  }

  @Test
  @Order(3)
  void cancel_kills_the_programs_whole_process_tree() throws Exception {
    Path code = Files.createDirectories(temp.resolve("fork-code"));
    // A child in the background, and its pid on stdout for the test to check.
    Files.writeString(code.resolve("fork.sh"), "sleep 100 &\necho \"child pid $!\"\nsleep 100\n");
    long experiment =
        submitText(
            "fork",
            """
            name: fork-and-wait
            command: ["sh", "fork.sh"]
            code: %s
            objective: {metric: count, goal: max}
            """
                .formatted(code));
    long trial = firstTrial(experiment);
    long child = awaitChildPid(trial, Duration.ofMinutes(2));
    assertThat(running(child)).isTrue();

    long cancelAt = System.nanoTime();
    post("/api/v1/trials/" + trial + "/cancel");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (running(child) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(running(child)).as("the forked child %d is gone", child).isFalse();
    System.out.printf(
        "cancel → child gone after %d ms%n", (System.nanoTime() - cancelAt) / 1_000_000);
    JsonNode done = awaitFinished(experiment, Duration.ofMinutes(1));
    assertThat(done.path("trials").get(0).path("status").asString()).isEqualTo("cancelled");
  }

  @Test
  @Order(4)
  void a_program_past_its_timeout_fails_saying_so() throws Exception {
    Path code = Files.createDirectories(temp.resolve("slow-code"));
    Files.writeString(code.resolve("slow.sh"), "sleep 100\n");
    long experiment =
        submitText(
            "slow",
            """
            name: too-slow
            command: ["sh", "slow.sh"]
            code: %s
            objective: {metric: count, goal: max}
            timeout: 2
            """
                .formatted(code));
    JsonNode done = awaitFinished(experiment, Duration.ofMinutes(2));
    long trial = done.path("trials").get(0).path("id").asLong();
    JsonNode detail = server.get("/api/v1/trials/" + trial);
    assertThat(detail.path("status").asString()).isEqualTo("failed");
    assertThat(detail.path("failureReason").asString()).isEqualTo("timed out after 2 s");
  }

  @Test
  @Order(5)
  void a_sigkilled_worker_s_trial_resumes_from_its_checkpoint_with_its_metrics_once()
      throws Exception {
    Path code = Files.createDirectories(temp.resolve("count-code"));
    // Counts to 8, a second a step: each step's metric, then its checkpoint, then the line that
    // says the checkpoint folder is whole.
    Files.writeString(
        code.resolve("count.sh"),
        """
        dir="$DIGITLAB_CHECKPOINT_DIR"
        n=0
        [ -f "$dir/n" ] && n=$(cat "$dir/n")
        echo "starting at $n, pid $$"
        while [ "$n" -lt 8 ]; do
          n=$((n + 1))
          echo "metric count=$n step=$n"
          echo "$n" > "$dir/n"
          echo checkpoint
          sleep 1
        done
        """);
    long experiment =
        submitText(
            "count",
            """
            name: count-with-checkpoints
            command: ["sh", "count.sh"]
            code: %s
            objective: {metric: count, goal: max}
            """
                .formatted(code));
    long trial = firstTrial(experiment);
    // Wait for the second checkpoint to reach the server, then crash the worker.
    awaitArtifactEvents(trial, "checkpoint", 2, Duration.ofMinutes(2));
    long program =
        awaitPid(trial, Pattern.compile("starting at 0, pid (\\d+)"), Duration.ofSeconds(10));
    runner.kill();
    // A crashed worker cannot stop its program: the test does, as an operator would.
    ProcessHandle.of(program).ifPresent(ProcessHandle::destroyForcibly);
    runner = worker("runner-2", true);

    JsonNode done = awaitFinished(experiment, Duration.ofMinutes(3));
    JsonNode detail = server.get("/api/v1/trials/" + trial);
    assertThat(detail.path("status").asString()).isEqualTo("succeeded");
    assertThat(detail.path("attempt").asInt()).isGreaterThanOrEqualTo(2);
    List<String> logs = logLines(trial);
    assertThat(logs.stream().filter(line -> line.startsWith("starting at ")))
        .as("the second attempt started from the restored checkpoint")
        .anySatisfy(line -> assertThat(line).doesNotStartWith("starting at 0"));
    List<Long> steps = new ArrayList<>();
    for (JsonNode point :
        server.get("/api/v1/trials/" + trial + "/metrics?keys=count").path("count")) {
      steps.add(point.path("step").asLong());
    }
    assertThat(steps).as("each step's metric once").containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
    assertThat(done.path("trials")).hasSize(1);
  }

  // --- helpers ---

  private static boolean pythonHasSklearn() throws InterruptedException {
    try {
      Process p =
          new ProcessBuilder("/usr/bin/python3", "-c", "import sklearn")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return p.waitFor() == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** Alive and not a zombie (an orphan waits for a reaper that a container may not have). */
  private static boolean running(long pid) throws IOException {
    Path stat = Path.of("/proc", Long.toString(pid), "stat");
    try {
      String line = Files.readString(stat);
      return line.charAt(line.lastIndexOf(')') + 2) != 'Z';
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    }
  }

  private long submitText(String name, String yaml) throws Exception {
    Path file = temp.resolve(name + ".yaml");
    Files.writeString(file, yaml);
    return submit(file);
  }

  /**
   * Submits an experiment file as a client without the CLI's packing would: its {@code code:}
   * folder (relative to the file, as {@code digitlab submit} reads it) packed and uploaded to
   * {@code POST /api/v1/code}, then the file with {@code code: sha256:<hex>} in its place.
   */
  private long submit(Path file) throws Exception {
    String yaml = Files.readString(file);
    Matcher code = Pattern.compile("(?m)^code:\\s*(\\S+).*$").matcher(yaml);
    if (code.find()) {
      Path folder = file.toAbsolutePath().getParent().resolve(code.group(1)).normalize();
      Path packed = Files.createTempFile(temp, "code-", ".tar.gz");
      TarFolder.pack(folder, packed);
      HttpResponse<String> uploaded =
          http.send(
              HttpRequest.newBuilder(URI.create(url + "/api/v1/code"))
                  .header("Content-Type", "application/gzip")
                  .header("Accept", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofFile(packed))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(uploaded.statusCode()).as(uploaded.body()).isBetween(200, 201);
      String reference = JSON.readTree(uploaded.body()).path("code").asString();
      yaml = yaml.substring(0, code.start()) + "code: " + reference + yaml.substring(code.end());
    }
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(yaml))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return JSON.readTree(response.body()).path("id").asLong();
  }

  private void assertAllSucceeded(JsonNode experiment, int trials, String... metrics) {
    assertThat(experiment.path("trials")).hasSize(trials);
    for (JsonNode trial : experiment.path("trials")) {
      assertThat(trial.path("status").asString())
          .as("trial %s: %s", trial.path("id"), trial.path("failureReason"))
          .isEqualTo("succeeded");
      for (String metric : metrics) {
        assertThat(trial.path("lastMetrics").has(metric))
            .as("trial %s reports %s", trial.path("id"), metric)
            .isTrue();
      }
    }
  }

  private static long bestBy(JsonNode experiment, String metric, Comparator<Double> order) {
    JsonNode best = null;
    for (JsonNode trial : experiment.path("trials")) {
      if (best == null
          || order.compare(
                  trial.path("lastMetrics").path(metric).asDouble(),
                  best.path("lastMetrics").path(metric).asDouble())
              < 0) {
        best = trial;
      }
    }
    return best.path("id").asLong();
  }

  private Set<Long> trialsRunBy(JarProcess worker) throws IOException {
    Set<Long> trials = new TreeSet<>();
    Matcher line = RAN.matcher(worker.output());
    while (line.find()) {
      trials.add(Long.parseLong(line.group(1)));
    }
    return trials;
  }

  private long firstTrial(long experiment) throws Exception {
    return server
        .get("/api/v1/experiments/" + experiment)
        .path("trials")
        .get(0)
        .path("id")
        .asLong();
  }

  private long awaitChildPid(long trial, Duration timeout) throws Exception {
    return awaitPid(trial, Pattern.compile("child pid (\\d+)"), timeout);
  }

  private long awaitPid(long trial, Pattern pattern, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : logLines(trial)) {
        Matcher m = pattern.matcher(line);
        if (m.find()) {
          return Long.parseLong(m.group(1));
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no line " + pattern + " in trial " + trial + ": " + logLines(trial));
  }

  private void awaitArtifactEvents(long trial, String name, int count, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      int seen = 0;
      for (JsonNode event :
          server
              .get("/api/v1/trials/" + trial + "/events?type=artifact&limit=1000")
              .path("items")) {
        if (event.path("payload").path("name").asString().equals(name)) {
          seen++;
        }
      }
      if (seen >= count) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("trial " + trial + " did not deliver " + count + " " + name);
  }

  private List<String> logLines(long trial) throws Exception {
    List<String> lines = new ArrayList<>();
    long after = 0;
    while (true) {
      JsonNode page =
          server.get("/api/v1/trials/" + trial + "/logs?afterSeq=" + after + "&limit=1000");
      for (JsonNode entry : page.path("items")) {
        lines.add(entry.path("message").asString());
      }
      long next = page.path("nextAfterSeq").asLong();
      if (page.path("items").isEmpty() || next == after) {
        return lines;
      }
      after = next;
    }
  }

  private void awaitWorkers(int count, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (server.get("/api/v1/workers").size() < count) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("workers did not register: " + server.get("/api/v1/workers"));
      }
      Thread.sleep(250);
    }
  }

  private JsonNode awaitFinished(long experiment, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode detail = server.get("/api/v1/experiments/" + experiment);
      boolean finished = !detail.path("trials").isEmpty();
      for (JsonNode trial : detail.path("trials")) {
        String status = trial.path("status").asString();
        finished &= !status.equals("queued") && !status.equals("running");
      }
      if (finished) {
        return detail;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the experiment did not finish: " + detail);
      }
      Thread.sleep(300);
    }
  }

  private void post(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url + path))
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isBetween(200, 202);
  }
}
