package dev.digitlab.server.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.protocol.experiment.FileFormat;
import dev.digitlab.protocol.pipeline.PipelineFiles;
import dev.digitlab.server.testing.MutableClock;
import dev.digitlab.server.testing.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * DAG semantics of pipeline runs, on the real store and with real processes ({@code sh} programs
 * run by the test's {@link ShellStep} in place of command steps, which run on workers): retries,
 * timeouts, fault injection, skipped dependants, independent branches, gathering summaries, cancel.
 * Run on H2 and on PostgreSQL by the subclasses.
 */
abstract class PipelineExecutorContractTest {

  @TempDir Path home;

  private static final Duration HEARTBEAT = Duration.ofSeconds(5);

  private TestDatabase database;
  private MutableClock clock;
  private PipelineStore store;
  private PipelineExecutor executor;
  private final ShellStep shell = new ShellStep();
  private final PipelineFiles files = new PipelineFiles();

  protected abstract TestDatabase openDatabase();

  @BeforeEach
  void openExecutor() {
    database = openDatabase();
    JdbcClient jdbc = JdbcClient.create(new JdbcTemplate(database.dataSource()));
    clock = new MutableClock(Instant.now());
    store = new PipelineStore(jdbc, new DataSourceTransactionManager(database.dataSource()), clock);
    executor =
        new PipelineExecutor(
            store, new PipelineTracing(""), List.of(shell, new SummaryStep()), home, 2, HEARTBEAT);
  }

  @AfterEach
  void close() throws InterruptedException {
    // Either is null when openExecutor failed or was skipped (no PostgreSQL): teardown must report
    // that skip or failure, not turn it into a NullPointerException.
    try {
      if (executor != null) {
        executor.destroy();
      }
    } finally {
      if (database != null) {
        database.close();
      }
    }
  }

  private PipelineRun runToEnd(String yaml) throws InterruptedException {
    PipelineRun run = executor.start(files.read(yaml, FileFormat.YAML), "{}", "alice");
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      PipelineRun now = store.run(run.id()).orElseThrow();
      if (now.status().isTerminal()) {
        return now;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("run " + run.id() + " did not end within 60 s");
  }

  /** A one-step run stored as running, with no process beating for it. */
  private PipelineRun storedAsRunning() {
    return store.create(
        files.read(
            "{name: p, steps: [{name: a, type: command, parameters: {executable: 'true'}}]}",
            FileFormat.YAML),
        "{}",
        null,
        "alice");
  }

  private Map<String, PipelineStep> steps(PipelineRun run) {
    return store.steps(run.id()).stream()
        .collect(Collectors.toMap(PipelineStep::name, Function.identity()));
  }

  @Test
  void a_step_that_fails_twice_then_hangs_past_its_timeout_succeeds_on_its_fourth_attempt()
      throws Exception {
    // The hang always lasts the whole timeout; the fourth attempt (start sh, read its output, log
    // to the database) must fit in it. 10 s, not 1: a loaded CI machine can take over a second for
    // that, and the test would then fail on the timing, not on what it checks.
    PipelineRun run =
        runToEnd(
            """
            name: faults
            steps:
              - name: ingest
                type: command
                parameters: {executable: sh, args: ["-c", "echo metric images=60000"]}
                retries: {maxAttempts: 4, backoffSeconds: 0.05}
                timeoutSeconds: 10
                faults: {fail: 2, hang: 1}
              - name: after
                type: command
                dependsOn: [ingest]
                parameters: {executable: "true"}
            """);

    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run.owner()).isEqualTo("alice");
    PipelineStep ingest = steps(run).get("ingest");
    assertThat(ingest.status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(ingest.attempts()).isEqualTo(4);
    List<StepAttempt> attempts =
        store.attempts(run.id()).stream().filter(a -> a.stepName().equals("ingest")).toList();
    assertThat(attempts)
        .extracting(StepAttempt::status)
        .containsExactly("failed", "failed", "failed", "succeeded");
    assertThat(attempts.get(0).error()).contains("injected failure");
    assertThat(attempts.get(2).error()).contains("timed out after 10000 ms");
    assertThat(attempts).allSatisfy(a -> assertThat(a.spanId()).hasSize(16));
    assertThat(StepResults.read(ingest.result()).path("metrics").path("images").asDouble())
        .isEqualTo(60000);
    assertThat(steps(run).get("after").status()).isEqualTo(StepStatus.SUCCEEDED);
  }

  @Test
  void a_command_that_hangs_past_its_timeout_is_killed_and_counted_as_a_failed_attempt()
      throws Exception {
    PipelineRun run =
        runToEnd(
            """
            name: hang
            steps:
              - name: stuck
                type: command
                timeoutSeconds: 5
                parameters: {executable: sleep, args: ["60"]}
            """);

    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(steps(run).get("stuck").failureReason()).contains("timed out after 5000 ms");
    // The process as started, not a pid the program writes: on a busy machine sh once took over a
    // second to write its pid file, and the timeout could come first. Only the start itself has to
    // happen within the 5 s.
    List<ProcessHandle> started = shell.started();
    assertThat(started).as("the step's process was started").hasSize(1);
    ProcessHandle process = started.getFirst();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (process.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(process.isAlive()).as("the timed-out process is killed").isFalse();
  }

  @Test
  void a_failed_step_skips_its_dependants_while_an_independent_branch_runs_to_the_end()
      throws Exception {
    PipelineRun run =
        runToEnd(
            """
            name: branches
            steps:
              - name: broken
                type: command
                parameters: {executable: sh, args: ["-c", "echo boom >&2; exit 3"]}
                retries: {maxAttempts: 2}
              - name: child
                type: command
                dependsOn: [broken]
                parameters: {executable: "true"}
              - name: grandchild
                type: command
                dependsOn: [child]
                parameters: {executable: "true"}
              - name: healthy
                type: command
                parameters: {executable: sh, args: ["-c", "echo metric rmse=0.25 step=1"]}
              - name: healthy-child
                type: command
                dependsOn: [healthy]
                parameters: {executable: "true"}
            """);

    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.failureReason()).contains("broken");
    Map<String, PipelineStep> steps = steps(run);
    assertThat(steps.get("broken").status()).isEqualTo(StepStatus.FAILED);
    assertThat(steps.get("broken").attempts()).isEqualTo(2);
    assertThat(steps.get("broken").failureReason()).contains("exited with status 3");
    assertThat(store.logs(steps.get("broken").id()))
        .extracting(PipelineStore.LogEntry::line)
        .contains("boom");
    assertThat(steps.get("child").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(steps.get("child").attempts()).isZero();
    assertThat(steps.get("grandchild").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(steps.get("healthy").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(steps.get("healthy-child").status()).isEqualTo(StepStatus.SUCCEEDED);
  }

  @Test
  void a_summary_over_a_sweep_reports_the_failed_branch_and_picks_the_best_of_the_others()
      throws Exception {
    PipelineRun run =
        runToEnd(
            """
            name: sweep
            steps:
              - name: fit
                type: command
                sweep: {parameter: degree, values: [1, 2, 3]}
                parameters:
                  executable: sh
                  args: ["-c", "test $DIGITLAB_PARAM_DEGREE != 2 && echo metric score=$DIGITLAB_PARAM_DEGREE"]
              - name: report
                type: command
                dependsOn: [fit]
                parameters: {executable: "true"}
              - name: summary
                type: summary
                dependsOn: [report]
                parameters: {metric: score, goal: min}
            """);

    Map<String, PipelineStep> steps = steps(run);
    assertThat(steps.get("fit-2").status()).isEqualTo(StepStatus.FAILED);
    assertThat(steps.get("report-2").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(steps.get("report-3").status()).isEqualTo(StepStatus.SUCCEEDED);
    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
  }

  @Test
  void a_summary_reads_its_metric_from_each_branch_and_lists_the_ones_that_failed()
      throws Exception {
    PipelineRun run =
        runToEnd(
            """
            name: sweep
            steps:
              - name: fit
                type: command
                sweep: {parameter: degree, values: [1, 2, 3]}
                parameters:
                  executable: sh
                  args: ["-c", "test $DIGITLAB_PARAM_DEGREE != 2 && echo metric score=$DIGITLAB_PARAM_DEGREE"]
              - name: summary
                type: summary
                dependsOn: [fit]
                parameters: {metric: score, goal: max}
            """);

    PipelineStep summary = steps(run).get("summary");
    assertThat(summary.status()).isEqualTo(StepStatus.SUCCEEDED);
    var result = StepResults.read(summary.result());
    assertThat(result.path("best").path("step").asString()).isEqualTo("fit-3");
    assertThat(result.path("best").path("score").asDouble()).isEqualTo(3.0);
    assertThat(result.path("failed").get(0).path("step").asString()).isEqualTo("fit-2");
    assertThat(result.path("parameter").asString()).isEqualTo("degree");
    assertThat(home.resolve("pipelines/" + run.id() + "/summary/summary.png")).isRegularFile();
    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
  }

  @Test
  void steps_without_dependencies_run_in_parallel_up_to_the_runs_limit() throws Exception {
    // Each step waits until the other has started (or 60 s pass): with 2 slots both finish
    // quickly; run one at a time, the first would wait its full 60 s and time out at 30 s. The
    // timeout only bounds that failure: it is long so that a loaded machine, slow to start the
    // second sh, does not fail the test.
    Path marks = home.resolve("marks");
    java.nio.file.Files.createDirectories(marks);
    String wait =
        "touch "
            + marks
            + "/$DIGITLAB_STEP; for i in $(seq 1 600); do [ $(ls "
            + marks
            + " | wc -l) -ge 2 ] && exit 0; sleep 0.1; done; exit 1";
    PipelineRun run =
        runToEnd(
            """
            name: parallel
            maxParallelSteps: 2
            steps:
              - {name: a, type: command, timeoutSeconds: 30, parameters: {executable: sh, args: ["-c", "%s"]}}
              - {name: b, type: command, timeoutSeconds: 30, parameters: {executable: sh, args: ["-c", "%s"]}}
            """
                .formatted(wait, wait));

    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void cancelling_a_run_stops_its_running_step_and_skips_what_has_not_started() throws Exception {
    Path pidFile = home.resolve("pid");
    PipelineRun run =
        executor.start(
            files.read(
                """
                name: cancel
                steps:
                  - name: slow
                    type: command
                    retries: {maxAttempts: 3}
                    timeoutSeconds: 60
                    parameters: {executable: sh, args: ["-c", "echo $$ > %s; exec sleep 60"]}
                  - name: after
                    type: command
                    dependsOn: [slow]
                    parameters: {executable: "true"}
                """
                    .formatted(pidFile),
                FileFormat.YAML),
            "{}",
            "alice");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!java.nio.file.Files.exists(pidFile) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }

    assertThat(executor.cancel(run.id(), "bob")).isTrue();
    PipelineRun ended = awaitEnd(run);

    assertThat(ended.status()).isEqualTo(RunStatus.FAILED);
    assertThat(ended.failureReason()).isEqualTo("cancelled by bob");
    Map<String, PipelineStep> steps = steps(ended);
    assertThat(steps.get("slow").status()).isEqualTo(StepStatus.FAILED);
    assertThat(steps.get("slow").attempts()).as("a cancelled step is not retried").isEqualTo(1);
    assertThat(steps.get("slow").failureReason())
        .isEqualTo("cancelled: the pipeline run was cancelled by bob");
    assertThat(steps.get("after").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(store.attempts(run.id())).extracting(StepAttempt::status).containsExactly("failed");
    assertThat(executor.cancel(run.id(), "bob")).as("an ended run").isFalse();
  }

  private PipelineRun awaitEnd(PipelineRun run) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      PipelineRun now = store.run(run.id()).orElseThrow();
      if (now.status().isTerminal()) {
        return now;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("run " + run.id() + " did not end within 60 s");
  }

  @Test
  void a_run_whose_server_stopped_heartbeating_ends_failed_and_a_live_one_does_not()
      throws Exception {
    // Stored as a server that then died would leave it: running, and nobody renews it.
    PipelineRun orphan = storedAsRunning();
    PipelineRun live =
        executor.start(
            files.read(
                "{name: q, steps: [{name: slow, type: command, timeoutSeconds: 60,"
                    + " parameters: {executable: sleep, args: ['30']}}]}",
                FileFormat.YAML),
            "{}",
            "alice");

    clock.advance(HEARTBEAT.multipliedBy(PipelineExecutor.SILENT_BEATS).plusSeconds(1));
    executor.beat();

    assertThat(store.run(orphan.id()).orElseThrow().status()).isEqualTo(RunStatus.FAILED);
    assertThat(steps(orphan).get("a").status()).isEqualTo(StepStatus.FAILED);
    assertThat(steps(orphan).get("a").failureReason()).contains("no heartbeat");
    assertThat(store.run(live.id()).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
  }

  @Test
  void a_beat_that_read_the_clock_before_another_cannot_move_a_heartbeat_back() {
    // Two servers (or a scheduled beat and a test's) beat at once: the one that read the clock
    // first may write last. The heartbeat keeps the later instant, so the live run is not judged
    // silent by a beat that reads the clock after both.
    // The shared clock stays put: the executor's own scheduled beat reads it too, and after an
    // advance it could judge the run silent before this test renews it (CI saw that race).
    PipelineRun live = storedAsRunning();
    Instant early = clock.instant();
    Instant late = early.plus(HEARTBEAT.multipliedBy(PipelineExecutor.SILENT_BEATS));

    store.heartbeat(List.of(live.id()), late);
    store.heartbeat(List.of(live.id()), early);

    assertThat(
            store.failSilentRuns(
                late.plusSeconds(1), HEARTBEAT.multipliedBy(PipelineExecutor.SILENT_BEATS)))
        .isZero();
    assertThat(store.run(live.id()).orElseThrow().status()).isEqualTo(RunStatus.RUNNING);
  }
}
