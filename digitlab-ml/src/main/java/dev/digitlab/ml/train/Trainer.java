package dev.digitlab.ml.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.model.NetworkBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * Trains one config on CPU or GPU with DJL's PyTorch engine: a plain function from config and data
 * to a {@link TrainingResult}, reporting through a {@link TrainingListener}.
 *
 * <p>Determinism: weights are initialised from {@code seed}; before each epoch libtorch is reseeded
 * and the shuffle drawn from {@code (seed, epoch)}. So the same config on the same machine and
 * thread count gives the same metrics, and a run resumed from the checkpoint after epoch k is the
 * uninterrupted run from then on: a checkpoint needs no generator state.
 */
public final class Trainer {

  private static final String ENGINE = "PyTorch";

  /** Sampled per-step losses kept per epoch, for curves. */
  private static final int LOSS_SAMPLES_PER_EPOCH = 50;

  private final TrainingConfig config;
  private final TrainingData data;
  private final TrainingListener listener;
  private final BooleanSupplier cancelled;
  private final TrainingOutputs outputs;

  private Trainer(
      TrainingConfig config,
      TrainingData data,
      TrainingListener listener,
      BooleanSupplier cancelled,
      TrainingOutputs outputs) {
    this.config = config.requireValid();
    this.data = data;
    this.listener = listener;
    this.cancelled = cancelled;
    this.outputs = outputs;
  }

  /** Trains without checkpoints or cancellation. */
  public static TrainingResult train(
      TrainingConfig config, TrainingData data, TrainingListener listener) {
    return train(config, data, listener, () -> false, TrainingOutputs.NONE);
  }

  /**
   * Trains {@code config} on {@code data}.
   *
   * @param cancelled polled between batches; when it turns true the run stops with a {@link
   *     TrainingCancelledException}
   * @throws InvalidConfigException when the config breaks a rule
   */
  public static TrainingResult train(
      TrainingConfig config,
      TrainingData data,
      TrainingListener listener,
      BooleanSupplier cancelled,
      TrainingOutputs outputs) {
    return new Trainer(config, data, listener, cancelled, outputs).run();
  }

  private TrainingResult run() {
    Engine engine = Engine.getEngine(ENGINE);
    Device device = DeviceResolver.resolve(config.device(), engine);
    engine.setRandomSeed(torchSeed(config.seed(), -1));
    ImageSet train = data.train();
    Block block = NetworkBuilder.build(config.modelSpec());
    // Uniform ±1/√fan_in: PyTorch's default weight init, for accuracy parity with the reference.
    block.setInitializer(
        new XavierInitializer(
            XavierInitializer.RandomType.UNIFORM, XavierInitializer.FactorType.IN, 1f),
        Parameter.Type.WEIGHT);
    try (NDManager root = NDManager.newBaseManager(device, ENGINE)) {
      block.initialize(root, DataType.FLOAT32, new Shape(1, 1, train.rows(), train.cols()));
      initialiseBiases(block, root);
      CheckpointFile.Loaded checkpoint =
          outputs.resumeFrom() == null
              ? null
              : CheckpointFile.read(outputs.resumeFrom(), block, root);
      List<NDArray> weights = new ArrayList<>();
      for (Parameter parameter : block.getParameters().values()) {
        if (parameter.requiresGradient()) {
          // Loaded parameters are new arrays that libtorch does not track gradients for yet.
          parameter.getArray().setRequiresGradient(true);
          weights.add(parameter.getArray());
        }
      }
      try (Optimizer optimizer = Optimizer.create(config, weights, root)) {
        return train(engine, device, block, root, weights, optimizer, checkpoint);
      }
    }
  }

