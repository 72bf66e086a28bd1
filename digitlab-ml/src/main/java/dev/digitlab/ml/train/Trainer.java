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
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.model.FastSpec;
import dev.digitlab.ml.model.GlobalGenerator;
import dev.digitlab.ml.model.NetworkBuilder;
import dev.digitlab.ml.model.SeededDropout;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Trains one config on CPU or GPU with DJL's PyTorch engine: a plain function from config and data
 * to a {@link TrainingResult}, reporting through a {@link TrainingListener}.
 *
 * <p>Determinism: weights are initialised and the shuffles drawn from {@code seed} as {@link
 * RandomStream} describes, dropout masks from {@code (seed, step, layer)}. So the same config on
 * the same machine and thread count gives the same metrics, also while other trials train in the
 * same JVM, and a run resumed from the checkpoint after epoch k is the uninterrupted run from then
 * on: a checkpoint needs no generator state.
 */
public final class Trainer {

  static final String ENGINE = "PyTorch";

  /** Sampled per-step losses kept per epoch, for curves. */
  private static final int LOSS_SAMPLES_PER_EPOCH = 50;

  private final TrainingConfig config;
  private final TrainingData data;
  private final TrainingListener listener;
  private final BooleanSupplier cancelled;
  private final TrainingOutputs outputs;

  /** Null: the run's own {@link ThreadTuner#forRun}. */
  private final StepThreads stepThreads;

  private Trainer(
      TrainingConfig config,
      TrainingData data,
      TrainingListener listener,
      BooleanSupplier cancelled,
      TrainingOutputs outputs,
      StepThreads stepThreads) {
    this.config = config.requireValid();
    this.data = data;
    this.listener = listener;
    this.cancelled = cancelled;
    this.outputs = outputs;
    this.stepThreads = stepThreads;
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
    return new Trainer(config, data, listener, cancelled, outputs, null).run();
  }

  /** Trains with {@code stepThreads} choosing the steps' thread count (for tests). */
  static TrainingResult train(TrainingConfig config, TrainingData data, StepThreads stepThreads) {
    return new Trainer(
            config, data, TrainingListener.NONE, () -> false, TrainingOutputs.NONE, stepThreads)
        .run();
  }

  private TrainingResult run() {
    Engine engine = Engine.getEngine(ENGINE);
    Device device = DeviceResolver.resolve(config.device(), engine);
    ImageSet train = data.train();
    // A resumed run keeps its checkpoint's format, and with it the layer order its parameters need.
    int format =
        outputs.resumeFrom() == null
            ? CheckpointFile.FORMAT
            : CheckpointFile.readHeader(outputs.resumeFrom()).format();
    Block block = NetworkBuilder.build(CheckpointHeader.modelSpec(format, config));
    RandomStream random = new RandomStream(engine, config);
    try (NDManager root = NDManager.newBaseManager(device, ENGINE)) {
      // DJL's initialisers draw from the global generator too (then overwritten, see below).
      GlobalGenerator.run(
          () ->
              block.initialize(
                  root, DataType.FLOAT32, new Shape(1, 1, train.rows(), train.cols())));
      random.initialise(block, root);
      CheckpointFile.Loaded checkpoint =
          outputs.resumeFrom() == null
              ? null
              : CheckpointFile.read(outputs.resumeFrom(), block, root);
      List<Parameter> trainable = new ArrayList<>();
      for (Parameter parameter : block.getParameters().values()) {
        if (parameter.requiresGradient()) {
          trainable.add(parameter);
        }
      }
      FlatParameters parameters = new FlatParameters(trainable, root);
      try (Optimizer optimizer = Optimizer.create(config, List.of(parameters.weights()), root)) {
        return train(engine, device, block, root, parameters, optimizer, checkpoint, random);
      }
    }
  }

