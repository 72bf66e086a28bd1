package dev.digitlab.server.mlflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.server.security.Role;
import dev.digitlab.server.security.TokenStore;
import dev.digitlab.server.testing.AuthServerTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mlflow.api.proto.Service;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.api.proto.Service.ViewType;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;
import org.mlflow.tracking.RunsPage;
import org.mlflow.tracking.creds.BasicMlflowHostCreds;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * MLflow's own Java client (org.mlflow:mlflow-client) against a running server with authentication
 * on: what a user's training script does through it works, and what it may not do is refused with
 * MLflow's error codes.
 */
class MlflowClientTest extends AuthServerTest {

  @Value("${local.server.port}")
  int port;

  @Autowired TokenStore tokens;
  @Autowired JdbcClient jdbc;

  private String aliceToken;
  private MlflowClient alice;
  private MlflowClient bob;
  private MlflowClient viewer;

  @BeforeEach
  void clients() {
    String uri = "http://127.0.0.1:" + port;
    aliceToken = tokens.create("alice", Role.USER).secret();
    alice = new MlflowClient(new BasicMlflowHostCreds(uri, aliceToken));
    // Basic auth as MLFLOW_TRACKING_USERNAME/PASSWORD send it: the password is the token.
    bob =
        new MlflowClient(
            new BasicMlflowHostCreds(uri, "anyone", tokens.create("bob", Role.USER).secret()));
    viewer =
        new MlflowClient(
            new BasicMlflowHostCreds(uri, tokens.create("dashboard", Role.VIEWER).secret()));
  }

  @Test
  void the_default_experiment_exists_from_the_start() {
    Service.Experiment experiment = alice.getExperiment("0");
    assertThat(experiment.getName()).isEqualTo("Default");
    assertThat(experiment.getLifecycleStage()).isEqualTo("active");
    assertThat(alice.getExperimentByName("Default")).isPresent();
  }

  @Test
  void experiments_are_created_found_renamed_deleted_and_restored() {
    String id = alice.createExperiment("client-experiments");
    assertThat(alice.getExperiment(id).getName()).isEqualTo("client-experiments");
    assertThat(alice.getExperimentByName("client-experiments").orElseThrow().getExperimentId())
        .isEqualTo(id);
    assertThat(alice.getExperimentByName("no-such-experiment")).isEmpty();

    assertThatThrownBy(() -> alice.createExperiment("client-experiments"))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(400))
        .hasMessageContaining("RESOURCE_ALREADY_EXISTS");