  private TrainingResult train(
      Engine engine,
      Device device,
      Block block,
      NDManager root,
      List<NDArray> weights,
      Optimizer optimizer,
      CheckpointFile.Loaded checkpoint) {
    ImageSet train = data.train();
    int stepsPerEpoch = (train.size() + config.batchSize() - 1) / config.batchSize();
    Progress progress = checkpoint == null ? new Progress() : resume(checkpoint, optimizer);
    int threads = JniUtils.getNumThreads();
    listener.onStart(
        new TrainingPlan(
            config.epochs(),
            progress.epochsCompleted,
            stepsPerEpoch,
            train.size(),
            data.validation() == null ? 0 : data.validation().size(),
            data.test().size(),
            device.toString(),
            threads));
    EpochLoop loop =
        new EpochLoop(
            engine,
            block,
            new ParameterStore(root, false),
            optimizer,
            weights,
            LearningRateSchedule.of(config, stepsPerEpoch),
            new BatchFeeder(train, config.batchSize(), root),
            root);
    Evaluator evaluator = new Evaluator(block, root);
    for (int epoch = progress.epochsCompleted; epoch < config.epochs(); epoch++) {
      engine.setRandomSeed(torchSeed(config.seed(), epoch));
      EpochMetrics metrics = loop.run(epoch, progress, evaluator);
      progress.history.add(metrics);
      progress.epochsCompleted = epoch + 1;
      listener.onEpoch(metrics);
      listener.onLog(describe(metrics));
      if (outputs.checkpointFile() != null) {
        try (NDManager scratch = root.newSubManager()) {
          CheckpointFile.write(
              outputs.checkpointFile(),
              progress.header(config),
              block,
              optimizer.saveState(scratch));
        }
        listener.onCheckpoint(outputs.checkpointFile(), progress.epochsCompleted);
      }
    }
    TestMetrics test = evaluator.test(data.test());
    listener.onTest(test);
    if (outputs.modelFile() != null) {
      CheckpointFile.write(outputs.modelFile(), progress.header(config), block, null);
    }
    double trainSeconds = progress.history.stream().mapToDouble(EpochMetrics::seconds).sum();
    long images = (long) progress.history.size() * train.size();
    return new TrainingResult(
        config,
        device.toString(),
        threads,
        "DJL " + Engine.getDjlVersion() + " / PyTorch " + engine.getVersion(),
        progress.history,
        progress.stepLosses,
        test,
        trainSeconds,
        trainSeconds > 0 ? images / trainSeconds : 0,
        progress.resumedFrom);
  }

  private Progress resume(CheckpointFile.Loaded loaded, Optimizer optimizer) {
    CheckpointHeader header = loaded.header();
    ResumeCompatibility.check(outputs.resumeFrom(), header.config(), config);
    if (loaded.optimizerState() != null) {
      optimizer.restoreState(loaded.optimizerState());
      loaded.optimizerState().close();
    }
    Progress p = new Progress();
    p.epochsCompleted = header.epochsCompleted();
    p.resumedFrom = header.epochsCompleted();
    p.globalStep = header.globalStep();
    p.history.addAll(header.history());
    p.stepLosses.addAll(header.stepLosses());
    listener.onLog(
        "resumed from "
            + outputs.resumeFrom()
            + " after epoch "
            + p.epochsCompleted
            + " (step "
            + p.globalStep
            + ")");
    return p;
  }

  /**
   * PyTorch draws each layer's bias from ±1/√fan_in where DJL starts at zero; matching it keeps
   * accuracy on par with the reference for the same recipe. Parameters come in layer order, so a
   * bias belongs to the weight just before it.
   */
  private static void initialiseBiases(Block block, NDManager manager) {
    NDArray lastWeight = null;
    for (Parameter parameter : block.getParameters().values()) {
      if (parameter.getType() == Parameter.Type.WEIGHT) {
        lastWeight = parameter.getArray();
      } else if (parameter.getType() == Parameter.Type.BIAS && lastWeight != null) {
        Shape shape = lastWeight.getShape();
        float bound = (float) (1 / Math.sqrt(shape.size() / (double) shape.get(0)));
        NDArray bias = parameter.getArray();
        try (NDArray values = manager.randomUniform(-bound, bound, bias.getShape())) {
          values.copyTo(bias);
        }
      }
    }
  }

  /** libtorch seed for the weight init ({@code epoch = -1}) and for each epoch's dropout. */
  static int torchSeed(long seed, int epoch) {
    return new SplittableRandom(seed * 31 + epoch).nextInt(Integer.MAX_VALUE);
  }

