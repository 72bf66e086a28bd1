package dev.digitlab.cli;

import dev.digitlab.ml.data.DatasetException;
import dev.digitlab.ml.data.DatasetFetcher;
import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.LoadedDataset;
import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.model.Activation;
import dev.digitlab.ml.train.ConfigViolation;
import dev.digitlab.ml.train.DeviceChoice;
import dev.digitlab.ml.train.InvalidConfigException;
import dev.digitlab.ml.train.ModelKind;
import dev.digitlab.ml.train.OptimizerKind;
import dev.digitlab.ml.train.ScheduleKind;
import dev.digitlab.ml.train.Trainer;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.ml.train.TrainingData;
import dev.digitlab.ml.train.TrainingOutputs;
import dev.digitlab.ml.train.TrainingResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code digitlab train}: trains one model from the terminal and prints its metrics. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    defaultValueProvider = TrainCommand.ConfigDefaults.class,
    description = {
      "Trains one model on MNIST (fetched on first use) and prints its test metrics.",
      "The recipes mlp, cnn, lenet5 and fast match the PyTorch benchmark references exactly."
    })
final class TrainCommand implements Callable<Integer> {

  /** API field name of each option, for messages that name what the user typed. */
  private static final Map<String, String> OPTION_OF_FIELD =
      Map.ofEntries(
          Map.entry("dataset", "--dataset"),
          Map.entry("model", "--model"),
          Map.entry("hiddenSizes", "--hidden"),
          Map.entry("channels", "--channels"),
          Map.entry("denseUnits", "--dense-units"),
          Map.entry("activation", "--activation"),
          Map.entry("dropout", "--dropout"),
          Map.entry("batchNorm", "--batch-norm"),
          Map.entry("epochs", "--epochs"),
          Map.entry("batchSize", "--batch-size"),
          Map.entry("learningRate", "--lr"),
          Map.entry("optimizer", "--optimizer"),
          Map.entry("momentum", "--momentum"),
          Map.entry("nesterov", "--nesterov"),
          Map.entry("weightDecay", "--weight-decay"),
          Map.entry("lrSchedule", "--lr-schedule"),
          Map.entry("lrStepEpochs", "--lr-step-epochs"),
          Map.entry("lrGamma", "--lr-gamma"),
          Map.entry("seed", "--seed"),
          Map.entry("trainSubset", "--train-subset"),
          Map.entry("validationRatio", "--validation-ratio"),
          Map.entry("device", "--device"));

  /**
   * The config options' defaults are {@link TrainingConfig}'s own (its builder's), not restated
   * here: an option takes the default of the field it sets.
   */
  static final class ConfigDefaults implements IDefaultValueProvider {

    // Left out, these take the recipe's value (TrainingConfig.Builder), which differs for
    // --model fast: picocli must leave them null rather than fill in the mlp recipe's.
    private static final java.util.Set<String> RECIPE_DEFAULTS =
        java.util.Set.of(
            "epochs",
            "batchSize",
            "learningRate",
            "optimizer",
            "momentum",
            "nesterov",
            "weightDecay",
            "lrSchedule");

    private static final JsonNode DEFAULTS =
        Json.mapper().valueToTree(TrainingConfig.builder().build());

    @Override
    public String defaultValue(ArgSpec argument) {
      if (!(argument instanceof OptionSpec option)) {
        return null;
      }
      for (Map.Entry<String, String> entry : OPTION_OF_FIELD.entrySet()) {
        if (RECIPE_DEFAULTS.contains(entry.getKey())) {
          continue;
        }
        if (option.longestName().equals(entry.getValue())
            || List.of(option.names()).contains(entry.getValue())) {
          JsonNode value = DEFAULTS.path(entry.getKey());
          return value.isValueNode() && !value.isNull() ? value.asString() : null;
        }
      }
      return null;
    }
  }

  /** The dataset name a model trained with {@code --dataset-dir} records when none is given. */
  static final String LOCAL_DATASET = "local";

  @Spec CommandSpec spec;

