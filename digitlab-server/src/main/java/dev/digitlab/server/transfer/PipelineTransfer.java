package dev.digitlab.server.transfer;

import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.node.ObjectNode;

/**
 * A pipeline run (its document, steps, attempts, logs and the files its steps wrote) as a {@code
 * .tar.gz} of format {@value #FORMAT}, and back as a new run with new ids. It copies the rows as
 * they are, whatever the steps' types: nothing here knows what a {@code train} or a {@code command}
 * step does, so a step kind added later travels too. A run or step that had not ended when exported
 * arrives ended ({@code failed} or {@code skipped}, saying so): nothing runs an imported run.
 *
 * <p>A {@code command} step's trial (its latest attempt's: the one the step links) travels with it,
 * as the export of its experiment of one trial under {@code experiments/STEP/} (the program's
 * command, parameters, metrics, logs, output files, MLflow records and code, as an experiment
 * export has them), and is imported as a new experiment that the imported step links, its result
 * naming the new trial and experiment ids. A {@code train} step's trial is not carried (its model
 * and metrics are in the step's files and result; export its experiment for the rest): the imported
 * step keeps its result without the link, and without the trial and experiment ids the result
 * named, which would point at unrelated rows of this server.
 *
 * <pre>
 * manifest.json              format, version, every entry's size and SHA-256
 * pipeline.json              {@link Document}
 * origin.json                [{@link Origin}]: the server it was exported from, as an experiment's
 * steps/STEP/PATH            the files of step STEP's folder
 * experiments/STEP/PATH      a command step's experiment, as its export's entries (no manifest)
 * </pre>
 */
@Component
class PipelineTransfer {

  static final String FORMAT = "digitlab-pipeline";
  static final int VERSION = 1;

  /** What {@code pipeline.json} holds. */
  record Document(Run run, List<Step> steps, List<Attempt> attempts, List<Log> logs) {}

  record Run(
      long id,
      String name,
      String owner,
      String description,
      String spec,
      int maxParallel,
      String status,
      String traceId,
      String createdAt,
      String finishedAt,
      String failureReason) {}

  record Step(
      int ordinal,
      String name,
      String type,
      String parameters,
      String dependsOn,
      String sweepParameter,
      String sweepValue,
      int maxAttempts,
      long timeoutMs,
      String status,
      int attempts,
      String startedAt,
      String finishedAt,
      String failureReason,
      String result) {}

  record Attempt(
      String step,
      int attempt,
      String status,
      String startedAt,
      String finishedAt,
      String error,
      String spanId) {}

  record Log(String step, int attempt, String line) {}

  /**
   * The server a run was exported from ({@code server}, its {@link ServerIdentity}) and its id
   * there: {@code origin.json}, of the same format and checks as an experiment export's ({@link
   * ExperimentExport.Origin}). Brought back to that server while the run exists, the file is that
   * run (a 409 naming it), not a copy, unless a copy is asked for. As an experiment's, an imported
   * run keeps the servers it lived on ({@code pipeline_origin}, V21), also when stored as a copy,
   * and its exports name them before this server.
   */
  record Origin(String server, long pipelineRun) {}

  private static final Set<String> RUN_ENDED = Set.of("succeeded", "failed");
  private static final Set<String> STEP_ENDED = Set.of("succeeded", "failed", "skipped");

  /** The step types whose trial an export carries. */
  private static final Set<String> CARRIED_TRIALS = Set.of("command");

  private static final String EXPERIMENTS = "experiments/";

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final ExperimentExporter exporter;
  private final ExperimentImporter importer;
  private final Path home;
  private final Clock clock;
  private final ServerIdentity server;
  private final TransferSpace space;

  PipelineTransfer(
      JdbcClient jdbc,
      PlatformTransactionManager transactions,
      ExperimentExporter exporter,
      ExperimentImporter importer,
      @Value("${digitlab.home}") Path home,
      Clock clock,
      ServerIdentity server,
      TransferSpace space) {
    this.server = server;
    this.space = space;
    this.jdbc = jdbc;
    this.exporter = exporter;
    this.importer = importer;
    this.transaction = new TransactionTemplate(transactions);
    this.home = home;
    this.clock = clock;
  }