  /** The shuffle of epoch {@code epoch}: a fresh permutation, as the recipes ask. */
  static int[] permutation(int n, long seed, int epoch) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed * 1_000_003L + epoch);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  private static String describe(EpochMetrics m) {
    String validation =
        m.validationAccuracy() == null
            ? ""
            : String.format(
                " val_loss=%.4f val_acc=%.4f", m.validationLoss(), m.validationAccuracy());
    return String.format(
        "epoch %d: loss=%.4f acc=%.4f%s %.0f img/s %.1fs",
        m.epoch(), m.trainLoss(), m.trainAccuracy(), validation, m.imagesPerSecond(), m.seconds());
  }

  /**
   * Mean softmax cross-entropy of a batch, in four libtorch calls (DJL's loss builds an index
   * expression per batch, which costs more than the arithmetic on small models).
   */
  static NDArray crossEntropy(NDArray logits, NDArray labels) {
    return logits.logSoftmax(1).gather(labels.reshape(-1, 1), 1).mean().neg();
  }

  /** How far the run is; what a checkpoint stores besides arrays. */
  private static final class Progress {
    int epochsCompleted;
    int resumedFrom;
    long globalStep;
    final List<EpochMetrics> history = new ArrayList<>();
    final List<StepLoss> stepLosses = new ArrayList<>();

    CheckpointHeader header(TrainingConfig config) {
      return new CheckpointHeader(
          CheckpointFile.FORMAT, config, epochsCompleted, globalStep, history, stepLosses);
    }
  }

  /** One epoch's batches. The step is its own small method so that the JIT compiles it early. */
  private final class EpochLoop {
    private final Engine engine;
    private final Block block;
    private final ParameterStore parameters;
    private final Optimizer optimizer;
    private final List<NDArray> weights;
    private final LearningRateSchedule schedule;
    private final BatchFeeder feeder;
    private final NDManager root;
    private long correct;

    EpochLoop(
        Engine engine,
        Block block,
        ParameterStore parameters,
        Optimizer optimizer,
        List<NDArray> weights,
        LearningRateSchedule schedule,
        BatchFeeder feeder,
        NDManager root) {
      this.engine = engine;
      this.block = block;
      this.parameters = parameters;
      this.optimizer = optimizer;
      this.weights = weights;
      this.schedule = schedule;
      this.feeder = feeder;
      this.root = root;
    }

    EpochMetrics run(int epoch, Progress progress, Evaluator evaluator) {
      ImageSet train = data.train();
      int n = train.size();
      int batch = config.batchSize();
      int[] order = permutation(n, config.seed(), epoch);
      int steps = (n + batch - 1) / batch;
      int sampleEvery = Math.max(1, steps / LOSS_SAMPLES_PER_EPOCH);
      double lossSum = 0;
      correct = 0;
      float rate = 0;
      long start = System.nanoTime();
      for (int s = 0; s < steps; s++) {
        if (cancelled.getAsBoolean()) {
          throw new TrainingCancelledException(progress.epochsCompleted);
        }
        int from = s * batch;
        int size = Math.min(batch, n - from);
        rate = (float) schedule.rateAt(progress.globalStep);
        progress.globalStep++;
        float batchLoss = step(order, from, size, rate, progress.globalStep);
        lossSum += batchLoss * (double) size;
        if (s % sampleEvery == 0 || s == steps - 1) {
          StepLoss sample = new StepLoss(progress.globalStep, epoch + 1, batchLoss);
          progress.stepLosses.add(sample);
          listener.onStepLoss(sample);
        }
        listener.onStep(
            new StepProgress(
                epoch + 1,
                s + 1,
                progress.globalStep,
                from + size,
                batchLoss,
                (System.nanoTime() - start) / 1e9));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Evaluator.Outcome validation =
          data.validation() == null || data.validation().size() == 0
              ? null
              : evaluator.evaluate(data.validation());
      return new EpochMetrics(
          epoch + 1,
          lossSum / n,
          correct / (double) n,
          validation == null ? null : validation.loss(),
          validation == null ? null : validation.accuracy(),
          seconds,
          n / seconds,
          rate);
    }

    private float step(int[] order, int from, int size, float rate, long t) {
      try (NDManager batch = root.newSubManager()) {
        BatchFeeder.Batch inputs = feeder.batch(batch, order, from, size);
        NDArray logits;
        NDArray batchLoss;
        try (GradientCollector collector = engine.newGradientCollector()) {
          logits = block.forward(parameters, new NDList(inputs.images()), true).singletonOrThrow();
          batchLoss = crossEntropy(logits, inputs.labels());
          collector.backward(batchLoss);
        }
        List<NDArray> gradients = new ArrayList<>(weights.size());
        for (NDArray weight : weights) {
          NDArray gradient = weight.getGradient();
          gradient.attach(batch);
          gradients.add(gradient);
        }
        optimizer.step(weights, gradients, rate, t);
        correct += logits.argMax(1).eq(inputs.labels()).sum().getLong();
        return batchLoss.getFloat();
      }
    }
  }
}
