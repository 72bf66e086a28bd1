package dev.digitlab.server.registry;

import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.infer.Classifier;
import dev.digitlab.ml.infer.DigitClassifier;
import dev.digitlab.ml.train.CheckpointFile;
import dev.digitlab.ml.train.CheckpointHeader;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.datasets.DatasetRegistry;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialFiles;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.worker.run.RunArtifact;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The model registry: registers trials' models as immutable versions, moves aliases atomically
 * (promotion, rollback), archives versions, and keeps every decision in the model's audit log.
 */
@Component
public class ModelRegistry {

  /** The alias predictions use when none is named. */
  public static final String PRODUCTION = "production";

  /** The preprocessing every version is served with: see {@code ImagePreprocessor}. */
  public static final String PREPROCESSING = "mnist-centre-of-mass-v1";

  private static final Logger log = LoggerFactory.getLogger(ModelRegistry.class);

  private static final Pattern MODEL_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  // An alias starts with a letter, so that it can never be mistaken for a version number.
  private static final Pattern ALIAS = Pattern.compile("[a-z][a-z0-9_-]{0,31}");

  private final RegistryStore store;
  private final RegistryArtifacts artifacts;
  private final TrialStore trials;
  private final TrialFiles trialFiles;
  private final ExperimentStore experiments;
  private final Path dataHome;
  private final DatasetRegistry datasets;
  private final TransactionTemplate transaction;
  private final List<AliasListener> listeners;
  private final OnnxForm onnxForm;

  ModelRegistry(
      RegistryStore store,
      RegistryArtifacts artifacts,
      OnnxForm onnxForm,
      TrialStore trials,
      TrialFiles trialFiles,
      ExperimentStore experiments,
      PlatformTransactionManager transactions,
      List<AliasListener> listeners,
      @Value("${digitlab.worker.data-home:${digitlab.home}}") Path dataHome,
      DatasetRegistry datasets) {
    this.datasets = datasets;
    this.store = store;
    this.artifacts = artifacts;
    this.onnxForm = onnxForm;
    this.trials = trials;
    this.trialFiles = trialFiles;
    this.experiments = experiments;
    this.transaction = new TransactionTemplate(transactions);
    this.listeners = List.copyOf(listeners);
    this.dataHome = dataHome;
  }

  /**
   * Registers the model a succeeded trial trained as the next version of {@code model}, creating
   * the model on first use; the weights are copied into the registry. {@code actor} (who asked)
   * goes into the audit log.
   *
   * @throws NotFoundException when there is no such trial
   * @throws ConflictException when the trial has not succeeded, left no model file, or already is a
   *     version of this model
   */
  public ModelVersion register(String model, long trialId, String description, String actor) {
    return register(model, trialId, description, actor, false);
  }

  /**
   * As {@link #register(String, long, String, String)}, but with {@code again} a trial that already
   * is a version of {@code model} becomes one more, identical version (MLflow allows that, and its
   * API asks for it this way). Without it, registering the same trial twice, by a double click or a
   * script run again, is refused naming the version it already is: two versions with the same
   * weights only make promotions and comparisons confusing.
   */
  public ModelVersion register(
      String model, long trialId, String description, String actor, boolean again) {
    checkModelName(model);
    if (!again) {
      checkNotRegistered(model, trialId);
    }
    Trial trial = trials.find(trialId).orElseThrow(() -> new NotFoundException("trial", trialId));
    if (trial.status() != TrialStatus.SUCCEEDED) {
      throw new ConflictException(
          "Trial "
              + trialId
              + " is "
              + trial.status().name().toLowerCase(java.util.Locale.ROOT)
              + "; only a succeeded trial's model can be registered.");
    }
    Path source =
        trialFiles
            .latest(trial, RunArtifact.MODEL)
            .orElseThrow(
                () ->
                    new ConflictException("Trial " + trialId + " left no model file to register."));
    CheckpointHeader header;
    try {
      header = CheckpointFile.readHeader(source);
    } catch (IllegalArgumentException e) {
      throw new ConflictException("Trial " + trialId + "'s model file is unreadable: " + e);
    }
    String dataset = experiments.find(trial.experimentId()).map(Experiment::dataset).orElse(null);
    String config = trial.config();
    RegistryArtifacts.Staged staged = artifacts.stage(model, source);
    try {
      // Every version has an ONNX form, checked against ONNX Runtime before anything is stored.
      byte[] onnx = onnxForm.convertAndCheck(staged.file());
      // Outside the transaction: on PostgreSQL a lost insert race would abort it.
      store.createModelIfAbsent(model, null);
      int version =
          transaction.execute(
              status -> {
                store.lockModel(model);
                if (!again) {
                  checkNotRegistered(model, trialId); // again, under the lock: two at once
                }
                int v =
                    store.insertVersion(
                        new NewModelVersion(
                            model,
                            header.config().model().name().toLowerCase(java.util.Locale.ROOT),
                            config,
                            PREPROCESSING,
                            staged.sha256(),
                            trial.testAccuracy(),
                            trial.testF1Macro(),
                            trial.lastMetrics() == null ? "{}" : trial.lastMetrics(),
                            trial.experimentId(),
                            trial.id(),
                            dataset,
                            datasetDigests(dataset),
                            description));
                store.audit(
                    model,
                    "registered",
                    null,
                    v,
                    null,
                    "from trial " + trial.id() + " of experiment " + trial.experimentId(),
                    actor);
                artifacts.commit(staged, model, v);
                artifacts.storeOnnx(model, v, onnx);
                return v;
              });
      log.info("Registered trial {} as {} v{}", trialId, model, version);
      return version(model, version);
    } finally {
      artifacts.discard(staged); // gone already when committed
    }
  }