    alice.setExperimentTag(id, "team", "vision");
    alice.renameExperiment(id, "client-experiments-renamed");
    Service.Experiment renamed = alice.getExperiment(id);
    assertThat(renamed.getName()).isEqualTo("client-experiments-renamed");
    assertThat(renamed.getTagsList())
        .extracting(Service.ExperimentTag::getKey, Service.ExperimentTag::getValue)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("team", "vision"));
    assertThat(
            alice.searchExperiments("name = 'client-experiments-renamed'").getItems().stream()
                .map(Service.Experiment::getExperimentId))
        .containsExactly(id);

    // bob may read alice's experiment but not delete it
    assertThat(bob.getExperiment(id).getName()).isEqualTo("client-experiments-renamed");
    assertThatThrownBy(() -> bob.deleteExperiment(id))
        .isInstanceOf(MlflowHttpException.class)
        .hasMessageContaining("PERMISSION_DENIED");

    alice.deleteExperiment(id);
    assertThat(alice.getExperiment(id).getLifecycleStage()).isEqualTo("deleted");
    assertThat(ids(alice.searchExperiments("name = 'client-experiments-renamed'").getItems()))
        .isEmpty();
    assertThat(
            ids(
                alice
                    .searchExperiments(
                        "name = 'client-experiments-renamed'", ViewType.DELETED_ONLY, 10, List.of())
                    .getItems()))
        .containsExactly(id);
    // as MLflow's SQL store: a deleted experiment is not found for a second delete, an active one
    // not found for a restore
    assertThatThrownBy(() -> alice.deleteExperiment(id))
        .isInstanceOf(MlflowHttpException.class)
        .hasMessageContaining("RESOURCE_DOES_NOT_EXIST");
    alice.restoreExperiment(id);
    assertThat(alice.getExperiment(id).getLifecycleStage()).isEqualTo("active");
    assertThatThrownBy(() -> alice.restoreExperiment(id))
        .isInstanceOf(MlflowHttpException.class)
        .hasMessageContaining("RESOURCE_DOES_NOT_EXIST");
    assertThat(alice.getExperiment(id).getLifecycleStage()).isEqualTo("active");
  }

  @Test
  void a_run_logs_params_metrics_and_tags_and_reads_them_back() {
    String experimentId = alice.createExperiment("client-runs");
    Service.RunInfo info = alice.createRun(experimentId);
    String runId = info.getRunId();
    assertThat(info.getStatus()).isEqualTo(RunStatus.RUNNING);
    assertThat(info.getArtifactUri()).startsWith("mlflow-artifacts:/");

    long now = System.currentTimeMillis();
    alice.logBatch(
        runId,
        List.of(
            metric("rmse", 0.9, now, 0),
            metric("rmse", 0.7, now + 1, 1),
            metric("val loss", Double.NaN, now, 0)),
        List.of(param("alpha", "0.5"), param("l1_ratio", "0.1")),
        List.of(tag("team", "vision")));
    alice.logMetric(runId, "rmse", 0.6, now + 2, 2);
    alice.logMetric(runId, "rmse", 0.65, now + 3, 3);
    alice.logParam(runId, "alpha", "0.5"); // the same value again: allowed
    alice.setTag(runId, "stage", "tuning");
    alice.setTag(runId, "temporary", "x");
    alice.deleteTag(runId, "temporary");
    alice.setTerminated(runId, RunStatus.FINISHED, now + 10);

    Service.Run run = alice.getRun(runId);
    assertThat(run.getInfo().getStatus()).isEqualTo(RunStatus.FINISHED);
    assertThat(run.getInfo().getEndTime()).isEqualTo(now + 10);
    assertThat(run.getInfo().getUserId()).isEqualTo("alice");
    assertThat(map(run.getData().getParamsList()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("alpha", "0.5", "l1_ratio", "0.1"));
    Map<String, String> tags =
        run.getData().getTagsList().stream()
            .collect(Collectors.toMap(RunTag::getKey, RunTag::getValue));
    assertThat(tags).containsEntry("team", "vision").containsEntry("stage", "tuning");
    assertThat(tags).doesNotContainKey("temporary");
    Map<String, Metric> latest =
        run.getData().getMetricsList().stream().collect(Collectors.toMap(Metric::getKey, m -> m));
    assertThat(latest.get("rmse").getValue()).isEqualTo(0.65);
    assertThat(latest.get("rmse").getStep()).isEqualTo(3);
    assertThat(latest.get("val loss").getValue()).isNaN();

    List<Metric> history = alice.getMetricHistory(runId, "rmse");
    assertThat(history).extracting(Metric::getStep).containsExactly(0L, 1L, 2L, 3L);
    assertThat(history).extracting(Metric::getValue).containsExactly(0.9, 0.7, 0.6, 0.65);
    assertThat(history.get(1).getTimestamp()).isEqualTo(now + 1);
  }

  @Test
  void search_filters_orders_and_pages_runs() {
    String experimentId = alice.createExperiment("client-search");
    List<String> runIds = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (int i = 0; i < 5; i++) {
      String runId = alice.createRun(experimentId).getRunId();
      runIds.add(runId);
      alice.logBatch(
          runId,
          List.of(metric("rmse", 0.5 + i * 0.1, now, 0)),
          List.of(param("alpha", i % 2 == 0 ? "0.5" : "0.1")),
          List.of());
    }
    // rmse 0.5, 0.6, 0.7 (runs 0, 1, 2) are < 0.75; of those, alpha 0.5: runs 0 and 2
    RunsPage filtered =
        alice.searchRuns(
            List.of(experimentId),
            "metrics.rmse < 0.75 and params.alpha = '0.5'",
            ViewType.ACTIVE_ONLY,
            10,
            List.of("metrics.rmse DESC"));
    assertThat(filtered.getItems().stream().map(r -> r.getInfo().getRunId()))
        .containsExactly(runIds.get(2), runIds.get(0));

    RunsPage first =
        alice.searchRuns(
            List.of(experimentId), "", ViewType.ACTIVE_ONLY, 2, List.of("metrics.rmse ASC"));
    assertThat(first.getItems().stream().map(r -> r.getInfo().getRunId()))
        .containsExactly(runIds.get(0), runIds.get(1));
    assertThat(first.hasNextPage()).isTrue();
    RunsPage second = (RunsPage) first.getNextPage();
    assertThat(second.getItems().stream().map(r -> r.getInfo().getRunId()))
        .containsExactly(runIds.get(2), runIds.get(3));
    RunsPage third = (RunsPage) second.getNextPage();
    assertThat(third.getItems().stream().map(r -> r.getInfo().getRunId()))
        .containsExactly(runIds.get(4));
    assertThat(third.hasNextPage()).isFalse();

    // a deleted run leaves the active view, and comes back when restored
    alice.deleteRun(runIds.get(0));
    assertThat(alice.getRun(runIds.get(0)).getInfo().getLifecycleStage()).isEqualTo("deleted");
    assertThat(runs(alice, experimentId, "", ViewType.ACTIVE_ONLY)).hasSize(4);
    assertThat(runs(alice, experimentId, "", ViewType.DELETED_ONLY)).hasSize(1);
    alice.restoreRun(runIds.get(0));
    assertThat(runs(alice, experimentId, "", ViewType.ACTIVE_ONLY)).hasSize(5);
  }

  /**
   * MLflow reads a name without an entity as an attribute, and knows the UI's column names as
   * aliases: {@code run_name = 'x'}, {@code status = 'RUNNING'}, order_by {@code start_time DESC},
   * {@code `Run name`}, {@code created}. Scripts copied from MLflow's docs use them.
   */
  @Test
  void search_takes_attributes_without_their_prefix_and_mlflows_aliases() {
    String experimentId = alice.createExperiment("client-search-bare");
    List<String> ids = new ArrayList<>();
    for (String name : List.of("fold-a", "fold-b", "final")) {
      ids.add(
          alice
              .createRun(
                  Service.CreateRun.newBuilder()
                      .setExperimentId(experimentId)
                      .setRunName(name)
                      .setStartTime(1_700_000_000_000L + ids.size() * 1000L)
                      .build())
              .getRunId());
    }
    alice.setTerminated(ids.get(2), RunStatus.FINISHED);

    assertThat(runIds(experimentId, "run_name = 'fold-b'", List.of())).containsExactly(ids.get(1));
    assertThat(
            runIds(experimentId, "status = 'RUNNING' and start_time >= 1700000000000", List.of()))
        .containsExactlyInAnyOrder(ids.get(0), ids.get(1));
    assertThat(runIds(experimentId, "`Run name` LIKE 'fold-%'", List.of("start_time ASC")))
        .containsExactly(ids.get(0), ids.get(1));
    assertThat(runIds(experimentId, "attributes.created > 1700000000500", List.of("created DESC")))
        .containsExactly(ids.get(2), ids.get(1));
    assertThat(runIds(experimentId, "", List.of("run_name DESC")))
        .containsExactly(ids.get(1), ids.get(0), ids.get(2));
    assertThatThrownBy(() -> runIds(experimentId, "rmse < 1", List.of()))
        .isInstanceOf(MlflowHttpException.class)
        .hasMessageContaining("INVALID_PARAMETER_VALUE");
  }

  /**
   * A sweep where one run's metric went NaN: ordered by that metric, NaN comes after every number
   * and before runs without it, ascending and descending, as on MLflow's server; so {@code
   * search_runs(order_by=["metrics.accuracy DESC"], max_results=1)} finds the best real run.
   */
  @Test
  void search_orders_nan_metrics_after_numbers_either_way() {
    String experimentId = alice.createExperiment("client-search-nan");
    List<String> ids = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (double accuracy : new double[] {0.9, Double.NaN, 0.8, -1}) {
      String runId = alice.createRun(experimentId).getRunId();
      ids.add(runId);
      if (accuracy >= 0 || Double.isNaN(accuracy)) {
        alice.logMetric(runId, "accuracy", accuracy, now, 0);
      }
    }
    assertThat(runIds(experimentId, "", List.of("metrics.accuracy DESC")))
        .containsExactly(ids.get(0), ids.get(2), ids.get(1), ids.get(3));
    assertThat(runIds(experimentId, "", List.of("metrics.accuracy ASC")))
        .containsExactly(ids.get(2), ids.get(0), ids.get(1), ids.get(3));
  }

  /**
   * {@code datasets.name}, {@code .digest} and {@code .context} (the input tag {@code
   * mlflow.data.context}) as MLflow's server reads them: a run passes a clause when any dataset it
   * logged does, each clause on its own (two clauses may be passed by two datasets); a dataset
   * without a context passes no context clause, not even {@code !=}; a run without datasets passes
   * none. The 2.17.2 Java client has no logInputs: the datasets go in as the Python client posts
   * them.
   */
  @Test
  void search_filters_runs_by_the_datasets_they_logged() throws Exception {
    String experimentId = alice.createExperiment("client-search-datasets");
    String a = alice.createRun(experimentId).getRunId();
    String b = alice.createRun(experimentId).getRunId();
    String c = alice.createRun(experimentId).getRunId();
    String none = alice.createRun(experimentId).getRunId();
    logInputs(a, input("mnist-train", "abc", "training"), input("mnist-test", "def", "evaluation"));
    logInputs(b, input("mnist-train", "abd", "training"));
    logInputs(c, input("MNIST-extra", "123", null));
    // MLflow keeps a run's first input of a dataset: this second context is not the run's
    logInputs(a, input("mnist-train", "abc", "validation"));
    alice.logParam(a, "lr", "0.1");
    alice.logParam(b, "lr", "0.1");
    alice.logParam(c, "lr", "0.2");

    assertThat(runIds(experimentId, "datasets.name = 'mnist-train'", List.of()))
        .containsExactlyInAnyOrder(a, b);
    assertThat(runIds(experimentId, "datasets.digest IN ('abc', 'def')", List.of()))
        .containsExactly(a);
    // MLflow's server drops values not all lower case from the list (docs/mlflow.md); not here
    assertThat(runIds(experimentId, "datasets.name IN ('MNIST-extra')", List.of()))
        .containsExactly(c);
    assertThat(runIds(experimentId, "datasets.context = 'training'", List.of()))
        .containsExactlyInAnyOrder(a, b);
    assertThat(runIds(experimentId, "datasets.context = 'validation'", List.of())).isEmpty();
    // any dataset other than mnist-train: a's mnist-test and c's; b has only mnist-train
    assertThat(runIds(experimentId, "datasets.name != 'mnist-train'", List.of()))
        .containsExactlyInAnyOrder(a, c);
    assertThat(runIds(experimentId, "datasets.name NOT IN ('mnist-train', 'x')", List.of()))
        .containsExactlyInAnyOrder(a, c);
    assertThat(runIds(experimentId, "datasets.context != 'training'", List.of()))
        .containsExactly(a);
    assertThat(runIds(experimentId, "datasets.context NOT IN ('evaluation')", List.of()))
        .containsExactlyInAnyOrder(a, b);
    assertThat(runIds(experimentId, "datasets.name LIKE 'mnist-%'", List.of()))
        .containsExactlyInAnyOrder(a, b);
    assertThat(runIds(experimentId, "datasets.name ILIKE 'mnist-%'", List.of()))
        .containsExactlyInAnyOrder(a, b, c);
    assertThat(runIds(experimentId, "dataset.`digest` = \"123\"", List.of())).containsExactly(c);
    // each clause by any dataset: a's test set is evaluation, its training set training
    assertThat(
            runIds(
                experimentId,
                "datasets.name = 'mnist-test' and datasets.context = 'training'",
                List.of()))
        .containsExactly(a);
    // with a clause the server checks in SQL first
    assertThat(runIds(experimentId, "params.lr = '0.1' and datasets.digest = 'abd'", List.of()))
        .containsExactly(b);
    assertThat(
            runIds(
                experimentId,
                "datasets.name = 'mnist-train' and params.lr IN ('0.1') and tags.x = 'y'",
                List.of()))
        .isEmpty();
    assertThat(runIds(experimentId, "datasets.name = 'no-such-dataset'", List.of())).isEmpty();
    // as on MLflow's server, the runs found come with their inputs, as runs/get gives them
    Service.Run found =
        alice
            .searchRuns(
                List.of(experimentId),
                "datasets.digest = 'abd'",
                ViewType.ACTIVE_ONLY,
                10,
                List.of())
            .getItems()
            .getFirst();
    assertThat(found.getInputs()).isEqualTo(alice.getRun(b).getInputs());
    assertThat(found.getInputs().getDatasetInputsList())
        .extracting(input -> input.getDataset().getName(), input -> input.getTags(0).getValue())
        .containsExactly(org.assertj.core.groups.Tuple.tuple("mnist-train", "training"));
    assertThat(runIds(experimentId, "", List.of())).contains(none);

    // the same search on the UI's prefix, as a GET
    var ajax =
        raw(
            "GET",
            "/ajax-api/2.0/mlflow/runs/search?experiment_ids="
                + experimentId
                + "&filter="
                + java.net.URLEncoder.encode(
                    "datasets.context = 'evaluation'", java.nio.charset.StandardCharsets.UTF_8),
            "Bearer " + aliceToken,
            null);
    assertThat(ajax.statusCode()).as(ajax.body()).isEqualTo(200);
    assertThat(
            tools.jackson.databind.json.JsonMapper.builder()
                .build()
                .readTree(ajax.body())
                .path("runs")
                .findValuesAsString("run_id"))
        .containsExactly(a);

    // the runs table's CSV takes the same grammar
    var csv =
        raw(
            "GET",
            "/experiments/"
                + experimentId
                + "/runs.csv?filter="
                + java.net.URLEncoder.encode(
                    "datasets.name = 'mnist-train'", java.nio.charset.StandardCharsets.UTF_8),
            "Bearer " + aliceToken,
            null);
    assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
    assertThat(csv.body().lines().skip(1).map(line -> line.split(",")[0]))
        .containsExactlyInAnyOrder(a, b);

    // MLflow's refusals, in its words
    assertThatThrownBy(() -> runIds(experimentId, "datasets.size = 1", List.of()))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(400))
        .hasMessageContaining("INVALID_PARAMETER_VALUE")
        .hasMessageContaining("Invalid dataset key 'size' specified");
    assertThatThrownBy(() -> runIds(experimentId, "datasets.name > 'a'", List.of()))
        .isInstanceOf(MlflowHttpException.class)
        .hasMessageContaining("INVALID_PARAMETER_VALUE")
        .hasMessageContaining("Invalid comparator '>'");
    assertThatThrownBy(() -> runIds(experimentId, "datasets.digest = 123", List.of()))
        .isInstanceOf(MlflowHttpException.class)
        .hasMessageContaining("INVALID_PARAMETER_VALUE")
        .hasMessageContaining("Expected a quoted string value for dataset attributes");
    assertThatThrownBy(() -> runIds(experimentId, "", List.of("datasets.name ASC")))
        .isInstanceOf(MlflowHttpException.class)
        .hasMessageContaining("INVALID_PARAMETER_VALUE");
    assertMlflowError(
        raw(
            "POST",
            "/api/2.0/mlflow/runs/search",
            "Bearer " + aliceToken,
            "{\"experiment_ids\": [\"" + experimentId + "\"], \"filter\": \"datasets.size = 1\"}"),
        400,
        "INVALID_PARAMETER_VALUE");
  }

  /**
   * MLflow's server keeps a run's first input of a dataset (same name and digest), with that
   * input's tags: a later one, in the same log-inputs or another (a script calling log_input in a
   * loop), is not stored, and runs/get and runs/search answer each dataset once. Another digest is
   * another dataset. A duplicate stored before Digit Lab dropped them at write is not answered
   * either.
   */
  @Test
  void a_run_keeps_its_first_input_of_each_dataset() throws Exception {
    String experimentId = alice.createExperiment("client-inputs-once");
    String run = alice.createRun(experimentId).getRunId();
    logInputs(
        run,
        input("mnist-train", "abc", "training"),
        input("mnist-test", "def", "evaluation"),
        input("mnist-train", "abc", "validation"));
    for (int i = 0; i < 3; i++) {
      logInputs(run, input("mnist-train", "abc", "loop-" + i));
    }
    logInputs(run, input("mnist-train", "abd", "training"), input("mnist-test", "def", null));
    // as an older Digit Lab stored it: a second input of mnist-test/def, straight into the table
    jdbc.sql("INSERT INTO run_input (trial_id, input) VALUES (:id, :input)")
        .param("id", Long.parseLong(run))
        .param("input", input("mnist-test", "def", "stored-before"))
        .update();

    var expected =
        List.of(
            org.assertj.core.groups.Tuple.tuple("mnist-train", "abc", List.of("training")),
            org.assertj.core.groups.Tuple.tuple("mnist-test", "def", List.of("evaluation")),
            org.assertj.core.groups.Tuple.tuple("mnist-train", "abd", List.of("training")));
    assertThat(alice.getRun(run).getInputs().getDatasetInputsList())
        .extracting(
            input -> input.getDataset().getName(),
            input -> input.getDataset().getDigest(),
            input -> input.getTagsList().stream().map(Service.InputTag::getValue).toList())
        .containsExactlyElementsOf(expected);
    Service.Run found =
        alice
            .searchRuns(List.of(experimentId), "", ViewType.ACTIVE_ONLY, 10, List.of())
            .getItems()
            .getFirst();
    assertThat(found.getInputs()).isEqualTo(alice.getRun(run).getInputs());
    // only the stored duplicate is left in the table: log-inputs wrote none
    assertThat(
            jdbc.sql("SELECT COUNT(*) FROM run_input WHERE trial_id = :id")
                .param("id", Long.parseLong(run))
                .query(Long.class)
                .single())
        .isEqualTo(4);
  }

  private void logInputs(String runId, String... inputs) throws Exception {
    int status =
        rawPost(
            "runs/log-inputs",
            "{\"run_id\": \"" + runId + "\", \"datasets\": [" + String.join(", ", inputs) + "]}");
    assertThat(status).isEqualTo(200);
  }

  /** A dataset input as the Python client's log_input sends it. */
  private static String input(String name, String digest, String context) {
    String tags =
        context == null
            ? "[]"
            : "[{\"key\": \"mlflow.data.context\", \"value\": \"" + context + "\"}]";
    return "{\"tags\": "
        + tags
        + ", \"dataset\": {\"name\": \""
        + name
        + "\", \"digest\": \""
        + digest
        + "\", \"source_type\": \"local\", \"source\": \"{\\\"uri\\\": \\\"/data\\\"}\","
        + " \"schema\": \"\", \"profile\": \"{\\\"num_rows\\\": 60000}\"}}";
  }

  private List<String> runIds(String experimentId, String filter, List<String> orderBy) {
    return alice
        .searchRuns(List.of(experimentId), filter, ViewType.ACTIVE_ONLY, 100, orderBy)
        .getItems()
        .stream()
        .map(run -> run.getInfo().getRunId())
        .toList();
  }

  @Test
  void missing_runs_and_changed_params_get_mlflows_error_codes() {
    assertThatThrownBy(() -> alice.getRun("987654321"))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(404))
        .hasMessageContaining("RESOURCE_DOES_NOT_EXIST");

    String runId = alice.createRun(alice.createExperiment("client-errors")).getRunId();
    alice.logParam(runId, "alpha", "0.5");
    assertThatThrownBy(() -> alice.logParam(runId, "alpha", "0.6"))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(400))
        .hasMessageContaining("INVALID_PARAMETER_VALUE");
    assertThat(map(alice.getRun(runId).getData().getParamsList())).containsEntry("alpha", "0.5");

    assertThatThrownBy(() -> alice.logMetric(runId, "bad*key", 1.0))
        .isInstanceOf(MlflowHttpException.class)
        .hasMessageContaining("INVALID_PARAMETER_VALUE");
  }

  @Test
  void users_write_only_their_own_runs_and_viewers_only_read() {
    String experimentId = alice.createExperiment("client-owners");
    String runId = alice.createRun(experimentId).getRunId();
    alice.logMetric(runId, "rmse", 0.5);

    assertThatThrownBy(() -> bob.logMetric(runId, "rmse", 0.1))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(403));
    assertThatThrownBy(() -> bob.setTerminated(runId))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(403));
    assertThatThrownBy(() -> viewer.createRun(experimentId))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(403));
    assertThatThrownBy(() -> viewer.logMetric(runId, "rmse", 0.1))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(403));

    // reads, including the POST searches, are open to viewers
    assertThat(runs(viewer, experimentId, "metrics.rmse = 0.5", ViewType.ACTIVE_ONLY)).hasSize(1);
    assertThat(viewer.getMetricHistory(runId, "rmse"))
        .extracting(Metric::getValue)
        .containsExactly(0.5);
    // bob logs into alice's experiment a run of his own
    String bobsRun = bob.createRun(experimentId).getRunId();
    bob.logMetric(bobsRun, "rmse", 0.4);
    assertThat(bob.getRun(bobsRun).getInfo().getUserId()).isEqualTo("bob");
    assertThat(alice.getMetricHistory(runId, "rmse"))
        .extracting(Metric::getValue)
        .containsExactly(0.5);
  }

  @Test
  void registry_reads_through_the_client_after_writes_as_the_python_client_sends_them()
      throws Exception {
    String runId = alice.createRun(alice.createExperiment("client-registry")).getRunId();
    assertThat(
            rawPost(
                "registered-models/create", "{\"name\": \"elastic\", \"description\": \"wine\"}"))
        .isEqualTo(200);
    for (int i = 1; i <= 2; i++) {
      assertThat(
              rawPost(
                  "model-versions/create",
                  """
                  {"name": "elastic", "source": "mlflow-artifacts:/1/%s/artifacts/model",
                   "run_id": "%s"}
                  """
                      .formatted(runId, runId)))
          .isEqualTo(200);
    }
    assertThat(
            rawPost(
                "registered-models/alias",
                "{\"name\": \"elastic\", \"alias\": \"champion\", \"version\": \"1\"}"))
        .isEqualTo(200);

    assertThat(alice.getRegisteredModel("elastic").getName()).isEqualTo("elastic");
    assertThat(alice.getRegisteredModel("elastic").getDescription()).isEqualTo("wine");
    assertThat(alice.getLatestVersions("elastic"))
        .extracting(org.mlflow.api.proto.ModelRegistry.ModelVersion::getVersion)
        .containsExactly("2");
    org.mlflow.api.proto.ModelRegistry.ModelVersion first = alice.getModelVersion("elastic", "1");
    assertThat(first.getRunId()).isEqualTo(runId);
    assertThat(first.getAliasesList()).containsExactly("champion");
    assertThat(alice.searchModelVersions("name = 'elastic'").getItems()).hasSize(2);
    assertThat(alice.searchModelVersions("name = 'nothing'").getItems()).isEmpty();
    assertThat(alice.getModelVersionDownloadUri("elastic", "2"))
        .isEqualTo("mlflow-artifacts:/1/" + runId + "/artifacts/model");
    assertThatThrownBy(() -> alice.getRegisteredModel("no-such-model"))
        .isInstanceOf(MlflowHttpException.class)
        .hasMessageContaining("RESOURCE_DOES_NOT_EXIST");
    // bob reads alice's model but may not add versions to it
    assertThat(bob.getModelVersion("elastic", "2").getVersion()).isEqualTo("2");
    assertThat(bob.sendGet("registered-models/get?name=elastic")).contains("elastic");
  }

  /**
   * What a serving or promotion script does with aliases and tags: {@code
   * mlflow.pyfunc.load_model("models:/name@champion")} asks for the version an alias points at (GET
   * registered-models/alias), and {@code set_model_version_tag} / {@code set_registered_model_tag}
   * mark versions and models. Only the model's owner changes its tags.
   */
  @Test
  void aliases_resolve_and_model_tags_change_as_the_python_client_calls_them() throws Exception {
    String runId = alice.createRun(alice.createExperiment("client-registry-tags")).getRunId();
    String bearer = "Bearer " + aliceToken;
    assertThat(rawPost("registered-models/create", "{\"name\": \"tagged\"}")).isEqualTo(200);
    for (int i = 1; i <= 2; i++) {
      assertThat(
              rawPost(
                  "model-versions/create",
                  "{\"name\": \"tagged\", \"source\": \"runs:/%s/model\", \"run_id\": \"%s\"}"
                      .formatted(runId, runId)))
          .isEqualTo(200);
    }
    assertThat(
            rawPost(
                "registered-models/alias",
                "{\"name\": \"tagged\", \"alias\": \"champion\", \"version\": \"1\"}"))
        .isEqualTo(200);

    var byAlias =
        raw(
            "GET",
            "/api/2.0/mlflow/registered-models/alias?name=tagged&alias=champion",
            bearer,
            null);
    assertThat(byAlias.statusCode()).as(byAlias.body()).isEqualTo(200);
    tools.jackson.databind.JsonNode version =
        tools.jackson.databind.json.JsonMapper.builder()
            .build()
            .readTree(byAlias.body())
            .path("model_version");
    assertThat(version.path("version").asString()).isEqualTo("1");
    assertThat(version.path("run_id").asString()).isEqualTo(runId);
    assertThat(version.path("aliases").get(0).asString()).isEqualTo("champion");
    // an alias never set: MLflow's code and exact message, which scripts match on
    var unset =
        raw(
            "GET",
            "/api/2.0/mlflow/registered-models/alias?name=tagged&alias=nobody",
            bearer,
            null);
    assertMlflowError(unset, 400, "INVALID_PARAMETER_VALUE");
    assertThat(unset.body()).contains("Registered model alias nobody not found.");

    assertThat(
            rawPost(
                "model-versions/set-tag",
                "{\"name\": \"tagged\", \"version\": \"2\", \"key\": \"validation\","
                    + " \"value\": \"passed\"}"))
        .isEqualTo(200);
    assertThat(
            rawPost(
                "registered-models/set-tag",
                "{\"name\": \"tagged\", \"key\": \"team\", \"value\": \"vision\"}"))
        .isEqualTo(200);
    assertThat(
            rawPost(
                "registered-models/set-tag",
                "{\"name\": \"tagged\", \"key\": \"temporary\", \"value\": \"x\"}"))
        .isEqualTo(200);
    assertThat(
            raw(
                    "DELETE",
                    "/api/2.0/mlflow/registered-models/delete-tag",
                    bearer,
                    "{\"name\": \"tagged\", \"key\": \"temporary\"}")
                .statusCode())
        .isEqualTo(200);
    assertThat(alice.getModelVersion("tagged", "2").getTagsList())
        .extracting(
            org.mlflow.api.proto.ModelRegistry.ModelVersionTag::getKey,
            org.mlflow.api.proto.ModelRegistry.ModelVersionTag::getValue)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("validation", "passed"));
    assertThat(alice.getRegisteredModel("tagged").getTagsList())
        .extracting(org.mlflow.api.proto.ModelRegistry.RegisteredModelTag::getKey)
        .containsExactly("team");
    // search by tag finds the model by the tag it shows
    assertThat(alice.sendGet("registered-models/search?filter=tags.team%20%3D%20%27vision%27"))
        .contains("\"tagged\"");
    assertThat(
            raw(
                    "DELETE",
                    "/api/2.0/mlflow/model-versions/delete-tag",
                    bearer,
                    "{\"name\": \"tagged\", \"version\": \"2\", \"key\": \"validation\"}")
                .statusCode())
        .isEqualTo(200);
    assertThat(alice.getModelVersion("tagged", "2").getTagsList()).isEmpty();
    assertMlflowError(
        raw(
            "POST",
            "/api/2.0/mlflow/model-versions/set-tag",
            bearer,
            "{\"name\": \"tagged\", \"version\": \"9\", \"key\": \"k\", \"value\": \"v\"}"),
        404,
        "RESOURCE_DOES_NOT_EXIST");

    // bob and a viewer read the alias but change no tag of alice's model
    String bobToken = tokens.create("bob-tags", Role.USER).secret();
    String viewerToken = tokens.create("viewer-tags", Role.VIEWER).secret();
    assertThat(
            raw(
                    "GET",
                    "/api/2.0/mlflow/registered-models/alias?name=tagged&alias=champion",
                    "Bearer " + viewerToken,
                    null)
                .statusCode())
        .isEqualTo(200);
    for (String token : List.of(bobToken, viewerToken)) {
      assertMlflowError(
          raw(
              "POST",
              "/api/2.0/mlflow/registered-models/set-tag",
              "Bearer " + token,
              "{\"name\": \"tagged\", \"key\": \"team\", \"value\": \"stolen\"}"),
          403,
          "PERMISSION_DENIED");
      assertMlflowError(
          raw(
              "POST",
              "/api/2.0/mlflow/model-versions/set-tag",
              "Bearer " + token,
              "{\"name\": \"tagged\", \"version\": \"1\", \"key\": \"k\", \"value\": \"v\"}"),
          403,
          "PERMISSION_DENIED");
      assertMlflowError(
          raw(
              "DELETE",
              "/api/2.0/mlflow/registered-models/delete-tag",
              "Bearer " + token,
              "{\"name\": \"tagged\", \"key\": \"team\"}"),
          403,
          "PERMISSION_DENIED");
      assertMlflowError(
          raw(
              "POST",
              "/api/2.0/mlflow/model-versions/transition-stage",
              "Bearer " + token,
              "{\"name\": \"tagged\", \"version\": \"1\", \"stage\": \"Production\","
                  + " \"archive_existing_versions\": true}"),
          403,
          "PERMISSION_DENIED");
    }
    assertThat(alice.getModelVersion("tagged", "1").getCurrentStage()).isEqualTo("None");
    assertThat(alice.getRegisteredModel("tagged").getTagsList())
        .extracting(
            org.mlflow.api.proto.ModelRegistry.RegisteredModelTag::getKey,
            org.mlflow.api.proto.ModelRegistry.RegisteredModelTag::getValue)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("team", "vision"));
    assertThat(alice.getModelVersion("tagged", "1").getTagsList()).isEmpty();
  }

  /**
   * {@code client.search_model_versions("name='m'")[0]} is the newest version on MLflow's server
   * (last updated first, then name, then version descending); {@code order_by} orders both registry
   * searches; deleting an alias that is not set is no error.
   */
  @Test
  void registry_searches_order_as_mlflows_server_does() throws Exception {
    String runId = alice.createRun(alice.createExperiment("client-registry-order")).getRunId();
    for (String name : List.of("order-b", "order-a")) {
      assertThat(rawPost("registered-models/create", "{\"name\": \"" + name + "\"}"))
          .isEqualTo(200);
    }
    for (int i = 1; i <= 3; i++) {
      assertThat(
              rawPost(
                  "model-versions/create",
                  "{\"name\": \"order-a\", \"source\": \"runs:/%s/model\", \"run_id\": \"%s\"}"
                      .formatted(runId, runId)))
          .isEqualTo(200);
    }
    assertThat(versions("name = 'order-a'", List.of())).containsExactly("3", "2", "1");
    assertThat(versions("name = 'order-a'", List.of("version_number ASC")))
        .containsExactly("1", "2", "3");
    // MLflow's other version filters: numeric comparisons of version_number, source_path strings
    assertThat(versions("name = 'order-a' AND version_number > 1", List.of("version_number ASC")))
        .containsExactly("2", "3");
    assertThat(
            versions("name='order-a' AND version_number <= 2 AND version_number != 1", List.of()))
        .containsExactly("2");
    assertThat(versions("version_number = 3 AND name = 'order-a'", List.of())).containsExactly("3");
    assertThat(
            versions(
                "source_path = 'runs:/" + runId + "/model' AND version_number >= 2", List.of()))
        .containsExactly("3", "2");
    assertThat(versions("source_path LIKE 'runs:/%/model' AND name = 'order-b'", List.of()))
        .isEmpty();
    assertThat(versions("tags.version_number = '1'", List.of())).isEmpty();
    assertThatThrownBy(() -> versions("version_number LIKE '1'", List.of()))
        .isInstanceOf(MlflowHttpException.class)
        .hasMessageContaining("INVALID_PARAMETER_VALUE");
    Thread.sleep(20); // a later update time than the versions' creation, whatever the clock's step
    var updated =
        raw(
            "PATCH",
            "/api/2.0/mlflow/model-versions/update",
            "Bearer " + aliceToken,
            "{\"name\": \"order-a\", \"version\": \"1\", \"description\": \"retrained\"}");
    assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
    assertThat(versions("name = 'order-a'", List.of())).first().isEqualTo("1");
    assertThat(versions("name = 'order-a'", List.of("last_updated_timestamp DESC")))
        .containsExactly("1", "3", "2");
    assertThatThrownBy(() -> versions("name = 'order-a'", List.of("size DESC")))
        .isInstanceOf(MlflowHttpException.class)
        .hasMessageContaining("INVALID_PARAMETER_VALUE");

    tools.jackson.databind.json.JsonMapper json =
        tools.jackson.databind.json.JsonMapper.builder().build();
    List<String> names = new ArrayList<>();
    json.readTree(
            alice.sendGet(
                "registered-models/search?filter=name%20LIKE%20%27order-%25%27"
                    + "&order_by=name%20DESC"))
        .path("registered_models")
        .forEach(model -> names.add(model.path("name").asString()));
    assertThat(names).containsExactly("order-b", "order-a");

    var unset =
        raw(
            "DELETE",
            "/api/2.0/mlflow/registered-models/alias",
            "Bearer " + aliceToken,
            "{\"name\": \"order-a\", \"alias\": \"never-set\"}");
    assertThat(unset.statusCode()).as(unset.body()).isEqualTo(200);
  }

  /**
   * The registry's filter words ({@code name}, {@code run_id}, {@code version_number}, {@code
   * source_path}) are MLflow's only where they are keys: inside a quoted value or a backquoted key
   * they are the user's text.
   */
  @Test
  void registry_filter_words_inside_quotes_are_left_alone() throws Exception {
    String runId = alice.createRun(alice.createExperiment("client-registry-quoted")).getRunId();
    String model = "quoted name = x version_number > 1";
    assertThat(rawPost("registered-models/create", "{\"name\": \"" + model + "\"}")).isEqualTo(200);
    assertThat(
            rawPost(
                "model-versions/create",
                "{\"name\": \"%s\", \"source\": \"runs:/%s/run_id = y\", \"run_id\": \"%s\"}"
                    .formatted(model, runId, runId)))
        .isEqualTo(200);
    List<String> names = new ArrayList<>();
    tools.jackson.databind.json.JsonMapper.builder()
        .build()
        .readTree(
            alice.sendGet(
                "registered-models/search?filter="
                    + java.net.URLEncoder.encode(
                        "name = '" + model + "'", java.nio.charset.StandardCharsets.UTF_8)))
        .path("registered_models")
        .forEach(found -> names.add(found.path("name").asString()));
    assertThat(names).containsExactly(model);
    assertThat(versions("name = '" + model + "' AND version_number = 1", List.of()))
        .containsExactly("1");
    assertThat(versions("source_path = 'runs:/" + runId + "/run_id = y'", List.of()))
        .containsExactly("1");
    assertThat(versions("name = \"" + model + "\"", List.of())).containsExactly("1");
  }

  /**
   * MLflow 2.x's stages: {@code transition-stage} moves a version (the stage's case as MLflow
   * spells it), {@code archive_existing_versions} archives the others in that stage, {@code
   * get-latest-versions} gives the newest of each stage asked for.
   */
  @Test
  void versions_move_through_mlflows_stages() throws Exception {
    String runId = alice.createRun(alice.createExperiment("client-stages")).getRunId();
    assertThat(rawPost("registered-models/create", "{\"name\": \"staged\"}")).isEqualTo(200);
    for (int i = 1; i <= 3; i++) {
      assertThat(
              rawPost(
                  "model-versions/create",
                  "{\"name\": \"staged\", \"source\": \"runs:/%s/model\"}".formatted(runId)))
          .isEqualTo(200);
    }
    assertThat(transition("1", "Production", false).path("current_stage").asString())
        .isEqualTo("Production");
    assertThat(transition("2", "production", true).path("current_stage").asString())
        .isEqualTo("Production");
    transition("3", "staging", false);
    assertThat(alice.getModelVersion("staged", "1").getCurrentStage()).isEqualTo("Archived");
    assertThat(alice.getModelVersion("staged", "2").getCurrentStage()).isEqualTo("Production");
    assertThat(latest("{\"name\": \"staged\"}"))
        .containsExactlyInAnyOrder("1:Archived", "2:Production", "3:Staging");
    assertThat(latest("{\"name\": \"staged\", \"stages\": [\"production\", \"None\"]}"))
        .containsExactly("2:Production");

    for (String bad :
        List.of(
            "{\"name\": \"staged\", \"version\": \"3\", \"stage\": \"Gold\"}",
            "{\"name\": \"staged\", \"version\": \"3\", \"stage\": \"None\","
                + " \"archive_existing_versions\": true}",
            "{\"name\": \"staged\", \"version\": \"3\"}")) {
      assertMlflowError(
          raw(
              "POST",
              "/api/2.0/mlflow/model-versions/transition-stage",
              "Bearer " + aliceToken,
              bad),
          400,
          "INVALID_PARAMETER_VALUE");
    }
    assertMlflowError(
        raw(
            "POST",
            "/api/2.0/mlflow/registered-models/get-latest-versions",
            "Bearer " + aliceToken,
            "{\"name\": \"staged\", \"stages\": [\"Prod\"]}"),
        400,
        "INVALID_PARAMETER_VALUE");
    assertMlflowError(
        raw(
            "POST",
            "/api/2.0/mlflow/model-versions/transition-stage",
            "Bearer " + aliceToken,
            "{\"name\": \"staged\", \"version\": \"9\", \"stage\": \"Staging\"}"),
        404,
        "RESOURCE_DOES_NOT_EXIST");
    assertThat(alice.getModelVersion("staged", "3").getCurrentStage()).isEqualTo("Staging");
  }

  private tools.jackson.databind.JsonNode transition(String version, String stage, boolean archive)
      throws Exception {
    var response =
        raw(
            "POST",
            "/api/2.0/mlflow/model-versions/transition-stage",
            "Bearer " + aliceToken,
            """
            {"name": "staged", "version": "%s", "stage": "%s", "archive_existing_versions": %s}
            """
                .formatted(version, stage, archive));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return tools.jackson.databind.json.JsonMapper.builder()
        .build()
        .readTree(response.body())
        .path("model_version");
  }

  private List<String> latest(String body) throws Exception {
    var response =
        raw(
            "POST",
            "/api/2.0/mlflow/registered-models/get-latest-versions",
            "Bearer " + aliceToken,
            body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<String> found = new ArrayList<>();
    tools.jackson.databind.json.JsonMapper.builder()
        .build()
        .readTree(response.body())
        .path("model_versions")
        .forEach(
            v ->
                found.add(v.path("version").asString() + ":" + v.path("current_stage").asString()));
    return found;
  }

  private List<String> versions(String filter, List<String> orderBy) {
    return alice.searchModelVersions(filter, 100, orderBy).getItems().stream()
        .map(org.mlflow.api.proto.ModelRegistry.ModelVersion::getVersion)
        .toList();
  }

  @Test
  void refusals_on_mlflow_paths_come_in_mlflows_error_shape() throws Exception {
    String uri = "http://127.0.0.1:" + port;
    String experimentId = alice.createExperiment("client-refusals");
    String runId = alice.createRun(experimentId).getRunId();

    // the real client, with no token and with a revoked-or-made-up one: 401 UNAUTHENTICATED
    MlflowClient anonymous = new MlflowClient(new BasicMlflowHostCreds(uri));
    assertThatThrownBy(() -> anonymous.getExperiment(experimentId))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(401))
        .hasMessageContaining("UNAUTHENTICATED")
        .hasMessageContaining("MLFLOW_TRACKING_TOKEN");
    MlflowClient forged = new MlflowClient(new BasicMlflowHostCreds(uri, "dl_not-a-real-token"));
    assertThatThrownBy(() -> forged.getRun(runId))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(401))
        .hasMessageContaining("UNAUTHENTICATED");
    // a viewer's write is refused by role before any handler: 403 PERMISSION_DENIED
    assertThatThrownBy(() -> viewer.setTag(runId, "team", "x"))
        .isInstanceOf(MlflowHttpException.class)
        .satisfies(e -> assertThat(((MlflowHttpException) e).getStatusCode()).isEqualTo(403))
        .hasMessageContaining("PERMISSION_DENIED");
    assertThat(map(alice.getRun(runId).getData().getParamsList())).isEmpty();

    // raw HTTP on every MLflow prefix, as the Python client sends it
    String viewerToken = tokens.create("raw-viewer", Role.VIEWER).secret();
    String artifact =
        "/api/2.0/mlflow-artifacts/artifacts/" + experimentId + "/" + runId + "/artifacts/a.txt";
    assertMlflowError(
        raw("GET", "/api/2.0/mlflow/runs/get?run_id=" + runId, null, null), 401, "UNAUTHENTICATED");
    assertMlflowError(
        raw("GET", "/ajax-api/2.0/mlflow/runs/get?run_id=" + runId, null, null),
        401,
        "UNAUTHENTICATED");
    assertMlflowError(
        raw("POST", "/api/2.0/mlflow/runs/search", null, "{}"), 401, "UNAUTHENTICATED");
    assertMlflowError(raw("PUT", artifact, null, "hello"), 401, "UNAUTHENTICATED");
    assertMlflowError(
        raw("GET", "/api/2.0/mlflow/logged-models/search", null, null), 401, "UNAUTHENTICATED");
    assertMlflowError(
        raw("PUT", artifact, "Bearer " + viewerToken, "hello"), 403, "PERMISSION_DENIED");
    assertMlflowError(
        raw(
            "POST",
            "/ajax-api/2.0/mlflow/runs/set-tag",
            "Bearer " + viewerToken,
            "{\"run_id\": \"" + runId + "\", \"key\": \"k\", \"value\": \"v\"}"),
        403,
        "PERMISSION_DENIED");
    String basic =
        "Basic "
            + java.util.Base64.getEncoder()
                .encodeToString(
                    ("anyone:" + viewerToken).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertMlflowError(
        raw("POST", "/api/2.0/mlflow/runs/delete", basic, "{\"run_id\": \"" + runId + "\"}"),
        403,
        "PERMISSION_DENIED");
    assertMlflowError(
        raw("GET", "/api/2.0/mlflow/logged-models/search", "Bearer " + aliceToken, null),
        404,
        "ENDPOINT_NOT_FOUND");
    assertMlflowError(
        raw("POST", "/api/2.0/mlflow-artifacts/mpu/create", "Bearer " + aliceToken, "{}"),
        404,
        "ENDPOINT_NOT_FOUND");
    assertThat(alice.getRun(runId).getData().getTagsList())
        .extracting(RunTag::getKey)
        .doesNotContain("k");
    assertThat(alice.getRun(runId).getInfo().getLifecycleStage()).isEqualTo("active");

    // Digit Lab's own API keeps its problem details
    var native_ = raw("GET", "/api/v1/experiments", null, null);
    assertThat(native_.statusCode()).isEqualTo(401);
    assertThat(native_.headers().firstValue("Content-Type").orElse(""))
        .contains("application/problem+json");
  }

  private java.net.http.HttpResponse<String> raw(
      String method, String path, String authorization, String body) throws Exception {
    var request =
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path))
            .method(
                method,
                body == null
                    ? java.net.http.HttpRequest.BodyPublishers.noBody()
                    : java.net.http.HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return java.net.http.HttpClient.newHttpClient()
        .send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private static void assertMlflowError(
      java.net.http.HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/json");
    tools.jackson.databind.JsonNode body =
        tools.jackson.databind.json.JsonMapper.builder().build().readTree(response.body());
    assertThat(body.path("error_code").asString()).as(response.body()).isEqualTo(code);
    assertThat(body.path("message").asString()).isNotBlank();
    assertThat(body.has("type")).as("no problem-details fields").isFalse();
  }

  private int rawPost(String path, String body) throws Exception {
    var response =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + "/api/2.0/mlflow/" + path))
                    .header("Authorization", "Bearer " + aliceToken)
                    .header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    return response.statusCode();
  }

  private static List<Service.Run> runs(
      MlflowClient client, String experimentId, String filter, ViewType view) {
    return client.searchRuns(List.of(experimentId), filter, view, 1000).getItems();
  }

  private static List<String> ids(List<Service.Experiment> experiments) {
    return experiments.stream().map(Service.Experiment::getExperimentId).toList();
  }

  private static Map<String, String> map(List<Param> params) {
    return params.stream().collect(Collectors.toMap(Param::getKey, Param::getValue));
  }

  private static Metric metric(String key, double value, long timestamp, long step) {
    return Metric.newBuilder()
        .setKey(key)
        .setValue(value)
        .setTimestamp(timestamp)
        .setStep(step)
        .build();
  }

  private static Param param(String key, String value) {
    return Param.newBuilder().setKey(key).setValue(value).build();
  }

  private static RunTag tag(String key, String value) {
    return RunTag.newBuilder().setKey(key).setValue(value).build();
  }
}