  private TrainingResult train(
      Engine engine,
      Device device,
      Block block,
      NDManager root,
      FlatParameters parameters,
      Optimizer optimizer,
      CheckpointFile.Loaded checkpoint,
      RandomStream random) {
    ImageSet train = data.train();
    int stepsPerEpoch = (train.size() + config.batchSize() - 1) / config.batchSize();
    Progress progress =
        checkpoint == null ? new Progress(CheckpointFile.FORMAT) : resume(checkpoint, optimizer);
    random.skipEpochs(progress.epochsCompleted, train.size(), root);
    int threads = JniUtils.getNumThreads();
    boolean channelsLast = NetworkBuilder.prefersChannelsLast(config.modelSpec());
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
    LearningRateSchedule schedule = LearningRateSchedule.of(config, stepsPerEpoch);
    EpochLoop loop =
        new EpochLoop(
            engine,
            block,
            parameters,
            optimizer,
            schedule,
            new BatchFeeder(train, config.batchSize(), channelsLast, root),
            random,
            root);
    Evaluator evaluator = new Evaluator(block, parameters, channelsLast, root);
    StepThreads tuner =
        stepThreads != null
            ? stepThreads
            : ThreadTuner.forRun(!device.isGpu(), channelsLast, threads);
    // Closing gives the engine back its thread count, also when training fails or is cancelled.
    try (tuner) {
      for (int epoch = progress.epochsCompleted; epoch < config.epochs(); epoch++) {
        EpochMetrics metrics = loop.run(epoch, progress, evaluator, tuner);
        progress.history.add(metrics);
        progress.epochsCompleted = epoch + 1;
        listener.onEpoch(metrics);
        listener.onLog(describe(metrics));
        Divergence.warning(metrics, schedule).ifPresent(listener::onWarning);
        if (outputs.checkpointFile() != null) {
          parameters.copyToBlock();
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
    }
    if (tuner.singleThreadSteps() > 0) {
      listener.onLog(
          String.format(
              "%,d of %,d steps ran on one thread: two were slower then (another process"
                  + " busy, or the machine's memory slow)",
              tuner.singleThreadSteps(), progress.globalStep));
    }
    TestMetrics test = evaluator.test(data.test());
    listener.onTest(test);
    if (outputs.modelFile() != null) {
      parameters.copyToBlock();
      CheckpointFile.write(outputs.modelFile(), progress.header(config), block, null);
    }
    double trainSeconds = progress.history.stream().mapToDouble(EpochMetrics::seconds).sum();
    long images = (long) progress.history.size() * train.size();
    return new TrainingResult(
        config,
        device.toString(),
        threads,
        tuner.singleThreadSteps(),
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
    // Its checkpoints keep the format, and so the layer order, of the one it resumes.
    Progress p = new Progress(header.format());
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
   *
   * @param labelColumn the labels as a column (n, 1), as {@link BatchFeeder.Batch} has them
   */
  static NDArray crossEntropy(NDArray logits, NDArray labelColumn) {
    return logProbabilities(logits).gather(labelColumn, 1).mean().neg();
  }

  /**
   * Cross-entropy with label smoothing ε as PyTorch defines it: {@code (1-ε)·(-log p_y) + ε·mean_k
   * (-log p_k)}, averaged over the batch; plain {@link #crossEntropy} when ε is 0.
   */
  static NDArray crossEntropy(NDArray logits, NDArray labelColumn, float smoothing) {
    if (smoothing == 0) {
      return crossEntropy(logits, labelColumn);
    }
    NDArray logProbabilities = logProbabilities(logits);
    NDArray target = logProbabilities.gather(labelColumn, 1).mean();
    NDArray uniform = logProbabilities.mean();
    return target.muli(smoothing - 1).subi(uniform.muli(smoothing));
  }

  /**
   * Log-softmax over the classes. The networks are float32 ({@code block.initialize} above), so the
   * result type is given, not read from libtorch per batch as DJL's {@code logSoftmax} does.
   */
  private static NDArray logProbabilities(NDArray logits) {
    return JniUtils.logSoftmax((PtNDArray) logits, 1, DataType.FLOAT32);
  }

  /** The label smoothing of a model's recipe: the fast recipe's, otherwise none. */
  static float labelSmoothing(TrainingConfig config) {
    return config.modelSpec() instanceof FastSpec ? (float) FastSpec.LABEL_SMOOTHING : 0f;
  }

  /** How far the run is; what a checkpoint stores besides arrays. */
  private static final class Progress {
    final int format;
    int epochsCompleted;
    int resumedFrom;
    long globalStep;
    final List<EpochMetrics> history = new ArrayList<>();
    final List<StepLoss> stepLosses = new ArrayList<>();

    Progress(int format) {
      this.format = format;
    }

    CheckpointHeader header(TrainingConfig config) {
      return new CheckpointHeader(format, config, epochsCompleted, globalStep, history, stepLosses);
    }
  }

  /** One epoch's batches. The step is its own small method so that the JIT compiles it early. */
  private final class EpochLoop {
    private final Engine engine;
    private final Block block;
    private final FlatParameters parameters;
    private final Optimizer optimizer;
    private final LearningRateSchedule schedule;
    private final BatchFeeder feeder;
    private final RandomStream random;
    private final List<SeededDropout> dropouts;
    private final NDManager root;
    private final float labelSmoothing = labelSmoothing(config);

    /** The seed of every backward pass, d(loss)/d(loss) = 1, made once. */
    private final PtNDArray backwardSeed;

    /**
     * The epoch's correctly classified training images so far, summed inside libtorch and read once
     * per epoch instead of once per step.
     */
    private NDArray correct;

    EpochLoop(
        Engine engine,
        Block block,
        FlatParameters parameters,
        Optimizer optimizer,
        LearningRateSchedule schedule,
        BatchFeeder feeder,
        RandomStream random,
        NDManager root) {
      this.engine = engine;
      this.block = block;
      this.parameters = parameters;
      this.optimizer = optimizer;
      this.schedule = schedule;
      this.feeder = feeder;
      this.random = random;
      this.dropouts = SeededDropout.in(block);
      this.root = root;
      this.backwardSeed = (PtNDArray) root.ones(new Shape(), DataType.FLOAT32);
    }

    EpochMetrics run(int epoch, Progress progress, Evaluator evaluator, StepThreads threads) {
      ImageSet train = data.train();
      int n = train.size();
      int batch = config.batchSize();
      // The epoch's time includes drawing the shuffle, as the reference's includes its randperm.
      long start = System.nanoTime();
      int[] order = random.permutation(epoch, n, root);
      int steps = (n + batch - 1) / batch;
      int sampleEvery = Math.max(1, steps / LOSS_SAMPLES_PER_EPOCH);
      double lossSum = 0;
      float rate = 0;
      // Not DJL's GradientCollector: PtGradientCollector keeps one static "collecting" flag for the
      // whole JVM, so two trainers in one process (an embedded worker with 2 slots) fail with "A
      // PtGradientCollector is already collecting". libtorch's grad mode is per thread, so setting
      // it here and calling backward directly is safe in parallel. It stays on for the whole
      // epoch (three calls fewer per step): the optimizer's and the accuracy's operations record
      // nothing even so, as none of their inputs requires a gradient.
      boolean wasGradMode = JniUtils.isGradMode();
      JniUtils.setGradMode(true);
      correct = root.zeros(new Shape(), DataType.INT64);
      try {
        for (int s = 0; s < steps; s++) {
          if (cancelled.getAsBoolean()) {
            throw new TrainingCancelledException(progress.epochsCompleted);
          }
          int from = s * batch;
          int size = Math.min(batch, n - from);
          rate = (float) schedule.rateAt(progress.globalStep);
          progress.globalStep++;
          long stepStart = System.nanoTime();
          float batchLoss = step(order, from, size, rate, progress.globalStep);
          if (size == batch) {
            threads.afterStep(System.nanoTime() - stepStart);
          }
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
      } finally {
        if (!wasGradMode) {
          JniUtils.setGradMode(false);
        }
      }
      long correctImages;
      try (NDArray total = correct) {
        correctImages = total.getLong();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Evaluator.Outcome validation =
          data.validation() == null || data.validation().size() == 0
              ? null
              : evaluator.evaluate(data.validation());
      return new EpochMetrics(
          epoch + 1,
          lossSum / n,
          correctImages / (double) n,
          validation == null ? null : validation.loss(),
          validation == null ? null : validation.accuracy(),
          seconds,
          n / seconds,
          rate);
    }

    private float step(int[] order, int from, int size, float rate, long t) {
      try (NDManager batch = root.newSubManager()) {
        BatchFeeder.Batch inputs = feeder.batch(batch, order, from, size);
        parameters.newLeaves();
        if (!dropouts.isEmpty()) {
          long maskSeed = random.maskSeed(t);
          for (SeededDropout dropout : dropouts) {
            dropout.seedStep(maskSeed);
          }
        }
        PtNDArray logits =
            (PtNDArray)
                block.forward(parameters, new NDList(inputs.images()), true).singletonOrThrow();
        PtNDArray batchLoss =
            (PtNDArray) crossEntropy(logits, inputs.labelColumn(), labelSmoothing);
        JniUtils.backward(batchLoss, backwardSeed, false, false);
        optimizer.step(
            List.of(parameters.weights()), List.of(parameters.gradients(batch)), rate, t);
        // DJL's argMax reads the shape first (to special-case scalars); logits never are one.
        correct.addi(JniUtils.argMax(logits, 1, false).eq(inputs.labels()).sum());
        // One copy of the 4 bytes: getFloat() would clone the scalar and read its shape, type and
        // layout first.
        return JniUtils.getByteBuffer(batchLoss, false).getFloat(0);
      }
    }
  }
}