  private void checkNotRegistered(String model, long trialId) {
    store
        .versionOfTrial(model, trialId)
        .ifPresent(
            version -> {
              throw new ConflictException(
                  "Trial "
                      + trialId
                      + " is already version "
                      + version
                      + " of model "
                      + model
                      + "; promote that version, or register the trial again only if you want a"
                      + " second, identical version (\"force\": true; digitlab model register"
                      + " --force).");
            });
  }

  /**
   * A registered version loaded for predictions, whichever engine runs it: DJL for Digit Lab's own
   * models, ONNX Runtime for imported ONNX ones. The caller closes it.
   *
   * @throws NotFoundException when the version or its file is missing
   */
  public DigitClassifier loadClassifier(String model, int version) {
    ModelVersion row = version(model, version);
    if (ONNX_ARCHITECTURE.equals(row.architecture())) {
      Path file = artifacts.localOnnxFile(model, version).orElseThrow(() -> noFile(model, version));
      try {
        return OnnxImports.load(Files.readAllBytes(file), row.config());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return Classifier.load(
        artifacts.localModelFile(model, version).orElseThrow(() -> noFile(model, version)));
  }

  private static NotFoundException noFile(String model, int version) {
    return new NotFoundException(
        "The weights of " + model + " v" + version + " are missing from the registry.");
  }

  /**
   * The versions registered from trials of {@code experimentId}, with the aliases pointing at each
   * and its files: what an experiment export carries.
   */
  public List<Stored> versionsOfExperiment(long experimentId) {
    List<Stored> carried = new java.util.ArrayList<>();
    for (ModelVersion v : store.versionsOfExperiment(experimentId)) {
      List<String> aliases =
          store.aliases(v.model()).stream()
              .filter(a -> a.version() == v.version())
              .map(ModelAlias::alias)
              .toList();
      carried.add(
          new Stored(
              v,
              store
                  .findModel(v.model())
                  .map(RegistryStore.RegisteredModelRow::description)
                  .orElse(null),
              aliases,
              regularFile(artifacts.localModelFile(v.model(), v.version())),
              regularFile(artifacts.localOnnxFile(v.model(), v.version()))));
    }
    return carried;
  }

  /**
   * A registered version as an export carries it.
   *
   * @param modelDescription the registered model's description
   * @param aliases the aliases that pointed at it
   * @param weights its {@code .dlm} file (null for an imported ONNX model, which has none)
   * @param onnx its ONNX form (null where the registry has none)
   */
  public record Carried(
      ModelVersion version,
      String modelDescription,
      List<String> aliases,
      byte[] weights,
      byte[] onnx) {}

  /**
   * A registered version as this server keeps it, for an export to read its files from (one at a
   * time, as it writes them: never all in memory).
   *
   * @param weights its {@code .dlm} file (null for an imported ONNX model, which has none)
   * @param onnx its ONNX form (null where the registry has none)
   */
  public record Stored(
      ModelVersion version,
      String modelDescription,
      List<String> aliases,
      Path weights,
      Path onnx) {}

  private static Path regularFile(Optional<Path> file) {
    return file.filter(Files::isRegularFile).orElse(null);
  }

  /**
   * Stores a version carried by an export as the next version of its model (created if missing),
   * linked to the imported experiment and trial. Joins the caller's transaction: an import stores
   * its versions with its trials or not at all. An alias the model here does not have yet is
   * pointed at the new version; one it has already is left alone (an import must not change what
   * this server serves), and the audit log says which.
   *
   * @return the new version number
   * @throws InvalidParameterException (400) when the files are not what the version says
   */
  public int importVersion(
      Carried carried, Long experimentId, Long trialId, String actor, String source) {
    ModelVersion v = carried.version();
    checkModelName(v.model());
    for (String alias : carried.aliases()) {
      checkAlias(alias);
    }
    boolean onnxOnly = ONNX_ARCHITECTURE.equals(v.architecture());
    byte[] main = onnxOnly ? carried.onnx() : carried.weights();
    if (main == null || !OnnxImports.sha256(main).equals(v.artifactSha256())) {
      throw new InvalidParameterException(
          "file",
          "The file's model "
              + v.model()
              + " v"
              + v.version()
              + " has no "
              + (onnxOnly ? "ONNX" : ".dlm")
              + " file whose sha256 is "
              + v.artifactSha256());
    }
    RegistryArtifacts.Staged weights = null;
    try {
      if (!onnxOnly) {
        Path temp = Files.createTempFile("import-", ".dlm");
        try {
          Files.write(temp, main);
          CheckpointFile.readHeader(temp);
          weights = artifacts.stage(v.model(), temp);
        } finally {
          Files.deleteIfExists(temp);
        }
      }
      if (carried.onnx() != null) {
        try (DigitClassifier check =
            OnnxImports.load(carried.onnx(), onnxOnly ? v.config() : "{}")) {
          java.util.Objects.requireNonNull(check);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      if (e instanceof InvalidParameterException) {
        throw e;
      }
      throw new InvalidParameterException(
          "file",
          "The file's model "
              + v.model()
              + " v"
              + v.version()
              + " cannot be loaded: "
              + e.getMessage());
    }
    RegistryArtifacts.Staged staged = weights;
    try {
      return transaction.execute(
          status -> {
            if (store.createModelIfAbsent(v.model(), carried.modelDescription())) {
              log.info("Import created model {}", v.model());
            }
            store.lockModel(v.model());
            int version =
                store.insertVersion(
                    new NewModelVersion(
                        v.model(),
                        v.architecture(),
                        v.config(),
                        v.preprocessing(),
                        v.artifactSha256(),
                        v.testAccuracy(),
                        v.testF1Macro(),
                        v.metrics(),
                        experimentId,
                        trialId,
                        v.dataset(),
                        v.datasetDigests(),
                        v.description()));
            store.audit(
                v.model(),
                "imported",
                null,
                version,
                null,
                source + " (there v" + v.version() + ")",
                actor);
            if (v.status() == VersionStatus.ARCHIVED) {
              store.archive(v.model(), version); // versions are inserted active
            }
            for (String alias : carried.aliases()) {
              if (store.alias(v.model(), alias).isEmpty()) {
                store.setAlias(v.model(), alias, version);
                store.audit(v.model(), "promoted", alias, version, null, "as in " + source, actor);
              } else {
                store.audit(
                    v.model(),
                    "alias-kept",
                    alias,
                    version,
                    null,
                    "pointed at v" + v.version() + " in " + source + "; left as it is here",
                    actor);
              }
            }
            if (staged != null) {
              artifacts.commit(staged, v.model(), version);
            }
            if (carried.onnx() != null) {
              artifacts.storeOnnx(v.model(), version, carried.onnx());
            }
            return version;
          });
    } finally {
      if (staged != null) {
        artifacts.discard(staged); // gone already when committed
      }
    }
  }

  /** The architecture recorded for versions imported from an ONNX file. */
  public static final String ONNX_ARCHITECTURE = "onnx";

  /**
   * Registers an ONNX model made outside Digit Lab as the next version of {@code model}, creating
   * the model on first use. The file is checked first (ONNX Runtime loads it, its input and output
   * have a digit classifier's shapes, it answers finite values for probe images); nothing is stored
   * when it fails. The version is served by ONNX Runtime through the same paths as trained ones.
   *
   * @throws InvalidParameterException (400) when the file is not such a model
   */
  public ModelVersion importOnnx(
      String model,
      byte[] onnx,
      OnnxClassifier.PixelScale scale,
      OnnxClassifier.Outputs outputs,
      String description,
      String actor) {
    checkModelName(model);
    if (onnx == null || onnx.length == 0) {
      throw new InvalidParameterException("file", "is empty; send the ONNX file as the body");
    }
    String config;
    try (OnnxClassifier classifier = OnnxClassifier.load(onnx, scale, outputs)) {
      checkAnswers(classifier, outputs);
      config = OnnxImports.config(classifier);
    }
    String sha256 = OnnxImports.sha256(onnx);
    store.createModelIfAbsent(model, null);
    int version =
        transaction.execute(
            status -> {
              store.lockModel(model);
              int v =
                  store.insertVersion(
                      new NewModelVersion(
                          model,
                          ONNX_ARCHITECTURE,
                          config,
                          PREPROCESSING,
                          sha256,
                          null,
                          null,
                          "{}",
                          null,
                          null,
                          null,
                          Map.of(),
                          description));
              store.audit(
                  model,
                  "imported",
                  null,
                  v,
                  null,
                  "ONNX file of " + onnx.length + " bytes, sha256 " + sha256,
                  actor);
              // Last: a failure here rolls the row back, and a file left behind is overwritten by
              // the next version of that number.
              artifacts.storeOnnx(model, v, onnx);
              return v;
            });
    log.info("Imported an ONNX model as {} v{}", model, version);
    return version(model, version);
  }

  /** The imported model must answer a probability-like vector for every probe image. */
  private static void checkAnswers(OnnxClassifier classifier, OnnxClassifier.Outputs outputs) {
    List<dev.digitlab.ml.infer.Prediction> answers;
    try {
      answers = classifier.predict(OnnxForm.probes());
    } catch (RuntimeException e) {
      throw new InvalidParameterException(
          "file", "ONNX Runtime cannot run the model on 28×28 images: " + e.getMessage());
    }
    for (dev.digitlab.ml.infer.Prediction answer : answers) {
      for (float p : answer.probabilities()) {
        if (!Float.isFinite(p)
            || (outputs == OnnxClassifier.Outputs.PROBABILITIES && (p < 0 || p > 1))) {
          throw new InvalidParameterException(
              "file",
              "the model answered "
                  + p
                  + " for a probe image, which is not "
                  + (outputs == OnnxClassifier.Outputs.PROBABILITIES
                      ? "a probability (outputs=probabilities): is it logits?"
                      : "a finite score"));
        }
      }
    }
  }

  /** The model with its versions and aliases. */
  public RegisteredModel get(String model) {
    RegistryStore.RegisteredModelRow row = store.findModel(model).orElseThrow(() -> noModel(model));
    return new RegisteredModel(
        row.name(),
        row.description(),
        row.createdAt(),
        store.listVersions(model),
        store.aliases(model));
  }

  /** Every model, by name. */
  public List<RegisteredModel> list() {
    return store.listModels().stream()
        .map(
            row ->
                new RegisteredModel(
                    row.name(),
                    row.description(),
                    row.createdAt(),
                    store.listVersions(row.name()),
                    store.aliases(row.name())))
        .toList();
  }

  public ModelVersion version(String model, int version) {
    return store
        .findVersion(model, version)
        .orElseThrow(
            () -> {
              store.findModel(model).orElseThrow(() -> noModel(model));
              return new NotFoundException("Model " + model + " has no version " + version + ".");
            });
  }

  /** The version an alias points at, if the alias exists. */
  public Optional<ModelAlias> alias(String model, String alias) {
    return store.alias(model, alias);
  }

  /** Every alias of every model. */
  public List<ModelAlias> allAliases() {
    return store.allAliases();
  }

  public List<AuditEntry> auditLog(String model, int limit) {
    store.findModel(model).orElseThrow(() -> noModel(model));
    return store.auditLog(model, limit);
  }

  /**
   * Points {@code alias} at {@code version}: serving loads the version first, then the alias moves
   * in one transaction, then serving switches. {@code detail} and {@code actor} (who asked) go into
   * the audit log.
   *
   * @throws ConflictException when the version is archived or cannot be loaded
   */
  public ModelAlias promote(String model, String alias, int version, String detail, String actor) {
    checkAlias(alias);
    ModelVersion target = version(model, version);
    if (target.status() == VersionStatus.ARCHIVED) {
      throw new ConflictException(
          model + " v" + version + " is archived; archived versions cannot be promoted.");
    }
    return move(model, alias, version, "promoted", detail, actor);
  }

  /**
   * Moves {@code alias} back to where its last move took it from.
   *
   * @throws ConflictException when the alias never moved from another version, or that version is
   *     archived now
   */
  public ModelAlias rollback(String model, String alias, String detail, String actor) {
    checkAlias(alias);
    store.findModel(model).orElseThrow(() -> noModel(model));
    AuditEntry last =
        store
            .lastMove(model, alias)
            .orElseThrow(() -> new NotFoundException(model + " has no alias " + alias + "."));
    if (last.fromVersion() == null) {
      throw new ConflictException(
          "Alias "
              + alias
              + " of "
              + model
              + " has pointed only at v"
              + last.version()
              + "; there is no earlier version to roll back to.");
    }
    int previous = last.fromVersion();
    if (version(model, previous).status() == VersionStatus.ARCHIVED) {
      throw new ConflictException(
          model + " v" + previous + " is archived; promote another version instead.");
    }
    return move(model, alias, previous, "rolled-back", detail, actor);
  }

  /**
   * Serving loads the version first (and refuses the move if it cannot), then the alias moves and
   * is audited in one transaction under the model's lock, then serving switches.
   */
  private ModelAlias move(
      String model, String alias, int version, String action, String detail, String actor) {
    warm(model, version);
    transaction.executeWithoutResult(
        status -> {
          store.lockModel(model);
          Integer from = store.alias(model, alias).map(ModelAlias::version).orElse(null);
          store.setAlias(model, alias, version);
          store.audit(model, action, alias, version, from, detail, actor);
        });
    listeners.forEach(listener -> listener.aliasMoved(model, alias, version));
    log.info("{} alias {} {}: now v{}", model, alias, action, version);
    return store.alias(model, alias).orElseThrow();
  }

  /**
   * Archives a version: it stays listed, but can no longer be promoted.
   *
   * @throws ConflictException while an alias points at it
   */
  public ModelVersion archive(String model, int version, String actor) {
    version(model, version);
    transaction.executeWithoutResult(
        status -> {
          store.lockModel(model);
          List<String> pointing =
              store.aliases(model).stream()
                  .filter(a -> a.version() == version)
                  .map(ModelAlias::alias)
                  .toList();
          if (!pointing.isEmpty()) {
            throw new ConflictException(
                model
                    + " v"
                    + version
                    + " is "
                    + String.join(", ", pointing)
                    + "; move those aliases to another version before archiving it.");
          }
          store.archive(model, version);
          store.audit(model, "archived", null, version, null, null, actor);
        });
    return version(model, version);
  }

  /**
   * Records a decision the server took by itself (a quality gate, a retraining), as {@link
   * Ownership#SYSTEM}'s.
   */
  public void audit(String model, String action, Integer version, String detail) {
    store.audit(model, action, null, version, null, detail, Ownership.SYSTEM);
  }

  private void warm(String model, int version) {
    for (AliasListener listener : listeners) {
      try {
        listener.warm(model, version);
      } catch (RuntimeException e) {
        throw new ConflictException(
            model + " v" + version + " cannot be served: " + e.getMessage());
      }
    }
  }

  /** SHA-256 of each dataset file, from the {@code .sha256} files the fetcher left beside them. */
  private Map<String, String> datasetDigests(String dataset) {
    Map<String, String> digests = new TreeMap<>();
    if (dataset == null) {
      return digests;
    }
    var registered = datasets.find(dataset);
    if (registered.isPresent()) {
      // A registered dataset's files are known by digest; no marker files to read.
      for (int i = 0; i < 4; i++) {
        digests.put(
            RegisteredDataset.FILE_NAMES.get(i), registered.get().dataset().fileSha256().get(i));
      }
      return digests;
    }
    Path dir;
    try {
      dir = DatasetStore.directory(dataHome, DatasetId.byName(dataset));
    } catch (RuntimeException unknownDataset) {
      return digests;
    }
    if (!Files.isDirectory(dir)) {
      return digests;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".sha256")).sorted().toList()) {
        String name = file.getFileName().toString();
        String text = Files.readString(file, StandardCharsets.UTF_8).trim();
        digests.put(name.substring(0, name.length() - ".sha256".length()), text.split("\\s+")[0]);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return digests;
  }

  static void checkModelName(String model) {
    if (model == null || !MODEL_NAME.matcher(model).matches()) {
      throw new InvalidParameterException(
          "name",
          "a model name is 1–64 lowercase letters, digits, '.', '_' or '-', starting with a letter"
              + " or digit; got '"
              + model
              + "'");
    }
  }

  static void checkAlias(String alias) {
    if (alias == null || !ALIAS.matcher(alias).matches()) {
      throw new InvalidParameterException(
          "alias",
          "an alias is 1–32 lowercase letters, digits, '_' or '-', starting with a letter; got '"
              + alias
              + "'");
    }
  }

  private static NotFoundException noModel(String model) {
    return new NotFoundException(
        "There is no model named "
            + model
            + ". Register a trial's model first: digitlab model register TRIAL --name "
            + model);
  }
}
