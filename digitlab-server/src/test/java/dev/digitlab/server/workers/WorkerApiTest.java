package dev.digitlab.server.workers;

import static dev.digitlab.server.testing.ExperimentBuilder.anExperiment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.ArtifactRef;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.Progress;
import dev.digitlab.protocol.event.StatusChange;
import dev.digitlab.protocol.event.TrialEvent;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.FileFormat;
import dev.digitlab.protocol.worker.Completion;
import dev.digitlab.protocol.worker.EventBatch;
import dev.digitlab.protocol.worker.EventsAnswer;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.protocol.worker.LeaseHeartbeat;
import dev.digitlab.protocol.worker.WorkerInfo;
import dev.digitlab.protocol.worker.WorkerRegistration;
import dev.digitlab.protocol.worker.WorkerTerms;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.experiments.ExperimentSubmission;
import dev.digitlab.server.queue.NewTrial;
import dev.digitlab.server.queue.QueueSignal;
import dev.digitlab.server.queue.TrialMoves;
import dev.digitlab.server.queue.TrialOutcome;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.testing.ExperimentBuilder;
import dev.digitlab.server.testing.ProtocolWorkers;
import dev.digitlab.server.testing.Waiting;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialDirectories;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.worker.remote.WorkerClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The worker protocol over real HTTP, spoken by the remote worker's own {@link WorkerClient}: the
 * test plays the worker's part of a trial call by call.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class WorkerApiTest {

  private static final Duration POLL = ProtocolWorkers.POLL;

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    ProtocolWorkers.serverSettings(properties, home);
  }

  @Value("${local.server.port}")
  int port;

  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;
  @Autowired TrialMoves moves;
  @Autowired TrialQueue queue;
  @Autowired QueueSignal queueSignal;
  @Autowired AttemptReports attempts;
  @Autowired TrialDirectories directories;
  @Autowired ExperimentSubmission submission;
  @Autowired WorkerMetrics workerMetrics;

  private final List<Long> experimentIds = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void nothingStaysQueued() {
    experimentIds.forEach(experiments::cancel);
  }

  @Test
  void a_registered_worker_is_listed_idle_with_its_terms() {
    WorkerTerms terms = register("idle-one", List.of("cpu"));

    assertThat(terms.leaseMillis()).isEqualTo(30_000);
    assertThat(terms.heartbeatMillis()).isEqualTo(1_000);
    assertThat(terms.pollMillis()).isEqualTo(POLL.toMillis());
    assertThat(worker("idle-one"))
        .satisfies(
            w -> {
              assertThat(w.state()).isEqualTo("idle");
              assertThat(w.slots()).isEqualTo(2);
              assertThat(w.host()).isEqualTo("test-host");
              assertThat(w.capabilities()).containsExactly("cpu");
              assertThat(w.currentTrials()).isEmpty();
            });
  }

  @Test
  void the_workers_page_shows_the_registry_with_state_trials_and_a_sort() {
    register("paged-worker", List.of("cpu", "gpu"));
    String idle = row(get("/workers").body(), "paged-worker");
    assertThat(idle).contains("test-host", "remote", "idle", ">cpu<", ">gpu<", "just now");

    create(anExperiment().named("paged"));
    LeaseGrant grant = client().lease("paged-worker", POLL).orElseThrow();
    String busy = row(get("/workers?sort=trials&order=desc").body(), "paged-worker");
    assertThat(busy).contains("busy", "/trials/" + grant.trialId(), "trial " + grant.trialId());

    HttpResponse<String> badSort = get("/workers?sort=colour");
    assertThat(badSort.statusCode()).isEqualTo(400);
    // The advice names what to change, here, not the list of experiments' filter.
    assertThat(badSort.body())
        .contains("Unknown sort colour", "<nav aria-label=\"Main\">")
        .contains("Change sort in the address and load the page again.")
        .doesNotContain("list of experiments shows valid ones");
  }

  /** The table row of one worker in the page. */
  private static String row(String page, String worker) {
    int start = page.indexOf("data-worker=\"" + worker + "\"");
    assertThat(start).as(page).isPositive();
    return page.substring(start, page.indexOf("</tr>", start));
  }

  @Test
  void a_lease_request_answers_204_when_no_work_came_within_the_poll_time() {
    register("patient", List.of("cpu"));

    assertThat(client().lease("patient", POLL)).isEmpty();
  }

  @Test
  void a_lease_request_for_an_unregistered_worker_is_refused() {
    assertThatThrownBy(() -> client().lease("stranger", POLL))
        .isInstanceOf(WorkerClient.RejectedException.class)
        .hasMessageContaining("404")
        .hasMessageContaining("register first");
  }

  @Test
  void a_waiting_lease_request_gets_a_trial_submitted_meanwhile() throws Exception {
    register("waiter", List.of("cpu"));
    // The wait itself, not over HTTP: this class's server holds a lease request only 300 ms
    // (POLL), and a submission 100 ms after the request, slowed by a loaded machine, could land
    // after the request had given up. Waiting here lasts 10 minutes and rechecks the queue only
    // then, so the grant comes within the join's minute only if the submission woke the wait.
    AtomicReference<Optional<LeaseGrant>> answer = new AtomicReference<>();
    Thread waiter =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    answer.set(
                        attempts.claim(
                            "waiter",
                            Set.of("cpu"),
                            Duration.ofSeconds(30),
                            Duration.ofMinutes(10),
                            Duration.ofMinutes(10),
                            false));
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    // Submitted once the claim waits, found the queue empty and sleeps on the signal: 100 ms
    // after starting it, a loaded machine's claim had not always got there, and then found the
    // trial at once, woken by nothing (the test passed without testing the wake-up).
    Waiting.until(
        () ->
            Arrays.stream(waiter.getStackTrace())
                .anyMatch(
                    frame ->
                        frame.getClassName().equals(QueueSignal.class.getName())
                            && frame.getMethodName().equals("awaitAfter")),
        Boolean::booleanValue,
        Duration.ofMinutes(1),
        "the claim waiting for the queue's signal");
    create(anExperiment().named("late"));
    queueSignal.trialsQueued();
    boolean answered = waiter.join(Duration.ofMinutes(1));
    waiter.interrupt();
    assertThat(answered).as("the waiting claim was woken by the submission").isTrue();
    Optional<LeaseGrant> grant = answer.get();

    assertThat(grant).isPresent();
    assertThat(grant.get().attempt()).isEqualTo(1);
    assertThat(grant.get().firstSeq()).isEqualTo(1);
    assertThat(grant.get().resumeEpoch()).isNull();
    assertThat(grant.get().objectiveMetric()).isEqualTo("test_f1_macro");
    assertThat(worker("waiter").state()).isEqualTo("busy");
    assertThat(worker("waiter").currentTrials()).containsExactly(grant.get().trialId());
  }

  @Test
  void a_trial_runs_through_the_protocol_events_artifacts_and_completion() throws Exception {
    register("runner", List.of("cpu"));
    create(anExperiment().named("through"));
    LeaseGrant grant = client().lease("runner", POLL).orElseThrow();
    long trialId = grant.trialId();
    byte[] model = "model bytes".getBytes(StandardCharsets.UTF_8);
    Path modelFile = Files.write(home.resolve("model-upload.dlm"), model);
    Instant now = Instant.now();
    List<TrialEvent> batch =
        List.of(
            TrialEvent.of(1, now, new StatusChange(StatusChange.RUNNING, "attempt 1")),
            TrialEvent.of(2, now, new MetricPoint("train_loss", 0.7, 10, 1)),
            TrialEvent.of(3, now, new Progress(1, 1, 10, 10, 1.0, 1234.5, 0.0)),
            TrialEvent.of(4, now, new ArtifactRef("model", "model", model.length, sha256(model))));

    client().events(trialId, new EventBatch(grant.leaseToken(), 1, batch));
    client().events(trialId, new EventBatch(grant.leaseToken(), 1, batch));
    client().heartbeat(trialId, new LeaseHeartbeat(grant.leaseToken(), "runner", 1234.5));
    client().upload(trialId, grant.leaseToken(), "model", 4, modelFile);
    client()
        .complete(
            trialId,
            new Completion(
                grant.leaseToken(),
                Completion.SUCCEEDED,
                null,
                null,
                false,
                3.5,
                Map.of("test_accuracy", 0.91, "test_f1_macro", 0.9)));

    Trial trial = trials.get(trialId);
    assertThat(trial.status()).isEqualTo(TrialStatus.SUCCEEDED);
    assertThat(trial.testAccuracy()).isEqualTo(0.91);
    assertThat(trial.testF1Macro()).isEqualTo(0.9);
    assertThat(trial.bestMetric()).isEqualTo(0.9);
    assertThat(trial.lastMetrics()).contains("\"train_loss\":0.7");
    assertThat(
            Files.readAllBytes(directories.of(trialId).resolve("attempt-1").resolve("model.dlm")))
        .isEqualTo(model);
    assertThat(get("/api/v1/trials/" + trialId + "/events?type=metric").body())
        .as("the resent batch was stored once")
        .containsOnlyOnce("train_loss");
  }

  @Test
  void an_upload_must_be_the_file_its_delivered_event_describes() throws Exception {
    register("uploader", List.of("cpu"));
    create(anExperiment().named("uploads"));
    LeaseGrant grant = client().lease("uploader", POLL).orElseThrow();
    Path file = Files.write(home.resolve("report.json"), "{}".getBytes(StandardCharsets.UTF_8));
    client()
        .events(
            grant.trialId(),
            new EventBatch(
                grant.leaseToken(),
                1,
                List.of(
                    TrialEvent.of(
                        1,
                        Instant.now(),
                        new ArtifactRef("per-class", "report", 2, "0".repeat(64))))));

    assertThatThrownBy(
            () -> client().upload(grant.trialId(), grant.leaseToken(), "per-class", 1, file))
        .isInstanceOf(WorkerClient.RejectedException.class)
        .hasMessageContaining("400")
        .hasMessageContaining("send that file again");
    assertThatThrownBy(
            () -> client().upload(grant.trialId(), grant.leaseToken(), "per-class", 2, file))
        .isInstanceOf(WorkerClient.RejectedException.class)
        .hasMessageContaining("deliver the events before uploading");
  }

  @Test
  void a_lost_lease_answers_409_to_every_fenced_call() throws Exception {
    register("loser", List.of("cpu"));
    create(anExperiment().named("lost"));
    LeaseGrant grant = client().lease("loser", POLL).orElseThrow();
    // Someone else ended the attempt (as a sweep, a timeout or a cancel would).
    queue.complete(grant.trialId(), grant.leaseToken(), new TrialOutcome.Cancelled(null));
    UUID token = grant.leaseToken();
    Path file = Files.write(home.resolve("lost.bin"), new byte[] {1});

    assertThatThrownBy(
            () -> client().heartbeat(grant.trialId(), new LeaseHeartbeat(token, "loser", 0)))
        .isInstanceOf(WorkerClient.LeaseLostException.class)
        .hasMessageContaining("drop this attempt");
    assertThatThrownBy(
            () ->
                client()
                    .events(
                        grant.trialId(),
                        new EventBatch(
                            token,
                            1,
                            List.of(
                                TrialEvent.of(1, Instant.now(), new MetricPoint("x", 1, 1, 1))))))
        .isInstanceOf(WorkerClient.LeaseLostException.class);
    assertThatThrownBy(() -> client().upload(grant.trialId(), token, "model", 1, file))
        .isInstanceOf(WorkerClient.LeaseLostException.class);
    assertThatThrownBy(
            () ->
                client()
                    .complete(
                        grant.trialId(),
                        new Completion(
                            token, Completion.SUCCEEDED, null, null, false, 1.0, Map.of())))
        .isInstanceOf(WorkerClient.LeaseLostException.class);
    assertThat(trials.get(grant.trialId()).status()).isEqualTo(TrialStatus.CANCELLED);
  }

  @Test
  void a_pruner_stops_a_remote_trial_through_its_heartbeat_and_the_search_goes_on() {
    register("pruned-worker", List.of("cpu"));
    // Submitted as a user would: the TPE search suggests its first trials as it is stored.
    Experiment search =
        submission.submit(
            new ExperimentFiles()
                .read(
                    """
                    name: pruned-search
                    config: {model: mlp, epochs: 4}
                    maxParallelTrials: 3
                    search:
                      type: tpe
                      maxTrials: 8
                      parallelism: 3
                      seed: 5
                      parameters:
                        learningRate: {min: 1.0e-4, max: 1.0e-1, scale: log}
                    pruner: {type: asha, metric: epoch_train_accuracy, minEpochs: 1,
                             reductionFactor: 3}
                    """,
                    FileFormat.YAML),
            "local");
    experimentIds.add(search.id());
    assertThat(trials.listByExperiment(search.id())).hasSize(3);
    assertThat(experiments.find(search.id()).orElseThrow().status())
        .isEqualTo(ExperimentStatus.QUEUED);

    LeaseGrant ahead = client().lease("pruned-worker", POLL).orElseThrow();
    LeaseGrant behind = client().lease("pruned-worker", POLL).orElseThrow();
    assertThat(List.of(ahead.experimentId(), behind.experimentId())).containsOnly(search.id());
    Instant now = Instant.now();
    // Epoch 1 is ASHA's first rung: the first to report goes on, the worse second is pruned. The
    // answer to the batch says so at once; the heartbeat says it too, for a worker that missed it.
    EventBatch behindEpoch =
        new EventBatch(
            behind.leaseToken(),
            1,
            List.of(TrialEvent.of(1, now, new MetricPoint("epoch_train_accuracy", 0.8, 100, 1))));
    assertThat(
            client()
                .events(
                    ahead.trialId(),
                    new EventBatch(
                        ahead.leaseToken(),
                        1,
                        List.of(
                            TrialEvent.of(
                                1, now, new MetricPoint("epoch_train_accuracy", 0.9, 100, 1)))))
                .stop())
        .isFalse();
    assertThat(client().events(behind.trialId(), behindEpoch))
        .isEqualTo(new EventsAnswer(1, 0, true));
    assertThat(client().events(behind.trialId(), behindEpoch))
        .as("resent: the stop still stands")
        .isEqualTo(new EventsAnswer(0, 1, true));

    assertThat(
            client()
                .heartbeat(
                    ahead.trialId(), new LeaseHeartbeat(ahead.leaseToken(), "pruned-worker", 1))
                .cancelRequested())
        .isFalse();
    assertThat(
            client()
                .heartbeat(
                    behind.trialId(), new LeaseHeartbeat(behind.leaseToken(), "pruned-worker", 1))
                .cancelRequested())
        .isTrue();
    // The worker stops as for a cancel; the trial ends pruned and the search suggests the next.
    client()
        .complete(
            behind.trialId(),
            new Completion(
                behind.leaseToken(), Completion.CANCELLED, null, null, false, 1.0, Map.of()));
    assertThat(trials.get(behind.trialId()).status()).isEqualTo(TrialStatus.PRUNED);
    assertThat(trials.listByExperiment(search.id())).hasSize(4);
  }

  @Test
  void a_heartbeat_brings_a_users_cancel_to_the_worker() {
    register("cancelled", List.of("cpu"));
    create(anExperiment().named("to-cancel"));
    LeaseGrant grant = client().lease("cancelled", POLL).orElseThrow();
    LeaseHeartbeat beat = new LeaseHeartbeat(grant.leaseToken(), "cancelled", 10);

    assertThat(client().heartbeat(grant.trialId(), beat).cancelRequested()).isFalse();
    moves.requestCancel(grant.trialId());
    assertThat(client().heartbeat(grant.trialId(), beat).cancelRequested()).isTrue();
  }

  @Test
  void a_trial_requiring_a_gpu_goes_only_to_a_gpu_worker() {
    register("cpu-only", List.of("cpu"));
    register("with-gpu", List.of("cpu", "gpu"));
    create(
        anExperiment()
            .named("needs-gpu")
            .withTrials(0)
            .withTrial(new NewTrial("{\"model\":\"mlp\",\"device\":\"gpu\"}", "gpu")));

    assertThat(client().lease("cpu-only", POLL)).isEmpty();
    assertThat(client().lease("with-gpu", POLL)).isPresent();
  }

  @Test
  void a_bad_registration_is_a_400_naming_the_field() throws Exception {
    HttpResponse<String> zeroSlots =
        post("/api/v1/worker/register", "{\"name\":\"w\",\"host\":\"h\",\"slots\":0}");
    HttpResponse<String> unknownField =
        post(
            "/api/v1/worker/register",
            "{\"name\":\"w\",\"host\":\"h\",\"slots\":1,\"colour\":\"red\"}");
    HttpResponse<String> badCapability =
        post(
            "/api/v1/worker/register",
            "{\"name\":\"w\",\"host\":\"h\",\"slots\":1,\"capabilities\":[\"tpu\"]}");

    assertThat(zeroSlots.statusCode()).isEqualTo(400);
    assertThat(zeroSlots.body()).contains("slots");
    assertThat(unknownField.statusCode()).isEqualTo(400);
    assertThat(unknownField.body()).contains("colour");
    assertThat(badCapability.statusCode()).isEqualTo(400);
    assertThat(badCapability.body()).contains("capabilities");
  }

  @Test
  void prometheus_has_gauges_per_worker() throws Exception {
    register("measured", List.of("cpu"));

    // One refresh now, rather than waiting for WorkerMetrics' own thread: on a loaded machine that
    // thread (a virtual thread beside the rest of the suite) once came late enough for the silent
    // worker to count as lost (up 0) or for the wait to run out. refresh() reads the list under
    // the same lock as the thread's refreshes, so none of theirs shows an older list after it.
    workerMetrics.refresh();
    String metrics = get("/actuator/prometheus").body();

    assertThat(metrics)
        .contains("digitlab_worker_up{worker=\"measured\"} 1.0")
        .contains("digitlab_worker_slots{worker=\"measured\"} 2.0")
        .contains("digitlab_worker_running_trials{worker=\"measured\"}")
        .contains("digitlab_worker_images_per_second{worker=\"measured\"}");
  }

  private WorkerClient client() {
    return ProtocolWorkers.client(port);
  }

  private WorkerTerms register(String name, List<String> capabilities) {
    return client().register(new WorkerRegistration(name, "test-host", 2, capabilities));
  }

  private WorkerInfo worker(String name) {
    return new WorkerRegistryView(get("/api/v1/workers").body()).named(name);
  }

  private Experiment create(ExperimentBuilder experiment) {
    Experiment created = experiments.create(experiment.build());
    experimentIds.add(created.id());
    return created;
  }

  private HttpResponse<String> get(String path) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
          BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private HttpResponse<String> post(String path, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString(json))
            .build(),
        BodyHandlers.ofString());
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  /** {@code GET /api/v1/workers} read back into the wire records. */
  private record WorkerRegistryView(String json) {
    WorkerInfo named(String name) {
      try {
        WorkerInfo[] all = Json.mapper().readValue(json, WorkerInfo[].class);
        for (WorkerInfo worker : all) {
          if (worker.name().equals(name)) {
            return worker;
          }
        }
        throw new AssertionError("no worker " + name + " in " + json);
      } catch (tools.jackson.core.JacksonException e) {
        throw new AssertionError(e);
      }
    }
  }
}
