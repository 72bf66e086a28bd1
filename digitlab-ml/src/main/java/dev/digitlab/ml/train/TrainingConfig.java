package dev.digitlab.ml.train;

import dev.digitlab.ml.model.Activation;
import dev.digitlab.ml.model.CnnSpec;
import dev.digitlab.ml.model.FastSpec;
import dev.digitlab.ml.model.LeNet5Spec;
import dev.digitlab.ml.model.MlpSpec;
import dev.digitlab.ml.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonPOJOBuilder;

/**
 * Every hyperparameter of a training run. Field names are the API's (camelCase); fields left out of
 * a JSON or YAML document take the defaults of {@link #builder()}. Architecture fields that do not
 * apply to the chosen model must stay unset, so a typo never silently does nothing.
 *
 * @param hiddenSizes MLP hidden layer sizes; null means the recipe's [256, 128]
 * @param channels CNN convolution channels; null means the recipe's [32, 64]
 * @param denseUnits CNN dense layer units; null means the recipe's 128
 * @param trainSubset stratified subset of the training images; 0 means all of them
 * @param validationRatio share of the training images held out for per-epoch validation
 */
@JsonDeserialize(builder = TrainingConfig.Builder.class)
public record TrainingConfig(
    String dataset,
    ModelKind model,
    List<Integer> hiddenSizes,
    List<Integer> channels,
    Integer denseUnits,
    Activation activation,
    double dropout,
    boolean batchNorm,
    int epochs,
    int batchSize,
    double learningRate,
    OptimizerKind optimizer,
    double momentum,
    boolean nesterov,
    double weightDecay,
    ScheduleKind lrSchedule,
    int lrStepEpochs,
    double lrGamma,
    long seed,
    int trainSubset,
    double validationRatio,
    DeviceChoice device) {

  /**
   * The fast recipe's training defaults (bench/README.md#the-fast-recipe): SGD with Nesterov
   * momentum and weight decay, a one-cycle learning rate, large batches, two epochs.
   */
  public static final int FAST_EPOCHS = 2;

  public static final int FAST_BATCH_SIZE = 256;
  public static final double FAST_LEARNING_RATE = 0.4;
  public static final OptimizerKind FAST_OPTIMIZER = OptimizerKind.SGD;
  public static final double FAST_MOMENTUM = 0.9;
  public static final boolean FAST_NESTEROV = true;
  public static final double FAST_WEIGHT_DECAY = 5e-4;
  public static final ScheduleKind FAST_LR_SCHEDULE = ScheduleKind.ONE_CYCLE;

  /** The fields a fast config takes from the recipe when they are not given. */
  static final List<String> FAST_RECIPE_FIELDS =
      List.of(
          "epochs",
          "batchSize",
          "learningRate",
          "optimizer",
          "momentum",
          "nesterov",
          "weightDecay",
          "lrSchedule");

  /** Largest seed accepted: libtorch is seeded with an {@code int}. */
  public static final long MAX_SEED = Integer.MAX_VALUE;

  // The bounds violations() checks; RULES states them in words from these same constants.
  private static final int MAX_HIDDEN_LAYERS = 16;
  private static final int MAX_UNITS = 65_536;
  private static final int MAX_CONV_LAYERS = 8;
  private static final int MAX_CHANNELS = 1024;
  private static final int MAX_EPOCHS = 1000;
  private static final int MAX_BATCH = 65_536;
  private static final double MAX_LEARNING_RATE = 10;
  private static final int MAX_TRAIN_SUBSET = 10_000_000;
  private static final double MAX_VALIDATION_RATIO = 0.5;

  /**
   * What each field accepts, in words, by API field name: the rules of {@link #violations()} stated
   * once, for forms and help texts (the web form's hints). Fields without a rule are absent.
   */
  public static final Map<String, String> RULES =
      Map.ofEntries(
          Map.entry("dataset", "a dataset name: mnist or fashion-mnist (fetched on first use)"),
          Map.entry(
              "model",
              "fast: 99.2% on MNIST in 2 epochs, seconds on a CPU (SGD, one-cycle, batch 256);"
                  + " mlp, cnn, lenet5: the PyTorch benchmark recipes (Adam 1e-3, batch 128)"),
          Map.entry(
              "hiddenSizes",
              "mlp only: 1–"
                  + MAX_HIDDEN_LAYERS
                  + " layer sizes of 1–"
                  + MAX_UNITS
                  + ", e.g. 256, 128"),
          Map.entry(
              "channels",
              "cnn only: 1–"
                  + MAX_CONV_LAYERS
                  + " channel counts of 1–"
                  + MAX_CHANNELS
                  + ", e.g. 32, 64"),
          Map.entry("denseUnits", "cnn only: 1–" + MAX_UNITS),
          Map.entry("activation", "relu for lenet5"),
          Map.entry("batchNorm", "cnn only"),
          Map.entry("dropout", "0 ≤ dropout < 1; 0 for lenet5"),
          Map.entry("epochs", "1–" + MAX_EPOCHS),
          Map.entry("batchSize", "1–" + MAX_BATCH),
          Map.entry("learningRate", "> 0 and ≤ " + number(MAX_LEARNING_RATE)),
          Map.entry("momentum", "0 ≤ m < 1; sgd and rmsprop only"),
          Map.entry("nesterov", "sgd with momentum > 0"),
          Map.entry("weightDecay", "0–1"),
          Map.entry("lrStepEpochs", "1–" + MAX_EPOCHS + " (step schedule)"),
          Map.entry("lrGamma", "> 0 and ≤ 1"),
          Map.entry("seed", "0–" + MAX_SEED),
          Map.entry(
              "trainSubset",
              "0 = every training image, else " + ModelSpec.CLASSES + "–" + MAX_TRAIN_SUBSET),
          Map.entry(
              "validationRatio",
              "share held out for validation, 0–" + number(MAX_VALIDATION_RATIO)));

  public TrainingConfig {
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(activation, "activation");
    Objects.requireNonNull(optimizer, "optimizer");
    Objects.requireNonNull(lrSchedule, "lrSchedule");
    Objects.requireNonNull(device, "device");
    hiddenSizes = hiddenSizes == null ? null : List.copyOf(hiddenSizes);
    channels = channels == null ? null : List.copyOf(channels);
  }

  /** A builder holding the defaults: the {@code mlp} recipe, one epoch, Adam 1e-3, batch 128. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The rules this config breaks; empty when it is valid. */
  public List<ConfigViolation> violations() {
    List<ConfigViolation> v = new ArrayList<>();
    if (!dataset.matches("[a-z0-9][a-z0-9-]{0,63}")) {
      v.add(
          new ConfigViolation(
              "dataset", "must be a dataset name like mnist, got '" + dataset + "'"));
    }
    checkSizes(v, "hiddenSizes", hiddenSizes, ModelKind.MLP, MAX_HIDDEN_LAYERS, MAX_UNITS);
    checkSizes(v, "channels", channels, ModelKind.CNN, MAX_CONV_LAYERS, MAX_CHANNELS);
    if (denseUnits != null) {
      if (model != ModelKind.CNN) {
        v.add(new ConfigViolation("denseUnits", "applies to model cnn only"));
      } else {
        range(v, "denseUnits", denseUnits, 1, MAX_UNITS);
      }
    }
    if (batchNorm && model != ModelKind.CNN) {
      v.add(
          new ConfigViolation(
              "batchNorm",
              model == ModelKind.FAST
                  ? "is built into the fast recipe; leave it unset"
                  : "applies to model cnn only"));
    }
    boolean fixedNetwork = model == ModelKind.LENET5 || model == ModelKind.FAST;
    String recipe = model.configName();
    if (fixedNetwork && dropout != 0) {
      v.add(
          new ConfigViolation(
              "dropout", "is fixed at 0 by the " + recipe + " recipe; use mlp or cnn"));
    }
    if (fixedNetwork && activation != Activation.RELU) {
      v.add(
          new ConfigViolation("activation", "is fixed at relu by " + recipe + "; use mlp or cnn"));
    }
    halfOpen(v, "dropout", dropout, 0, 1);
    range(v, "epochs", epochs, 1, MAX_EPOCHS);
    range(v, "batchSize", batchSize, 1, MAX_BATCH);
    if (!(learningRate > 0 && learningRate <= MAX_LEARNING_RATE)) {
      v.add(
          new ConfigViolation(
              "learningRate",
              "must be > 0 and ≤ " + number(MAX_LEARNING_RATE) + ", got " + learningRate));
    }
    halfOpen(v, "momentum", momentum, 0, 1);
    if (momentum != 0 && optimizer != OptimizerKind.SGD && optimizer != OptimizerKind.RMSPROP) {
      v.add(new ConfigViolation("momentum", "applies to optimizers sgd and rmsprop only"));
    }
    if (nesterov && (optimizer != OptimizerKind.SGD || momentum == 0)) {
      v.add(new ConfigViolation("nesterov", "needs optimizer sgd with momentum > 0"));
    }
    if (!(weightDecay >= 0 && weightDecay <= 1)) {
      v.add(new ConfigViolation("weightDecay", "must be between 0 and 1, got " + weightDecay));
    }
    range(v, "lrStepEpochs", lrStepEpochs, 1, MAX_EPOCHS);
    if (!(lrGamma > 0 && lrGamma <= 1)) {
      v.add(new ConfigViolation("lrGamma", "must be > 0 and ≤ 1, got " + lrGamma));
    }
    if (seed < 0 || seed > MAX_SEED) {
      v.add(new ConfigViolation("seed", "must be between 0 and " + MAX_SEED + ", got " + seed));
    }
    if (trainSubset != 0) {
      range(v, "trainSubset", trainSubset, ModelSpec.CLASSES, MAX_TRAIN_SUBSET);
    }
    if (!(validationRatio >= 0 && validationRatio <= MAX_VALIDATION_RATIO)) {
      v.add(
          new ConfigViolation(
              "validationRatio",
              "must be between 0 and "
                  + number(MAX_VALIDATION_RATIO)
                  + ", got "
                  + validationRatio));
    }
    return v;
  }

  /** Returns this config, or throws an {@link InvalidConfigException} listing every violation. */
  public TrainingConfig requireValid() {
    List<ConfigViolation> v = violations();
    if (!v.isEmpty()) {
      throw new InvalidConfigException(v);
    }
    return this;
  }

  /** The architecture this config trains. */
  public ModelSpec modelSpec() {
    return switch (model) {
      case MLP ->
          new MlpSpec(
              hiddenSizes == null ? MlpSpec.RECIPE.hiddenSizes() : hiddenSizes,
              activation,
              dropout);
      case CNN ->
          new CnnSpec(
              channels == null ? CnnSpec.RECIPE.channels() : channels,
              denseUnits == null ? CnnSpec.RECIPE.denseUnits() : denseUnits,
              activation,
              batchNorm,
              dropout);
      case LENET5 -> new LeNet5Spec();
      case FAST -> FastSpec.RECIPE;
    };
  }

  private void checkSizes(
      List<ConfigViolation> v,
      String field,
      List<Integer> sizes,
      ModelKind owner,
      int maxLayers,
      int maxUnits) {
    if (sizes == null) {
      return;
    }
    if (model != owner) {
      v.add(new ConfigViolation(field, "applies to model " + owner.configName() + " only"));
      return;
    }
    if (sizes.isEmpty() || sizes.size() > maxLayers) {
      v.add(
          new ConfigViolation(
              field, "must list 1 to " + maxLayers + " layer sizes, got " + sizes.size()));
      return;
    }
    for (int i = 0; i < sizes.size(); i++) {
      Integer size = sizes.get(i);
      if (size == null || size < 1 || size > maxUnits) {
        v.add(
            new ConfigViolation(
                field + "[" + i + "]", "must be between 1 and " + maxUnits + ", got " + size));
      }
    }
  }

  private static void range(List<ConfigViolation> v, String field, long value, long min, long max) {
    if (value < min || value > max) {
      v.add(
          new ConfigViolation(field, "must be between " + min + " and " + max + ", got " + value));
    }
  }

  /** 10 as "10", 0.5 as "0.5": bounds as people write them. */
  private static String number(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  private static void halfOpen(
      List<ConfigViolation> v, String field, double value, double min, double max) {
    if (!(value >= min && value < max)) {
      v.add(new ConfigViolation(field, "must be ≥ " + min + " and < " + max + ", got " + value));
    }
  }

  /** Mutable builder with the defaults; also what Jackson uses to read configs. */
  @JsonPOJOBuilder(withPrefix = "")
  public static final class Builder {
    private String dataset = "mnist";
    private ModelKind model = ModelKind.MLP;
    private List<Integer> hiddenSizes;
    private List<Integer> channels;
    private Integer denseUnits;
    private Activation activation = Activation.RELU;
    private double dropout;
    private boolean batchNorm;
    private int epochs = 1;
    private int batchSize = 128;
    private double learningRate = 1e-3;
    private OptimizerKind optimizer = OptimizerKind.ADAM;
    private double momentum;
    private boolean nesterov;
    private double weightDecay;
    private ScheduleKind lrSchedule = ScheduleKind.CONSTANT;
    private int lrStepEpochs = 1;
    private double lrGamma = 0.5;
    private long seed;
    private int trainSubset;
    private double validationRatio;
    private DeviceChoice device = DeviceChoice.AUTO;

    /**
     * The training hyperparameters given explicitly. A recipe with training defaults of its own
     * (the fast one) fills in the others; a config read back from storage has all of them.
     */
    private final java.util.Set<String> explicit = new java.util.HashSet<>();

    Builder() {}

    Builder(TrainingConfig c) {
      dataset = c.dataset;
      model = c.model;
      hiddenSizes = c.hiddenSizes;
      channels = c.channels;
      denseUnits = c.denseUnits;
      activation = c.activation;
      dropout = c.dropout;
      batchNorm = c.batchNorm;
      epochs = c.epochs;
      batchSize = c.batchSize;
      learningRate = c.learningRate;
      optimizer = c.optimizer;
      momentum = c.momentum;
      nesterov = c.nesterov;
      weightDecay = c.weightDecay;
      lrSchedule = c.lrSchedule;
      lrStepEpochs = c.lrStepEpochs;
      lrGamma = c.lrGamma;
      seed = c.seed;
      trainSubset = c.trainSubset;
      validationRatio = c.validationRatio;
      device = c.device;
      explicit.addAll(FAST_RECIPE_FIELDS);
    }

    public Builder dataset(String v) {
      dataset = v;
      return this;
    }

    public Builder model(ModelKind v) {
      model = v;
      return this;
    }

    public Builder hiddenSizes(List<Integer> v) {
      hiddenSizes = v;
      return this;
    }

    public Builder channels(List<Integer> v) {
      channels = v;
      return this;
    }

    public Builder denseUnits(Integer v) {
      denseUnits = v;
      return this;
    }

    public Builder activation(Activation v) {
      activation = v;
      return this;
    }

    public Builder dropout(double v) {
      dropout = v;
      return this;
    }

    public Builder batchNorm(boolean v) {
      batchNorm = v;
      return this;
    }

    public Builder epochs(int v) {
      epochs = v;
      explicit.add("epochs");
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      explicit.add("batchSize");
      return this;
    }

    public Builder learningRate(double v) {
      learningRate = v;
      explicit.add("learningRate");
      return this;
    }

    public Builder optimizer(OptimizerKind v) {
      optimizer = v;
      explicit.add("optimizer");
      return this;
    }

    public Builder momentum(double v) {
      momentum = v;
      explicit.add("momentum");
      return this;
    }

    public Builder nesterov(boolean v) {
      nesterov = v;
      explicit.add("nesterov");
      return this;
    }

    public Builder weightDecay(double v) {
      weightDecay = v;
      explicit.add("weightDecay");
      return this;
    }

    public Builder lrSchedule(ScheduleKind v) {
      lrSchedule = v;
      explicit.add("lrSchedule");
      return this;
    }

    public Builder lrStepEpochs(int v) {
      lrStepEpochs = v;
      return this;
    }

    public Builder lrGamma(double v) {
      lrGamma = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder trainSubset(int v) {
      trainSubset = v;
      return this;
    }

    public Builder validationRatio(double v) {
      validationRatio = v;
      return this;
    }

    public Builder device(DeviceChoice v) {
      device = v;
      return this;
    }

    /**
     * The config; call {@link TrainingConfig#requireValid()} to check its values. With model {@code
     * fast}, the training hyperparameters not given explicitly take the fast recipe's values (see
     * {@link #FAST_RECIPE_FIELDS}) instead of the mlp recipe's.
     */
    public TrainingConfig build() {
      boolean fast = model == ModelKind.FAST;
      OptimizerKind chosen = recipe(fast, "optimizer", FAST_OPTIMIZER, optimizer);
      // Momentum and Nesterov are the recipe's only with the recipe's optimizer, so that
      // `model: fast, optimizer: adam` is a valid config.
      boolean sgd = chosen == FAST_OPTIMIZER;
      return new TrainingConfig(
          dataset,
          model,
          hiddenSizes,
          channels,
          denseUnits,
          activation,
          dropout,
          batchNorm,
          recipe(fast, "epochs", FAST_EPOCHS, epochs),
          recipe(fast, "batchSize", FAST_BATCH_SIZE, batchSize),
          recipe(fast, "learningRate", FAST_LEARNING_RATE, learningRate),
          chosen,
          recipe(fast && sgd, "momentum", FAST_MOMENTUM, momentum),
          recipe(fast && sgd, "nesterov", FAST_NESTEROV, nesterov),
          recipe(fast, "weightDecay", FAST_WEIGHT_DECAY, weightDecay),
          recipe(fast, "lrSchedule", FAST_LR_SCHEDULE, lrSchedule),
          lrStepEpochs,
          lrGamma,
          seed,
          trainSubset,
          validationRatio,
          device);
    }

    private <T> T recipe(boolean applies, String field, T recipeValue, T value) {
      return applies && !explicit.contains(field) ? recipeValue : value;
    }
  }
}
