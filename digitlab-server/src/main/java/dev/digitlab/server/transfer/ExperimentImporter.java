package dev.digitlab.server.transfer;

import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.protocol.experiment.Goal;
import dev.digitlab.protocol.experiment.ObjectiveMetric;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.code.CodeStore;
import dev.digitlab.server.database.OnRollback;
import dev.digitlab.server.datasets.DatasetRegistry;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.ImportedTrials;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.registry.ModelVersion;
import dev.digitlab.server.registry.VersionStatus;
import dev.digitlab.server.trials.TrialDirectories;
import dev.digitlab.worker.run.RunArtifact;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Stores an export ({@link ExperimentExport}) as a new experiment with new ids, all or nothing: the
 * whole file is read and checked before anything is written, and the rows are written in one
 * transaction (the artifact files are removed again if it fails).
 *
 * <p>Importing is idempotent: the archive's digest (the SHA-256 of its manifest's entries; of the
 * JSON for a version 1 file) is the key of {@code imported_archive} (V19) and the experiment's tag
 * {@value #DIGEST_TAG}. A file already imported is refused with 409 naming that experiment, also
 * when two imports of it run at the same moment: the second insert of the key waits for the first
 * transaction and fails once it commits. Only that digest, computed here, is a key: what a file
 * says of itself ({@code importedFrom}, {@code origin.json}) is kept beside the experiment (V20's
 * {@code imported_claim} and {@code experiment_origin}) and carried into its exports, and can make
 * that file a 409 (a re-export of a copy whose archive was verified here, or of an experiment of
 * this server that still exists), but never another file. {@code copy} stores a file whatever is
 * here.
 */
@Component
class ExperimentImporter {

  static final String DIGEST_TAG = "digitlab.import.sha256";
  static final String SOURCE_TAG = "digitlab.import.source";

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  /** A server id as {@link ServerIdentity} makes it: a UUID, lower-case. */
  private static final Pattern SERVER_ID =
      Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  private static final int MAX_IMPORTED_FROM = 100;

  /** The most bytes an export may inflate to: a small file must not unpack into gigabytes. */
  static final long MAX_INFLATED = 512L * 1024 * 1024;

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final ImportedTrials trials;
  private final EventStore events;
  private final ExperimentStore experiments;
  private final TrialDirectories directories;
  private final ModelRegistry registry;
  private final MlflowRecords mlflow;
  private final CodeStore code;
  private final DatasetRegistry datasets;
  private final ServerIdentity server;
  private final Clock clock;

  ExperimentImporter(
      JdbcClient jdbc,
      PlatformTransactionManager transactions,
      ImportedTrials trials,
      EventStore events,
      ExperimentStore experiments,
      TrialDirectories directories,
      ModelRegistry registry,
      MlflowRecords mlflow,
      CodeStore code,
      DatasetRegistry datasets,
      ServerIdentity server,
      Clock clock) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.trials = trials;
    this.events = events;
    this.experiments = experiments;
    this.directories = directories;
    this.registry = registry;
    this.mlflow = mlflow;
    this.code = code;
    this.datasets = datasets;
    this.server = server;
    this.clock = clock;
  }

  /**
   * The new experiment's id. Unless {@code copy}, a file that is already here is a 409 naming the
   * experiment it is: the same contents imported before, an export of this server's own experiment
   * that still exists ({@code origin.json}), or a re-export of a copy whose archive this server
   * verified ({@code importedFrom}). With {@code copy} it is stored as a new experiment anyway.
   */
  long importFile(byte[] file, String owner, boolean copy) {
    Loaded loaded =
        startsLikeJson(file)
            ? version1(file)
            : version2(
                TransferArchive.read(
                    file, ExperimentExport.FORMAT, ExperimentExport.ARCHIVE_VERSION, "experiment"));
    if (!copy) {
      refuseWhatIsHere(loaded);
    }
    return store(loaded, owner, copy).id();
  }

  /**
   * An experiment stored from a pipeline export's entries, and its trials' ids by their old ids.
   */
  record Carried(long id, Map<Long, Long> trials) {}

  /**
   * The experiment a pipeline export carries for a step ({@code entries}: its export's entries,
   * each already checked against the pipeline's manifest), read and checked whole: a 400 saying
   * what is wrong, before anything is stored, naming each path as the pipeline's archive holds it
   * ({@code prefix}, then the path in the experiment's export).
   */
  Loaded checkCarried(Map<String, byte[]> entries, String exportedAt, String prefix) {
    return version2(
        TransferArchive.of(
            ExperimentExport.FORMAT,
            ExperimentExport.ARCHIVE_VERSION,
            exportedAt,
            entries,
            prefix));
  }

  /**
   * Stores a carried experiment always as a copy (the run is what is deduplicated), in the caller's
   * transaction: the caller's rollback removes it, files included.
   */
  Carried storeCarried(Loaded loaded, String owner) {
    return store(loaded, owner, true);
  }

  /**
   * The 409s of a file that is already here. Only what this server verified counts as here: the
   * digest it computed of a file it imported (a key of {@code imported_archive}), and its own
   * experiments. What a file claims ({@code importedFrom}, {@code origin.json}) is checked against
   * those, so a claim can make the file that carries it a duplicate, never block another file.
   */
  private void refuseWhatIsHere(Loaded loaded) {
    Optional<Long> first = firstCopy(loaded.digest());
    if (first.isPresent()) {
      throw alreadyImported(first.get());
    }
    for (String claim : loaded.claims()) {
      Optional<Long> copy = firstCopy(claim);
      if (copy.isPresent()) {
        throw reexported(copy.get());
      }
    }
    server
        .stillHere(
            loaded.origins(),
            ExperimentExport.Origin::server,
            ExperimentExport.Origin::experiment,
            this::experimentExists)
        .ifPresent(
            id -> {
              throw ownExperiment(id);
            });
  }

  private boolean experimentExists(long id) {
    return jdbc.sql("SELECT COUNT(*) FROM experiment WHERE id = :id")
            .param("id", id)
            .query(Integer.class)
            .single()
        > 0;
  }

  private Carried store(Loaded loaded, String owner, boolean copy) {
    ExperimentExport.Exported experiment = loaded.export().experiment();
    String digest = loaded.digest();
    String source =
        "experiment "
            + experiment.id()
            + " of "
            + experiment.owner()
            + ", exported "
            + loaded.export().exportedAt();
    String codeSha = ExperimentExport.codeOf(experiment.spec());
    checkCode(codeSha, loaded.code());
    checkDataset(experiment, loaded.dataset());
    // A copy's own digest is a claim too: it is not the import of record of its file.
    List<String> claims = new ArrayList<>(loaded.claims());
    if (copy && !claims.contains(digest)) {
      claims.add(digest);
    }
    Map<Long, Long> byOldId = new LinkedHashMap<>();
    List<Long> written = new ArrayList<>();
    try {
      long stored =
          transaction.execute(
              status -> {
                if (!copy) {
                  // First, so that a second import of the same file waits here for this one's
                  // transaction, and then fails on the key (V19) instead of storing a copy. Only
                  // the digest computed here is a key: claims are not (V20).
                  jdbc.sql(
                          "INSERT INTO imported_archive (digest, kind, imported_at)"
                              + " VALUES (:digest, 'experiment', :now)")
                      .param("digest", digest)
                      .param("now", toSql(clock.instant()))
                      .update();
                }
                long id = insertExperiment(experiment, owner);
                if (!copy) {
                  jdbc.sql("UPDATE imported_archive SET experiment_id = :id WHERE digest = :digest")
                      .param("id", id)
                      .param("digest", digest)
                      .update();
                }
                for (String claim : claims) {
                  jdbc.sql(
                          "INSERT INTO imported_claim (experiment_id, digest)"
                              + " VALUES (:id, :digest)")
                      .param("id", id)
                      .param("digest", claim)
                      .update();
                }
                storeOrigins(
                    jdbc,
                    "INSERT INTO experiment_origin (experiment_id, position, server_id,"
                        + " source_experiment_id) VALUES (:id, :position, :server, :source)",
                    id,
                    loaded.origins(),
                    ExperimentExport.Origin::server,
                    ExperimentExport.Origin::experiment);
                tag(id, DIGEST_TAG, digest);
                tag(id, SOURCE_TAG, source);
                if (loaded.code() != null) {
                  code.storeImported(loaded.code(), codeSha, owner);
                }
                registerDataset(experiment, loaded.dataset(), owner);
                Map<Integer, Long> trialIds = new HashMap<>();
                for (Checked trial : loaded.trials()) {
                  long trialId = trials.insert(id, trial.row());
                  trialIds.put(trial.row().ordinal(), trialId);
                  written.add(trialId);
                  // Also when an enclosing transaction (a pipeline's import) rolls back later.
                  OnRollback.run(
                      "the files of imported trial " + trialId, () -> directories.delete(trialId));
                  for (Map.Entry<Integer, List<TimedEvent>> attempt : trial.events().entrySet()) {
                    appendKeepingTimes(trialId, attempt.getKey(), attempt.getValue());
                  }
                  for (CheckedArtifact artifact : trial.artifacts()) {
                    write(trialId, artifact);
                  }
                  if (trial.mlflow() != null) {
                    mlflow.write(trialId, trial.mlflow(), trial.mlflowFiles());
                  }
                }
                for (ExperimentExport.Trial trial : loaded.export().trials()) {
                  byOldId.put(trial.id(), trialIds.get(trial.ordinal()));
                }
                experiments.rollUp(id);
                for (CheckedModel model : loaded.models()) {
                  Long trialId =
                      model.trialOrdinal() == null ? null : trialIds.get(model.trialOrdinal());
                  registry.importVersion(model.carried(), id, trialId, owner, source);
                }
                return id;
              });
      return new Carried(stored, byOldId);
    } catch (DataAccessException e) {
      cleanUp(written);
      Optional<Long> first = copy ? Optional.empty() : firstCopy(digest);
      if (first.isPresent()) {
        throw alreadyImported(first.get());
      }
      throw e;
    } catch (RuntimeException e) {
      // The rows are rolled back; the files of trials that no longer exist go too.
      cleanUp(written);
      throw e;
    }
  }

  private void cleanUp(List<Long> written) {
    for (long trialId : written) {
      directories.delete(trialId);
    }
  }

  /** The experiment an archive of this digest was imported as, once that import committed. */
  private Optional<Long> firstCopy(String digest) {
    return jdbc.sql("SELECT experiment_id FROM imported_archive WHERE digest = :digest")
        .param("digest", digest)
        .query(Long.class)
        .optional();
  }

  /**
   * The digests the file says its experiment was imported from, checked (hex SHA-256s, at most
   * {@value #MAX_IMPORTED_FROM}), without its own.
   */
  private static List<String> claims(String digest, List<String> importedFrom) {
    List<String> claims = new ArrayList<>();
    if (importedFrom == null) {
      return claims;
    }
    if (importedFrom.size() > MAX_IMPORTED_FROM) {
      throw bad(
          "lists "
              + importedFrom.size()
              + " archives in importedFrom; at most "
              + MAX_IMPORTED_FROM);
    }
    for (String origin : importedFrom) {
      if (origin == null || !SHA256_HEX.matcher(origin).matches()) {
        throw bad("has an importedFrom entry that is not a SHA-256 in hex: '" + origin + "'");
      }
      if (!origin.equals(digest) && !claims.contains(origin)) {
        claims.add(origin);
      }
    }
    return claims;
  }

  /** The servers {@code origin.json} names, checked; none when the archive has no such entry. */
  private static List<ExperimentExport.Origin> origins(TransferArchive.Contents contents) {
    return origins(
        contents,
        ExperimentExport.Origin[].class,
        ExperimentExport.Origin::server,
        ExperimentExport.Origin::experiment,
        "an experiment id");
  }

  /**
   * The servers an export's {@code origin.json} names, each with the id ({@code id}, described as
   * {@code idName}) of what was exported there, checked: a 400 naming the entry for more than
   * {@value ExperimentExport#MAX_ORIGINS} of them or one that is not a server id (a UUID) and a
   * positive id; none when the archive has no such entry. Experiment and pipeline exports both
   * carry one.
   */
  static <T> List<T> origins(
      TransferArchive.Contents contents,
      Class<T[]> type,
      Function<T, String> server,
      ToLongFunction<T> id,
      String idName) {
    if (!contents.files().containsKey(ExperimentExport.ORIGIN)) {
      return List.of();
    }
    T[] origins = entry(contents, ExperimentExport.ORIGIN, type);
    if (origins.length > ExperimentExport.MAX_ORIGINS) {
      throw bad(
          "names "
              + origins.length
              + " servers in "
              + contents.name(ExperimentExport.ORIGIN)
              + "; at most "
              + ExperimentExport.MAX_ORIGINS);
    }
    for (T origin : origins) {
      if (origin == null
          || server.apply(origin) == null
          || !SERVER_ID.matcher(server.apply(origin)).matches()
          || id.applyAsLong(origin) < 1) {
        throw bad(
            "has an entry of "
                + contents.name(ExperimentExport.ORIGIN)
                + " that is not a server id (a UUID) and "
                + idName
                + ": "
                + origin);
      }
    }
    return List.of(origins);
  }

  /**
   * Keeps the servers {@code origin.json} named for what was stored here as {@code id}, in their
   * order: {@code insert} stores one (its parameters {@code id}, {@code position}, {@code server}
   * and {@code source}, the id there). Experiment and pipeline imports both keep theirs so.
   */
  static <T> void storeOrigins(
      JdbcClient jdbc,
      String insert,
      long id,
      List<T> origins,
      Function<T, String> server,
      ToLongFunction<T> source) {
    for (int position = 0; position < origins.size(); position++) {
      T origin = origins.get(position);
      jdbc.sql(insert)
          .param("id", id)
          .param("position", position)
          .param("server", server.apply(origin))
          .param("source", source.applyAsLong(origin))
          .update();
    }
  }

  private static ConflictException ownExperiment(long id) {
    return new ConflictException(
        "This file is an export of experiment "
            + id
            + " (/api/v1/experiments/"
            + id
            + "), which lives on this server still (the file names this server as one it was"
            + " exported from): importing it would store the same experiment twice, so nothing was"
            + " stored. To store a copy anyway, import with"
            + " ?copy=true ('digitlab import --copy').");
  }

  private static ConflictException reexported(long id) {
    return new ConflictException(
        "This file is an export of an experiment imported here already, as experiment "
            + id
            + " (/api/v1/experiments/"
            + id
            + "): it came from the same archive; nothing was stored. To store a copy anyway,"
            + " import with ?copy=true ('digitlab import --copy').");
  }

  private static ConflictException alreadyImported(long id) {
    return new ConflictException(
        "This file was imported already, as experiment "
            + id
            + " (/api/v1/experiments/"
            + id
            + "); nothing was stored. To store a copy anyway, import with ?copy=true"
            + " ('digitlab import --copy').");
  }

  /**
   * Appends an attempt's events in runs of one stored time each, so that they keep the times of the
   * server they came from (version 1 files carry none: those get the import's time).
   */
  private void appendKeepingTimes(long trialId, int attempt, List<TimedEvent> timed) {
    int from = 0;
    while (from < timed.size()) {
      Instant at = timed.get(from).at();
      int to = from + 1;
      while (to < timed.size() && Objects.equals(timed.get(to).at(), at)) {
        to++;
      }
      List<NewEvent> run = timed.subList(from, to).stream().map(TimedEvent::event).toList();
      events.append(trialId, attempt, run, at == null ? clock.instant() : at);
      from = to;
    }
  }

  // ---- the two formats, read and checked whole before anything is written

  /** Everything an import stores, checked. */
  record Loaded(
      ExperimentExport export,
      String digest,
      List<String> claims,
      List<ExperimentExport.Origin> origins,
      List<Checked> trials,
      List<CheckedModel> models,
      byte[] code,
      CarriedDataset dataset) {}

  /** A registered dataset the archive carries: its record and its four files by file name. */
  private record CarriedDataset(ExperimentExport.Dataset dataset, Map<String, byte[]> files) {}

  private record CheckedModel(Integer trialOrdinal, ModelRegistry.Carried carried) {}

  /** Version 1: one JSON document, gzip-compressed or not. */
  private static Loaded version1(byte[] file) {
    byte[] document = inflate(file);
    ExperimentExport export = parse(document);
    List<Checked> checked = new ArrayList<>();
    Set<Integer> ordinals = new HashSet<>();
    for (ExperimentExport.Trial trial : export.trials()) {
      if (trial == null) {
        throw bad("has an empty trial");
      }
      if (!ordinals.add(trial.ordinal())) {
        throw bad("has two trials of ordinal " + trial.ordinal());
      }
      checked.add(check(trial, ExperimentImporter::base64, null, Map.of()));
    }
    String digest = Digests.sha256(document);
    return new Loaded(
        export,
        digest,
        claims(digest, export.experiment().importedFrom()),
        List.of(),
        checked,
        List.of(),
        null,
        null);
  }

  private static final Pattern TRIAL_ENTRY = Pattern.compile("trials/(\\d{1,9})/trial\\.json");

  /** Version 2: the {@code .tar.gz}. */
  private static Loaded version2(TransferArchive.Contents contents) {
    ExperimentExport.Exported experiment =
        entry(contents, "experiment.json", ExperimentExport.Exported.class);
    checkExperiment(experiment);
    List<Checked> checked = new ArrayList<>();
    List<ExperimentExport.Trial> trials = new ArrayList<>();
    for (String path : contents.files().keySet()) {
      Matcher matcher = TRIAL_ENTRY.matcher(path);
      if (!matcher.matches()) {
        continue;
      }
      int ordinal = Integer.parseInt(matcher.group(1));
      String folder = ExperimentExport.trialFolder(ordinal);
      ExperimentExport.Trial trial = entry(contents, path, ExperimentExport.Trial.class);
      if (trial.ordinal() != ordinal) {
        throw bad("has " + contents.name(path) + " of a trial whose ordinal is " + trial.ordinal());
      }
      List<ExperimentExport.Event> events =
          Arrays.asList(entry(contents, folder + "events.json", ExperimentExport.Event[].class));
      ExperimentExport.Trial withEvents = trial.withEvents(events);
      trials.add(withEvents);
      ExperimentExport.Mlflow mlflow = null;
      Map<String, byte[]> mlflowFiles = new LinkedHashMap<>();
      if (contents.files().containsKey(folder + "mlflow.json")) {
        mlflow = entry(contents, folder + "mlflow.json", ExperimentExport.Mlflow.class);
        if (mlflow.params() == null
            || mlflow.tags() == null
            || mlflow.metrics() == null
            || mlflow.inputs() == null
            || mlflow.artifacts() == null) {
          throw bad(
              "has a "
                  + contents.name(folder + "mlflow.json")
                  + " that misses params, tags, metrics, inputs"
                  + " or artifacts");
        }
        for (String logged : mlflow.artifacts()) {
          if (logged == null || logged.isEmpty() || logged.contains("//") || logged.endsWith("/")) {
            throw bad(
                "has a logged file '" + logged + "' of trial " + ordinal + " with a bad path");
          }
          mlflowFiles.put(logged, contents.require(folder + MlflowRecords.FOLDER + "/" + logged));
        }
      }
      checked.add(
          check(
              withEvents,
              (artifact, relative) ->
                  contents.require(folder + "attempt-" + artifact.attempt() + "/" + relative),
              mlflow,
              mlflowFiles));
    }
    Set<Integer> ordinals = new HashSet<>();
    for (Checked trial : checked) {
      ordinals.add(trial.row().ordinal());
    }
    List<CheckedModel> models = new ArrayList<>();
    for (ExperimentExport.Model model :
        entry(contents, "models.json", ExperimentExport.Model[].class)) {
      models.add(checkModel(model, contents, ordinals));
    }
    ExperimentExport export =
        new ExperimentExport(
            ExperimentExport.FORMAT,
            ExperimentExport.ARCHIVE_VERSION,
            contents.manifest().exportedAt(),
            experiment,
            trials);
    return new Loaded(
        export,
        contents.digest(),
        claims(contents.digest(), experiment.importedFrom()),
        origins(contents),
        checked,
        models,
        carriedCode(contents, experiment),
        carriedDataset(contents, experiment));
  }

  /** The packed code the archive carries for the spec's {@code code:}, checked; null if none. */
  private static byte[] carriedCode(
      TransferArchive.Contents contents, ExperimentExport.Exported experiment) {
    String sha = ExperimentExport.codeOf(experiment.spec());
    byte[] bytes = sha == null ? null : contents.files().get(ExperimentExport.codeEntry(sha));
    if (bytes != null && !Digests.sha256(bytes).equals(sha)) {
      throw bad(
          "has a "
              + contents.name(ExperimentExport.codeEntry(sha))
              + " whose contents do not match its sha256: the file was changed or damaged");
    }
    return bytes;
  }

  /**
   * The registered dataset the archive carries for the spec's {@code datasetSha256}, its four files
   * checked against that digest; null if it carries none.
   */
  private static CarriedDataset carriedDataset(
      TransferArchive.Contents contents, ExperimentExport.Exported experiment) {
    String sha = ExperimentExport.datasetSha256Of(experiment.spec());
    if (sha == null || !contents.files().containsKey("dataset.json")) {
      return null;
    }
    ExperimentExport.Dataset dataset =
        entry(contents, "dataset.json", ExperimentExport.Dataset.class);
    if (!experiment.dataset().equals(dataset.name()) || !sha.equals(dataset.sha256())) {
      throw bad(
          "has a "
              + contents.name("dataset.json")
              + " of dataset '"
              + dataset.name()
              + "' ("
              + dataset.sha256()
              + "), not the experiment's '"
              + experiment.dataset()
              + "' ("
              + sha
              + ")");
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    List<String> shas = new ArrayList<>();
    for (String file : RegisteredDataset.FILE_NAMES) {
      byte[] bytes = contents.require(ExperimentExport.datasetFolder(sha) + file);
      files.put(file, bytes);
      shas.add(Digests.sha256(bytes));
    }
    if (!RegisteredDataset.digest(shas).equals(sha)) {
      throw bad(
          "carries files of dataset '"
              + dataset.name()
              + "' whose digest is not "
              + sha
              + ": the file was changed or damaged");
    }
    return new CarriedDataset(dataset, files);
  }

  /**
   * Refuses (409) a command experiment whose code neither this server has nor the file carries: the
   * imported experiment could not be cloned or re-run.
   */
  private void checkCode(String sha, byte[] carried) {
    if (sha != null && carried == null && !code.exists(sha)) {
      throw new ConflictException(
          "The experiment runs the code sha256:"
              + sha
              + ", which the file does not carry and this server does not have: upload that"
              + " code first (POST /api/v1/code with the same .tar.gz, or 'digitlab submit' of"
              + " the same folder) and import again. Nothing was stored.");
    }
  }

  /**
   * Refuses (409) an experiment trained on a registered dataset this server cannot have under its
   * name: not carried and not registered here, or registered here under that name with other files.
   * Nothing is stored then.
   */
  private void checkDataset(ExperimentExport.Exported experiment, CarriedDataset carried) {
    String sha = ExperimentExport.datasetSha256Of(experiment.spec());
    if (sha == null) {
      return;
    }
    String name = experiment.dataset();
    Optional<DatasetRegistry.Entry> here = datasets.find(name);
    if (here.isPresent()) {
      if (!here.get().dataset().sha256().equals(sha)) {
        throw new ConflictException(
            "The experiment trained on dataset '"
                + name
                + "' (sha256 "
                + sha
                + "), but '"
                + name
                + "' here holds other files (sha256 "
                + here.get().dataset().sha256()
                + "): import it into a server where that name is free or holds those files."
                + " Nothing was stored.");
      }
      return;
    }
    if (carried == null) {
      throw new ConflictException(
          "The experiment trained on dataset '"
              + name
              + "' (sha256 "
              + sha
              + "), which this server does not have and the file does not carry: register it"
              + " first with 'digitlab data add "
              + name
              + " --dir DIR' (the same four IDX files) and import again. Nothing was stored.");
    }
  }

  /** Registers the carried dataset under its name unless this server has that name already. */
  private void registerDataset(
      ExperimentExport.Exported experiment, CarriedDataset carried, String owner) {
    if (carried == null || datasets.find(experiment.dataset()).isPresent()) {
      return;
    }
    datasets.registerImported(
        carried.dataset().name(), carried.dataset().classes(), carried.files(), owner);
  }

  private static CheckedModel checkModel(
      ExperimentExport.Model model, TransferArchive.Contents contents, Set<Integer> ordinals) {
    if (model == null || model.model() == null || model.architecture() == null) {
      throw bad("has a registered model without a name or an architecture");
    }
    String where = "model " + model.model() + " v" + model.version();
    require(model.config(), where + ".config");
    require(model.preprocessing(), where + ".preprocessing");
    require(model.artifactSha256(), where + ".artifactSha256");
    require(model.metrics(), where + ".metrics");
    require(model.createdAt(), where + ".createdAt");
    checkLength(model.description(), 2000, where + ".description");
    checkLength(model.modelDescription(), 2000, where + ".modelDescription");
    if (model.trialOrdinal() != null && !ordinals.contains(model.trialOrdinal())) {
      throw bad("has " + where + " of trial " + model.trialOrdinal() + ", which it does not hold");
    }
    VersionStatus status;
    try {
      status = VersionStatus.valueOf(String.valueOf(model.status()).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw bad("has " + where + " with an unknown status '" + model.status() + "'");
    }
    String folder = ExperimentExport.modelFolder(model.model(), model.version());
    ModelVersion version =
        new ModelVersion(
            model.model(),
            model.version(),
            model.architecture(),
            model.config(),
            model.preprocessing(),
            model.artifactSha256(),
            model.testAccuracy(),
            model.testF1Macro(),
            model.metrics(),
            null,
            null,
            model.dataset(),
            model.datasetDigests() == null ? Map.of() : model.datasetDigests(),
            model.description(),
            status,
            instant(where + ".createdAt", model.createdAt()));
    return new CheckedModel(
        model.trialOrdinal(),
        new ModelRegistry.Carried(
            version,
            model.modelDescription(),
            model.aliases() == null ? List.of() : model.aliases(),
            contents.files().get(folder + "model.dlm"),
            contents.files().get(folder + "model.onnx")));
  }

  private static <T> T entry(TransferArchive.Contents contents, String path, Class<T> type) {
    byte[] bytes = contents.require(path);
    try {
      T value = Json.mapper().readValue(bytes, type);
      if (value == null) {
        throw bad("has an empty " + contents.name(path));
      }
      return value;
    } catch (JacksonException e) {
      throw bad(
          "has a " + contents.name(path) + " this server cannot read: " + e.getOriginalMessage());
    }
  }

  /** A v1 file is JSON (gzip-compressed or not); a v2 file is a gzip-compressed tar. */
  private static boolean startsLikeJson(byte[] file) {
    byte[] start = file;
    if (TransferArchive.isGzip(file)) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(file))) {
        start = in.readNBytes(64);
      } catch (IOException e) {
        return false; // the archive reader says what is wrong with it
      }
    }
    for (byte b : start) {
      if (!Character.isWhitespace(b)) {
        return b == '{';
      }
    }
    return false;
  }

  private long insertExperiment(ExperimentExport.Exported experiment, String owner) {
    Instant now = clock.instant();
    KeyHolder key = new GeneratedKeyHolder();
    jdbc.sql(
            """
            INSERT INTO experiment (name, owner, description, notes, tags, dataset, spec,
                objective_metric, objective_goal, max_parallel_trials, priority, status,
                created_at, updated_at)
            VALUES (:name, :owner, :description, :notes, :tags, :dataset, :spec, :metric, :goal,
                :maxParallel, :priority, 'running', :created, :now)
            """)
        .param("name", experiment.name())
        .param("owner", owner)
        .param("description", experiment.description())
        .param("notes", experiment.notes())
        .param(
            "tags",
            "," + String.join(",", experiment.tags()) + (experiment.tags().isEmpty() ? "" : ","))
        .param("dataset", experiment.dataset())
        .param("spec", experiment.spec())
        .param("metric", experiment.objectiveMetric())
        .param("goal", experiment.objectiveGoal())
        .param("maxParallel", experiment.maxParallelTrials())
        .param("priority", experiment.priority())
        .param("created", toSql(instant("experiment.createdAt", experiment.createdAt())))
        .param("now", toSql(now))
        .update(key, "id");
    return key.getKeyAs(Number.class).longValue();
  }

  private void tag(long experimentId, String key, String value) {
    jdbc.sql(
            "INSERT INTO experiment_tag (experiment_id, tag_key, tag_value)"
                + " VALUES (:id, :key, :value)")
        .param("id", experimentId)
        .param("key", key)
        .param("value", value)
        .update();
  }

  private void write(long trialId, CheckedArtifact artifact) {
    Path dir = directories.of(trialId).resolve("attempt-" + artifact.attempt()).normalize();
    Path file = dir.resolve(artifact.relative()).normalize();
    if (!file.startsWith(dir)) {
      // The names were checked; this is the last line, should a check ever be loosened.
      throw bad("has an artifact path '" + artifact.relative() + "' outside its trial's folder");
    }
    try {
      Files.createDirectories(file.getParent());
      Files.write(file, artifact.bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (directories.artifacts().shared()) {
      directories
          .artifacts()
          .publish(trialId, "attempt-" + artifact.attempt() + "/" + artifact.relative(), file);
    }
  }

  // ---- reading and checking, before anything is written

  private record Checked(
      ImportedTrials.Finished row,
      Map<Integer, List<TimedEvent>> events,
      List<CheckedArtifact> artifacts,
      ExperimentExport.Mlflow mlflow,
      Map<String, byte[]> mlflowFiles) {}

  /** An event and the time it was stored where it came from (null: unknown). */
  private record TimedEvent(NewEvent event, Instant at) {}

  /** An artifact's bytes and where they go: {@code relative} to its attempt's folder. */
  private record CheckedArtifact(String relative, int attempt, byte[] bytes) {}

  /** An output file's name: what {@code ArtifactRef} lets an event name, so a file name only. */
  private static final Pattern OUTPUT_NAME = Pattern.compile("[a-z][a-z0-9_.-]{0,99}");

  /** Gunzips the file; a plain JSON file is taken as it is. */
  private static byte[] inflate(byte[] file) {
    if (file.length >= 2 && (file[0] & 0xff) == 0x1f && (file[1] & 0xff) == 0x8b) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(file))) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
          total += n;
          if (total > MAX_INFLATED) {
            throw bad(
                "unpacks to more than " + MAX_INFLATED + " bytes; not an export this server takes");
          }
          out.write(buffer, 0, n);
        }
        return out.toByteArray();
      } catch (IOException e) {
        throw bad(
            "is damaged or truncated: its gzip stream cannot be read ("
                + e.getMessage()
                + "); export the experiment again");
      }
    }
    return file;
  }

  private static ExperimentExport parse(byte[] document) {
    JsonNode tree;
    try {
      tree = Json.mapper().readTree(document);
    } catch (JacksonException e) {
      throw bad(
          "is neither a gzip-compressed nor a plain Digit Lab experiment export (JSON): "
              + e.getOriginalMessage());
    }
    if (tree == null || !tree.isObject()) {
      throw bad("is not a Digit Lab experiment export: its JSON is not an object");
    }
    String format = tree.path("format").asString("");
    if (!ExperimentExport.FORMAT.equals(format)) {
      throw bad(
          "is not a Digit Lab experiment export: format is '"
              + format
              + "', expected '"
              + ExperimentExport.FORMAT
              + "'");
    }
    JsonNode version = tree.path("version");
    if (!version.isInt() || version.asInt() != ExperimentExport.VERSION) {
      throw bad(
          "is an export of version "
              + version
              + "; this server reads version "
              + ExperimentExport.VERSION
              + " only");
    }
    ExperimentExport export;
    try {
      export = Json.mapper().treeToValue(tree, ExperimentExport.class);
    } catch (JacksonException e) {
      throw bad("has a field this server cannot read: " + e.getOriginalMessage());
    }
    if (export.experiment() == null || export.trials() == null) {
      throw bad("misses its experiment or its trials");
    }
    checkExperiment(export.experiment());
    return export;
  }

  private static void checkExperiment(ExperimentExport.Exported experiment) {
    require(experiment.name(), "experiment.name");
    require(experiment.dataset(), "experiment.dataset");
    require(experiment.spec(), "experiment.spec");
    require(experiment.createdAt(), "experiment.createdAt");
    if (experiment.name().length() > 200 || experiment.dataset().length() > 100) {
      throw bad("has an experiment name over 200 or a dataset name over 100 characters");
    }
    if (experiment.tags() == null
        || experiment.tags().stream().anyMatch(t -> t == null || t.isBlank() || t.contains(","))) {
      throw bad("has experiment.tags that are missing, blank or contain commas");
    }
    if (experiment.maxParallelTrials() < 1) {
      throw bad("has experiment.maxParallelTrials below 1");
    }
    try {
      if (!Experiment.NO_OBJECTIVE.equals(experiment.objectiveMetric())) {
        // A command experiment optimises a metric its program reports, of any key's name.
        if (ExperimentExport.isCommand(experiment.spec())) {
          ObjectiveMetric.named(experiment.objectiveMetric());
        } else {
          ObjectiveMetric.parse(experiment.objectiveMetric());
        }
      }
      Goal.parse(experiment.objectiveGoal());
    } catch (RuntimeException e) {
      throw bad("has an objective this server does not know: " + e.getMessage());
    }
  }

  /** Where an artifact's bytes come from: base64 in version 1, an entry in version 2. */
  private interface ArtifactBytes {
    /** The bytes of {@code artifact}, whose file is {@code relative} in its attempt's folder. */
    byte[] of(ExperimentExport.Artifact artifact, String relative);
  }

  private static byte[] base64(ExperimentExport.Artifact artifact, String relative) {
    if (artifact.base64() == null) {
      throw bad("has an artifact " + artifact.name() + " without contents");
    }
    try {
      return Base64.getDecoder().decode(artifact.base64());
    } catch (IllegalArgumentException e) {
      throw bad("has an artifact " + artifact.name() + " that is not base64");
    }
  }

  private static Checked check(
      ExperimentExport.Trial trial,
      ArtifactBytes source,
      ExperimentExport.Mlflow mlflow,
      Map<String, byte[]> mlflowFiles) {
    String where = "trial " + trial.id();
    require(trial.config(), where + ".config");
    require(trial.status(), where + ".status");
    require(trial.queuedAt(), where + ".queuedAt");
    checkLength(trial.config(), 100_000, where + ".config");
    checkLength(trial.lastMetrics(), 100_000, where + ".lastMetrics");
    checkLength(trial.failureReason(), 1_900, where + ".failureReason");
    checkLength(trial.workerName(), 200, where + ".workerName");
    if (trial.requires() != null && !List.of("cpu", "gpu").contains(trial.requires())) {
      throw bad("has " + where + ".requires '" + trial.requires() + "', not cpu or gpu");
    }
    if (trial.attempt() < 0) {
      throw bad("has " + where + ".attempt below 0");
    }
    TrialStatus status;
    try {
      status = TrialStatus.fromDb(trial.status());
    } catch (IllegalArgumentException e) {
      throw bad("has " + where + " with an unknown status '" + trial.status() + "'");
    }
    String failureReason = trial.failureReason();
    if (!status.isTerminal()) {
      // Nothing runs an imported trial: one still queued or running where it was exported
      // arrives stopped, and says so.
      failureReason = "Was " + trial.status() + " when exported; imported as cancelled.";
      status = TrialStatus.CANCELLED;
    }
    ImportedTrials.Finished row =
        new ImportedTrials.Finished(
            trial.ordinal(),
            trial.config(),
            status,
            trial.attempt(),
            trial.requires(),
            trial.workerName(),
            trial.lastMetrics(),
            trial.bestMetric(),
            trial.testAccuracy(),
            trial.testF1Macro(),
            trial.trainSeconds(),
            instant(where + ".queuedAt", trial.queuedAt()),
            trial.startedAt() == null ? null : instant(where + ".startedAt", trial.startedAt()),
            trial.finishedAt() == null ? null : instant(where + ".finishedAt", trial.finishedAt()),
            failureReason);
    Map<Integer, List<TimedEvent>> byAttempt = new LinkedHashMap<>();
    for (ExperimentExport.Event event :
        trial.events() == null ? List.<ExperimentExport.Event>of() : trial.events()) {
      if (event == null || event.type() == null || event.payload() == null || event.seq() < 0) {
        throw bad("has an event of " + where + " without a type, a payload or a valid seq");
      }
      EventType type;
      try {
        type = EventType.fromWireName(event.type());
        Json.mapper().readValue(event.payload(), type.payloadType());
      } catch (RuntimeException e) {
        throw bad(
            "has an event of "
                + where
                + " (seq "
                + event.seq()
                + ") that cannot be read: "
                + e.getMessage());
      }
      byAttempt
          .computeIfAbsent(event.attempt(), a -> new ArrayList<>())
          .add(
              new TimedEvent(
                  new NewEvent(event.seq(), type, event.payload()),
                  event.at() == null ? null : instant(where + " event time", event.at())));
    }
    List<CheckedArtifact> artifacts = new ArrayList<>();
    for (ExperimentExport.Artifact artifact :
        trial.artifacts() == null ? List.<ExperimentExport.Artifact>of() : trial.artifacts()) {
      if (artifact == null || artifact.name() == null) {
        throw bad("has an artifact of " + where + " without a name");
      }
      String relative;
      if (artifact.output()) {
        // A command's output file: a name as its artifact event gave it, never a path, so that
        // no name in the file can point outside the trial's outputs folder.
        if (!OUTPUT_NAME.matcher(artifact.name()).matches()) {
          throw bad(
              "has an output file '"
                  + artifact.name()
                  + "' of "
                  + where
                  + " whose name is not a file name (lower-case letters, digits, '.', '_', '-')");
        }
        if (artifact.attempt() > trial.attempt()) {
          throw bad(
              "has an output file of "
                  + where
                  + " from attempt "
                  + artifact.attempt()
                  + ", past its last attempt "
                  + trial.attempt());
        }
        relative = RunArtifact.OUTPUTS_FOLDER + "/" + artifact.name();
      } else {
        // Only the built-in artifacts an export carries, by name: their file names are ours.
        relative =
            RunArtifact.named(artifact.name())
                .filter(ExperimentExporter.CARRIED::contains)
                .map(RunArtifact::fileName)
                .orElseThrow(
                    () ->
                        bad(
                            "has an artifact '"
                                + artifact.name()
                                + "' of "
                                + where
                                + " that exports do not carry"));
      }
      if (artifact.attempt() < 1) {
        throw bad("has an artifact of " + where + " with attempt " + artifact.attempt());
      }
      byte[] bytes = source.of(artifact, relative);
      if (!Digests.sha256(bytes).equals(artifact.sha256())
          || (artifact.bytes() != null && artifact.bytes() != bytes.length)) {
        throw bad(
            "has an artifact "
                + artifact.name()
                + " of "
                + where
                + " whose contents do not match its sha256 or size: the file was changed or"
                + " damaged");
      }
      artifacts.add(new CheckedArtifact(relative, artifact.attempt(), bytes));
    }
    return new Checked(row, byAttempt, artifacts, mlflow, mlflowFiles);
  }

  private static void checkLength(String value, int most, String field) {
    if (value != null && value.length() > most) {
      throw bad("has " + field + " longer than " + most + " characters");
    }
  }

  private static void require(String value, String field) {
    if (value == null || value.isBlank()) {
      throw bad("misses " + field);
    }
  }

  private static Instant instant(String field, String value) {
    try {
      return Instant.parse(value);
    } catch (RuntimeException e) {
      throw bad("has " + field + " '" + value + "', not an ISO-8601 instant");
    }
  }

  private static InvalidParameterException bad(String message) {
    return new InvalidParameterException("file", "The file " + message + ".");
  }
}