  @Mixin HomeOption home;

  // Only --server typed on the command line fetches a registered dataset: a local train never
  // talks to $DIGITLAB_SERVER unasked.
  @Mixin ServerOption server;

  @Option(
      names = "--dataset",
      description =
          "mnist or fashion-mnist (default: ${DEFAULT-VALUE}); with --server URL, a dataset"
              + " registered there, fetched by digest into <home>/datasets/<digest>/; with"
              + " --dataset-dir, the name the model records.")
  String dataset;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Folder with the four IDX files (fetched there if missing) instead of the data home.")
  Path dataDir;

  @Option(
      names = "--dataset-dir",
      paramLabel = "DIR",
      description =
          "Train on your own dataset: the four IDX files in DIR, named and checked as 'data add'"
              + " names and checks them (28x28 images, labels below --classes). --dataset names"
              + " it (default: "
              + LOCAL_DATASET
              + "); nothing is stored.")
  Path datasetDir;

  @Option(
      names = "--classes",
      paramLabel = "N",
      description = "With --dataset-dir: how many classes the labels have, 2-10 (default: 10).")
  Integer classes;

  @Option(
      names = "--model",
      converter = ConfigConverters.Model.class,
      description =
          "mlp, cnn, lenet5 or fast (default: ${DEFAULT-VALUE}). fast: 99.2%% on MNIST in 2"
              + " epochs, with its own training defaults.")
  ModelKind model;

  @Option(
      names = "--hidden",
      split = ",",
      paramLabel = "N",
      description = "MLP hidden layer sizes, e.g. 512,256 (default: 256,128).")
  List<Integer> hiddenSizes;

  @Option(
      names = "--channels",
      split = ",",
      paramLabel = "N",
      description = "CNN convolution channels, e.g. 16,32,64 (default: 32,64).")
  List<Integer> channels;

  @Option(names = "--dense-units", description = "CNN dense layer units (default: 128).")
  Integer denseUnits;

  @Option(
      names = "--activation",
      converter = ConfigConverters.ActivationName.class,
      description = "relu, tanh, sigmoid or gelu (default: ${DEFAULT-VALUE}).")
  Activation activation;

  @Option(names = "--dropout", description = "Dropout rate (default: ${DEFAULT-VALUE}).")
  double dropout;

  @Option(names = "--batch-norm", description = "Batch normalisation after each convolution.")
  boolean batchNorm;

  // The training options below have no picocli default: left out, they take the recipe's value
  // (TrainingConfig.Builder), which differs for --model fast.

  @Option(names = "--epochs", description = "Default: 1 (fast: 2).")
  Integer epochs;

  @Option(names = "--batch-size", description = "Default: 128 (fast: 256).")
  Integer batchSize;

  @Option(
      names = {"--lr", "--learning-rate"},
      description = "Default: 0.001 (fast: 0.4, the one-cycle peak).")
  Double learningRate;

  @Option(
      names = "--optimizer",
      converter = ConfigConverters.Optimizer.class,
      description = "sgd, adam, adamw or rmsprop (default: adam; fast: sgd).")
  OptimizerKind optimizer;

  @Option(names = "--momentum", description = "For sgd and rmsprop (default: 0; fast: 0.9).")
  Double momentum;

  @Option(
      names = "--nesterov",
      negatable = true,
      description = "Nesterov momentum (sgd with --momentum; default: off; fast: on).")
  Boolean nesterov;

  @Option(names = "--weight-decay", description = "Default: 0 (fast: 0.0005).")
  Double weightDecay;

  @Option(
      names = "--lr-schedule",
      converter = ConfigConverters.Schedule.class,
      description = "constant, step, cosine or one-cycle (default: constant; fast: one-cycle).")
  ScheduleKind lrSchedule;

  @Option(
      names = "--lr-step-epochs",
      description = "Step schedule period (default: ${DEFAULT-VALUE}).")
  int lrStepEpochs;

  @Option(names = "--lr-gamma", description = "Step schedule factor (default: ${DEFAULT-VALUE}).")
  double lrGamma;