  /** Where a run's step keeps its files, as {@code pipelines/PipelineExecutor#directory} says. */
  private Path directory(long runId, String step) {
    return home.resolve("pipelines").resolve(Long.toString(runId)).resolve(step);
  }

  /**
   * The run's export, gathered (an unknown run is a 404 before anything is sent) and ready to be
   * written; the caller closes it.
   */
  ExportEntries export(long id) {
    return ExportEntries.gather(
        space, FORMAT, VERSION, clock.instant().toString(), entries -> entries(id, entries));
  }

  private void entries(long id, ExportEntries entries) {
    Run run =
        jdbc.sql(
                "SELECT id, name, owner, description, spec, max_parallel, status, trace_id,"
                    + " created_at, finished_at, failure_reason FROM pipeline_run WHERE id = :id")
            .param("id", id)
            .query(
                (row, n) ->
                    new Run(
                        row.getLong(1),
                        row.getString(2),
                        row.getString(3),
                        row.getString(4),
                        row.getString(5),
                        row.getInt(6),
                        row.getString(7),
                        row.getString(8),
                        iso(row, 9),
                        iso(row, 10),
                        row.getString(11)))
            .optional()
            .orElseThrow(() -> new NotFoundException("pipeline run", id));
    List<Step> steps =
        jdbc.sql(
                "SELECT ordinal, name, type, parameters, depends_on, sweep_parameter, sweep_value,"
                    + " max_attempts, timeout_ms, status, attempts, started_at, finished_at,"
                    + " failure_reason, result FROM pipeline_step WHERE run_id = :id"
                    + " ORDER BY ordinal, id")
            .param("id", id)
            .query(
                (row, n) ->
                    new Step(
                        row.getInt(1),
                        row.getString(2),
                        row.getString(3),
                        row.getString(4),
                        row.getString(5),
                        row.getString(6),
                        row.getString(7),
                        row.getInt(8),
                        row.getLong(9),
                        row.getString(10),
                        row.getInt(11),
                        iso(row, 12),
                        iso(row, 13),
                        row.getString(14),
                        row.getString(15)))
            .list();
    List<Attempt> attempts =
        jdbc.sql(
                "SELECT s.name, a.attempt, a.status, a.started_at, a.finished_at, a.error,"
                    + " a.span_id FROM pipeline_attempt a JOIN pipeline_step s ON s.id = a.step_id"
                    + " WHERE s.run_id = :id ORDER BY s.ordinal, s.id, a.attempt")
            .param("id", id)
            .query(
                (row, n) ->
                    new Attempt(
                        row.getString(1),
                        row.getInt(2),
                        row.getString(3),
                        iso(row, 4),
                        iso(row, 5),
                        row.getString(6),
                        row.getString(7)))
            .list();
    List<Log> logs =
        jdbc.sql(
                "SELECT s.name, l.attempt, l.line FROM pipeline_log l"
                    + " JOIN pipeline_step s ON s.id = l.step_id WHERE s.run_id = :id"
                    + " ORDER BY l.id")
            .param("id", id)
            .query((row, n) -> new Log(row.getString(1), row.getInt(2), row.getString(3)))
            .list();
    entries.put(
        "pipeline.json",
        Json.mapper()
            .writerWithDefaultPrettyPrinter()
            .writeValueAsBytes(new Document(run, steps, attempts, logs)));
    List<Origin> origins =
        ExperimentExport.origins(
            jdbc.sql(
                    "SELECT server_id, source_pipeline_run_id FROM pipeline_origin"
                        + " WHERE pipeline_run_id = :id ORDER BY position")
                .param("id", id)
                .query((row, n) -> new Origin(row.getString(1), row.getLong(2)))
                .list(),
            new Origin(server.id(), id));
    entries.put(
        ExperimentExport.ORIGIN,
        Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(origins));
    for (Step step : steps) {
      Path folder = directory(id, step.name());
      if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
        continue;
      }
      try (Stream<Path> walk = Files.walk(folder)) {
        for (Path file :
            walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList()) {
          String relative = folder.relativize(file).toString().replace('\\', '/');
          entries.putFile("steps/" + step.name() + "/" + relative, file);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    // The trial each command step links (its latest attempt's), with its experiment.
    jdbc.sql(
            "SELECT s.name, t.experiment_id FROM pipeline_step s JOIN trial t ON t.id = s.trial_id"
                + " WHERE s.run_id = :id AND s.type IN (:types) ORDER BY s.ordinal, s.id")
        .param("id", id)
        .param("types", CARRIED_TRIALS)
        .query((row, n) -> Map.entry(row.getString(1), row.getLong(2)))
        .list()
        .forEach(
            step ->
                exporter.entries(
                    step.getValue(), entries.under(EXPERIMENTS + step.getKey() + "/")));
  }

  /** The new run's id; {@code copy}: store it even when this file was imported before. */
  long importFile(byte[] file, String owner, boolean copy) {
    TransferArchive.Contents contents = TransferArchive.read(file, FORMAT, VERSION, "pipeline");
    Document document;
    try {
      document = Json.mapper().readValue(contents.require("pipeline.json"), Document.class);
    } catch (JacksonException e) {
      throw TransferArchive.bad(
          "has a pipeline.json this server cannot read: " + e.getOriginalMessage());
    }
    check(document);
    List<Origin> origins =
        ExperimentImporter.origins(
            contents, Origin[].class, Origin::server, Origin::pipelineRun, "a pipeline run id");
    if (!copy) {
      refuseWhatIsHere(contents.digest(), origins);
    }
    Map<String, Map<String, byte[]>> files = new HashMap<>();
    Map<String, Map<String, byte[]>> carriedEntries = new LinkedHashMap<>();
    for (Map.Entry<String, byte[]> entry : contents.files().entrySet()) {
      String path = entry.getKey();
      if (path.equals("pipeline.json") || path.equals(ExperimentExport.ORIGIN)) {
        continue;
      }
      String[] parts = path.split("/", 3);
      boolean experiment = parts[0].equals(EXPERIMENTS.substring(0, EXPERIMENTS.length() - 1));
      if (parts.length < 3 || !(parts[0].equals("steps") || experiment) || parts[2].isEmpty()) {
        throw TransferArchive.bad("holds " + path + ", which a pipeline export does not");
      }
      Optional<Step> step =
          document.steps().stream().filter(s -> s.name().equals(parts[1])).findFirst();
      if (step.isEmpty()) {
        throw TransferArchive.bad("holds " + path + " of a step it does not have");
      }
      if (experiment && !CARRIED_TRIALS.contains(step.get().type())) {
        throw TransferArchive.bad(
            "holds "
                + path
                + ": an experiment of step "
                + parts[1]
                + ", whose type "
                + step.get().type()
                + " carries none");
      }
      (experiment ? carriedEntries : files)
          .computeIfAbsent(parts[1], k -> new LinkedHashMap<>())
          .put(parts[2], entry.getValue());
    }
    // Every carried experiment is read and checked whole before anything is stored.
    Map<String, ExperimentImporter.Loaded> carried = new LinkedHashMap<>();
    carriedEntries.forEach(
        (step, entries) ->
            carried.put(
                step,
                // Its problems name each path as this archive holds it, under experiments/STEP/.
                importer.checkCarried(
                    entries, contents.manifest().exportedAt(), EXPERIMENTS + step + "/")));
    String digest = contents.digest();
    List<Path> written = new ArrayList<>();
    try {
      return transaction.execute(
          status -> {
            if (!copy) {
              jdbc.sql(
                      "INSERT INTO imported_archive (digest, kind, imported_at)"
                          + " VALUES (:digest, 'pipeline', :now)")
                  .param("digest", digest)
                  .param("now", toSql(clock.instant()))
                  .update();
            }
            long id = insertRun(document.run(), owner);
            if (!copy) {
              jdbc.sql("UPDATE imported_archive SET pipeline_run_id = :id WHERE digest = :digest")
                  .param("id", id)
                  .param("digest", digest)
                  .update();
            }
            ExperimentImporter.storeOrigins(
                jdbc,
                "INSERT INTO pipeline_origin (pipeline_run_id, position, server_id,"
                    + " source_pipeline_run_id) VALUES (:id, :position, :server, :source)",
                id,
                origins,
                Origin::server,
                Origin::pipelineRun);
            written.add(home.resolve("pipelines").resolve(Long.toString(id)));
            Map<String, Long> stepIds = new HashMap<>();
            for (Step step : document.steps()) {
              ExperimentImporter.Loaded experiment = carried.get(step.name());
              ExperimentImporter.Carried stored =
                  experiment == null ? null : importer.storeCarried(experiment, owner);
              stepIds.put(step.name(), insertStep(id, step, stored));
            }
            for (Attempt attempt : document.attempts()) {
              jdbc.sql(
                      "INSERT INTO pipeline_attempt (step_id, attempt, status, started_at,"
                          + " finished_at, error, span_id) VALUES (:step, :attempt, :status,"
                          + " :started, :finished, :error, :span)")
                  .param("step", stepIds.get(attempt.step()))
                  .param("attempt", attempt.attempt())
                  .param("status", "running".equals(attempt.status()) ? "failed" : attempt.status())
                  .param("started", time(attempt.startedAt()))
                  .param("finished", time(attempt.finishedAt()))
                  .param("error", attempt.error())
                  .param("span", attempt.spanId())
                  .update();
            }
            for (Log log : document.logs()) {
              jdbc.sql(
                      "INSERT INTO pipeline_log (step_id, attempt, line)"
                          + " VALUES (:step, :attempt, :line)")
                  .param("step", stepIds.get(log.step()))
                  .param("attempt", log.attempt())
                  .param("line", log.line())
                  .update();
            }
            files.forEach(
                (step, byPath) ->
                    byPath.forEach(
                        (path, bytes) -> {
                          Path target = directory(id, step).resolve(path);
                          try {
                            Files.createDirectories(target.getParent());
                            Files.write(target, bytes);
                          } catch (IOException e) {
                            throw new UncheckedIOException(e);
                          }
                        }));
            return id;
          });
    } catch (DataAccessException e) {
      cleanUp(written);
      if (copy) {
        throw e;
      }
      Optional<Long> first = firstImport(digest);
      if (first.isPresent()) {
        throw alreadyImported(first.get());
      }
      throw e;
    } catch (RuntimeException e) {
      cleanUp(written);
      throw e;
    }
  }

  /**
   * The 409s of a file that is already here, as an experiment's: the same contents imported before
   * (again in the import's transaction, for two imports at once), or an export of a run of this
   * server that still exists ({@code origin.json}).
   */
  private void refuseWhatIsHere(String digest, List<Origin> origins) {
    Optional<Long> first = firstImport(digest);
    if (first.isPresent()) {
      throw alreadyImported(first.get());
    }
    server
        .stillHere(origins, Origin::server, Origin::pipelineRun, this::runExists)
        .ifPresent(
            id -> {
              throw ownRun(id);
            });
  }

  /** The run this file (its digest) was imported as, unless that was a copy. */
  private Optional<Long> firstImport(String digest) {
    return jdbc.sql(
            "SELECT pipeline_run_id FROM imported_archive WHERE digest = :digest"
                + " AND pipeline_run_id IS NOT NULL")
        .param("digest", digest)
        .query(Long.class)
        .optional();
  }

  private boolean runExists(long id) {
    return jdbc.sql("SELECT COUNT(*) FROM pipeline_run WHERE id = :id")
            .param("id", id)
            .query(Integer.class)
            .single()
        > 0;
  }

  private static ConflictException ownRun(long id) {
    return new ConflictException(
        "This file is an export of pipeline run "
            + id
            + " (/api/v1/pipelines/"
            + id
            + "), which lives on this server still (the file names this server as one it was"
            + " exported from): importing it would store the same run twice, so nothing was"
            + " stored. To store a copy anyway, import with ?copy=true ('digitlab pipeline import"
            + " --copy').");
  }

  static ConflictException alreadyImported(long id) {
    return new ConflictException(
        "This file was imported already, as pipeline run "
            + id
            + " (/api/v1/pipelines/"
            + id
            + "); importing it again stores nothing.");
  }

  private static void cleanUp(List<Path> folders) {
    for (Path folder : folders) {
      if (!Files.exists(folder)) {
        continue;
      }
      try (Stream<Path> walk = Files.walk(folder)) {
        for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private long insertRun(Run run, String owner) {
    boolean ended = RUN_ENDED.contains(run.status());
    KeyHolder key = new GeneratedKeyHolder();
    jdbc.sql(
            """
            INSERT INTO pipeline_run (name, owner, description, spec, max_parallel, status,
                trace_id, created_at, heartbeat_at, finished_at, failure_reason)
            VALUES (:name, :owner, :description, :spec, :maxParallel, :status, :trace,
                :created, :now, :finished, :reason)
            """)
        .param("name", run.name())
        .param("owner", owner)
        .param("description", run.description() == null ? "" : run.description())
        .param("spec", run.spec())
        .param("maxParallel", run.maxParallel())
        .param("status", ended ? run.status() : "failed")
        .param("trace", run.traceId())
        .param("created", time(run.createdAt()))
        .param("now", toSql(clock.instant()))
        .param("finished", ended ? time(run.finishedAt()) : toSql(clock.instant()))
        .param(
            "reason",
            ended
                ? run.failureReason()
                : "Was " + run.status() + " when exported; imported as failed.")
        .update(key, "id");
    return key.getKeyAs(Number.class).longValue();
  }

  /**
   * A step result's JSON with the ids of the exporting server's trial and experiment replaced by
   * those of the carried experiment stored here ({@code trial}, its stored trial), or removed when
   * none was carried (they would point at unrelated rows of this server).
   */
  private static String relinked(String result, ExperimentImporter.Carried carried, Long trial) {
    if (result == null || result.isBlank()) {
      return result;
    }
    try {
      if (Json.mapper().readTree(result) instanceof ObjectNode object
          && (object.has("trialId") || object.has("experimentId"))) {
        if (trial == null) {
          object.remove("trialId");
          object.remove("experimentId");
        } else {
          object.put("trialId", trial);
          object.put("experimentId", carried.id());
        }
        return Json.mapper().writeValueAsString(object);
      }
    } catch (JacksonException notJson) {
      // Stored as the exporter wrote it: a result is the step's own document, not ours to fix.
    }
    return result;
  }

  /** The stored trial the result's {@code trialId} was on the exporting server, if it came. */
  private static Long carriedTrial(ObjectNode result, ExperimentImporter.Carried carried) {
    return result.path("trialId").isIntegralNumber()
        ? carried.trials().get(result.path("trialId").asLong())
        : null;
  }

  private static Long carriedTrialOf(String result, ExperimentImporter.Carried carried) {
    if (carried == null || result == null || result.isBlank()) {
      return null;
    }
    try {
      return Json.mapper().readTree(result) instanceof ObjectNode object
          ? carriedTrial(object, carried)
          : null;
    } catch (JacksonException notJson) {
      return null;
    }
  }

  private long insertStep(long runId, Step step, ExperimentImporter.Carried carried) {
    boolean ended = STEP_ENDED.contains(step.status());
    Long trial = carriedTrialOf(step.result(), carried);
    KeyHolder key = new GeneratedKeyHolder();
    jdbc.sql(
            """
            INSERT INTO pipeline_step (run_id, ordinal, name, type, parameters, depends_on,
                sweep_parameter, sweep_value, max_attempts, timeout_ms, status, attempts,
                started_at, finished_at, failure_reason, result, trial_id)
            VALUES (:run, :ordinal, :name, :type, :parameters, :dependsOn, :sweepParameter,
                :sweepValue, :maxAttempts, :timeout, :status, :attempts, :started, :finished,
                :reason, :result, :trial)
            """)
        .param("run", runId)
        .param("ordinal", step.ordinal())
        .param("name", step.name())
        .param("type", step.type())
        .param("parameters", step.parameters())
        .param("dependsOn", step.dependsOn() == null ? "" : step.dependsOn())
        .param("sweepParameter", step.sweepParameter())
        .param("sweepValue", step.sweepValue())
        .param("maxAttempts", step.maxAttempts())
        .param("timeout", step.timeoutMs())
        .param("status", ended ? step.status() : "skipped")
        .param("attempts", step.attempts())
        .param("started", time(step.startedAt()))
        .param("finished", time(step.finishedAt()))
        .param(
            "reason",
            ended
                ? step.failureReason()
                : "Was " + step.status() + " when exported; imported as skipped.")
        .param("result", relinked(step.result(), carried, trial))
        .param("trial", trial)
        .update(key, "id");
    return key.getKeyAs(Number.class).longValue();
  }

  /** Everything the rows need, before any is written; a 400 naming what is wrong. */
  private static void check(Document document) {
    if (document == null
        || document.run() == null
        || document.steps() == null
        || document.attempts() == null
        || document.logs() == null) {
      throw TransferArchive.bad("has a pipeline.json without its run, steps, attempts or logs");
    }
    Run run = document.run();
    if (run.name() == null || run.spec() == null || run.createdAt() == null) {
      throw TransferArchive.bad("has a run without a name, a document or a creation time");
    }
    if (run.maxParallel() < 1) {
      throw TransferArchive.bad("has a run whose maxParallel is below 1");
    }
    if (!Set.of("running", "succeeded", "failed").contains(run.status())) {
      throw TransferArchive.bad("has a run of unknown status '" + run.status() + "'");
    }
    time(run.createdAt());
    time(run.finishedAt());
    Set<String> names = new java.util.HashSet<>();
    for (Step step : document.steps()) {
      if (step == null || step.name() == null || step.type() == null || step.parameters() == null) {
        throw TransferArchive.bad("has a step without a name, a type or parameters");
      }
      if (step.name().isEmpty()
          || step.name().contains("/")
          || step.name().contains("\\")
          || step.name().equals(".")
          || step.name().equals("..")) {
        throw TransferArchive.bad("has a step named '" + step.name() + "', not a folder name");
      }
      if (!names.add(step.name())) {
        throw TransferArchive.bad("has two steps named " + step.name());
      }
      if (!Set.of("pending", "queued", "running", "succeeded", "failed", "skipped")
          .contains(step.status())) {
        throw TransferArchive.bad("has step " + step.name() + " of unknown status");
      }
      time(step.startedAt());
      time(step.finishedAt());
    }
    for (Attempt attempt : document.attempts()) {
      if (attempt == null || !names.contains(attempt.step()) || attempt.startedAt() == null) {
        throw TransferArchive.bad("has an attempt of a step it does not have");
      }
      if (!Set.of("running", "succeeded", "failed").contains(attempt.status())) {
        throw TransferArchive.bad("has an attempt of unknown status '" + attempt.status() + "'");
      }
      time(attempt.startedAt());
      time(attempt.finishedAt());
    }
    for (Log log : document.logs()) {
      if (log == null || !names.contains(log.step()) || log.line() == null) {
        throw TransferArchive.bad("has a log line of a step it does not have");
      }
    }
  }

  private static String iso(ResultSet row, int column) throws SQLException {
    OffsetDateTime time = row.getObject(column, OffsetDateTime.class);
    return time == null ? null : time.toInstant().toString();
  }

  private static OffsetDateTime time(String iso) {
    if (iso == null) {
      return null;
    }
    try {
      return toSql(Instant.parse(iso));
    } catch (RuntimeException e) {
      throw TransferArchive.bad("has a time '" + iso + "' that is not an ISO-8601 instant");
    }
  }
}