  @Option(names = "--seed", description = "Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(
      names = "--train-subset",
      paramLabel = "N",
      description =
          "Train on a stratified subset of N images (0 = all; default: ${DEFAULT-VALUE}).")
  int trainSubset;

  @Option(
      names = "--validation-ratio",
      description =
          "Share of training images held out for per-epoch validation (default: ${DEFAULT-VALUE}).")
  double validationRatio;

  @Option(
      names = "--device",
      converter = ConfigConverters.Device.class,
      description = "cpu, gpu or auto (default: ${DEFAULT-VALUE}).")
  DeviceChoice device;

  @Option(
      names = "--checkpoint",
      paramLabel = "FILE",
      description = "Write a checkpoint to FILE after every epoch.")
  Path checkpoint;

  @Option(names = "--resume", paramLabel = "FILE", description = "Continue from a checkpoint.")
  Path resume;

  @Option(names = "--save-model", paramLabel = "FILE", description = "Save the trained model.")
  Path saveModel;

  @Option(names = "--json", description = "Print only one JSON object with the results.")
  boolean json;

  @Override
  public Integer call() throws InterruptedException {
    TrainingConfig config = config();
    // Before the engine and the data load: the checkpoint reader's own words for a mistyped name
    // were "cannot read checkpoint x: x (was it written by Digit Lab?)".
    if (resume != null && !java.nio.file.Files.isRegularFile(resume)) {
      throw new ParameterException(
          spec.commandLine(), "--resume: there is no file " + resume + ".");
    }
    PrintWriter err = spec.commandLine().getErr();
    LoadedDataset dataset = loadDataset(config, err);
    // A --dataset-dir's size is known only now (a built-in or registered dataset's was checked
    // before its files were fetched).
    checkSubset(config, dataset.train().size());
    TrainingResult result =
        Trainer.train(
            config,
            TrainingData.from(dataset, config),
            new TrainingProgress(err, !json || System.console() != null),
            () -> false,
            new TrainingOutputs(checkpoint, resume, saveModel));
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(TrainingReport.json(result));
    } else {
      TrainingReport.print(result, out);
    }
    out.flush();
    return 0;
  }

  private TrainingConfig config() {
    TrainingConfig.Builder builder =
        TrainingConfig.builder()
            .model(model)
            .hiddenSizes(hiddenSizes)
            .channels(channels)
            .denseUnits(denseUnits)
            .activation(activation)
            .dropout(dropout)
            .batchNorm(batchNorm)
            .lrStepEpochs(lrStepEpochs)
            .lrGamma(lrGamma)
            .seed(seed)
            .trainSubset(trainSubset)
            .validationRatio(validationRatio)
            .device(device);
    // Only what was typed overrides the recipe's training defaults.
    if (epochs != null) {
      builder.epochs(epochs);
    }
    if (batchSize != null) {
      builder.batchSize(batchSize);
    }
    if (learningRate != null) {
      builder.learningRate(learningRate);
    }
    if (optimizer != null) {
      builder.optimizer(optimizer);
    }
    if (momentum != null) {
      builder.momentum(momentum);
    }
    if (nesterov != null) {
      builder.nesterov(nesterov);
    }
    if (weightDecay != null) {
      builder.weightDecay(weightDecay);
    }
    if (lrSchedule != null) {
      builder.lrSchedule(lrSchedule);
    }
    builder.dataset(datasetName());
    TrainingConfig config = builder.build();
    try {
      return config.requireValid();
    } catch (InvalidConfigException e) {
      throw new ParameterException(spec.commandLine(), describe(e.violations()));
    }
  }

  /**
   * The dataset the model records: a built-in one, or with {@code --dataset-dir} the name given
   * ({@link #LOCAL_DATASET} by default), which must not be a built-in one's.
   */
  private String datasetName() {
    boolean named = spec.commandLine().getParseResult().hasMatchedOption("--dataset");
    if (datasetDir == null) {
      if (classes != null) {
        throw new ParameterException(spec.commandLine(), "--classes applies to --dataset-dir only");
      }
      if (DatasetId.find(dataset).isEmpty() && !serverTyped()) {
        throw new ParameterException(
            spec.commandLine(),
            "--dataset: Unknown dataset '"
                + dataset
                + "': the built-in ones are "
                + String.join(", ", DatasetId.names())
                + ". To train on your own IDX files, give their folder with --dataset-dir DIR;"
                + " for a dataset registered on a server ('digitlab data add'), add --server URL"
                + " to fetch it.");
      }
      return dataset;
    }
    if (dataDir != null) {
      throw new ParameterException(
          spec.commandLine(),
          "--data-dir is where a built-in dataset's files are fetched to; --dataset-dir is your"
              + " own dataset's folder: give one of them");
    }
    if (!named) {
      return LOCAL_DATASET;
    }
    if (DatasetId.find(dataset).isPresent()) {
      throw new ParameterException(
          spec.commandLine(),
          "--dataset "
              + dataset
              + " is a built-in dataset, but --dataset-dir trains on your own files: name them"
              + " otherwise (or leave --dataset out), or use --data-dir DIR for "
              + dataset
              + "'s files");
    }
    return dataset;
  }

  private boolean serverTyped() {
    return spec.commandLine().getParseResult().hasMatchedOption("--server");
  }

  /** The four files of {@code --dataset-dir}, checked as {@code data add} checks them. */
  private LoadedDataset ownDataset(PrintWriter err) {
    int n = classes == null ? 10 : classes;
    try {
      LoadedDataset read = RegisteredDataset.check(RegisteredDataset.filesIn(datasetDir), n);
      err.println(
          "Dataset "
              + datasetDir
              + ": "
              + read.train().size()
              + " training and "
              + read.test().size()
              + " test images, "
              + n
              + " classes");
      return read;
    } catch (DatasetException e) {
      throw new ParameterException(spec.commandLine(), "--dataset-dir: " + e.getMessage());
    }
  }

  /**
   * Refuses a {@code --train-subset} larger than the dataset's training set, in the words the
   * server refuses such an experiment with: it would train on every image without a word.
   */
  private void checkSubset(TrainingConfig config, int trainImages) {
    String subset = TrainingData.subsetProblem(config.trainSubset(), trainImages, config.dataset());
    if (subset != null) {
      throw new ParameterException(spec.commandLine(), "--train-subset " + subset);
    }
  }

  private LoadedDataset loadDataset(TrainingConfig config, PrintWriter err)
      throws InterruptedException {
    if (datasetDir != null) {
      return ownDataset(err);
    }
    if (DatasetId.find(config.dataset()).isEmpty()) {
      try {
        ServerDataset registered = ServerDataset.describe(server.client(), config.dataset());
        registered.trainImages().ifPresent(images -> checkSubset(config, images));
        return registered.fetch(home.dataHome().path(), err);
      } catch (java.io.IOException e) {
        throw new IllegalStateException(
            "dataset " + config.dataset() + " from " + server.server + ": " + e.getMessage(), e);
      }
    }
    DatasetId id = DatasetId.byName(config.dataset());
    // Fixed by the files' digests: refused before anything is fetched or read.
    checkSubset(config, id.trainImages());
    DatasetFetcher fetcher = DatasetFetcher.create(new FetchProgress(err));
    if (dataDir != null) {
      fetcher.fetch(id.spec(), dataDir);
      return LoadedDataset.read(id.spec(), dataDir);
    }
    return new DatasetStore(home.dataHome().path(), fetcher).load(id);
  }

  private static String describe(List<ConfigViolation> violations) {
    return violations.stream()
        .map(v -> OPTION_OF_FIELD.getOrDefault(baseField(v.field()), v.field()) + " " + v.message())
        .collect(Collectors.joining("; "));
  }

  private static String baseField(String field) {
    int bracket = field.indexOf('[');
    return bracket < 0 ? field : field.substring(0, bracket);
  }
}
