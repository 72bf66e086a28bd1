package dev.digitlab.ml.infer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.digitlab.ml.eval.Probabilities;
import dev.digitlab.ml.model.GlobalGenerator;
import dev.digitlab.ml.model.ModelSpec;
import dev.digitlab.ml.model.NetworkBuilder;
import dev.digitlab.ml.train.CheckpointFile;
import dev.digitlab.ml.train.CheckpointHeader;
import dev.digitlab.ml.train.PixelNormalisation;
import dev.digitlab.ml.train.TrainingConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A trained model loaded for inference: the architecture rebuilt from the config in the model
 * file's header, the weights from the file. Inputs are 28×28 images in MNIST form (see {@link
 * ImagePreprocessor}), normalised exactly as the trainer normalises them.
 *
 * <p>MLPs answer single images and small batches with a plain-Java forward pass over weights read
 * once from the loaded parameters ({@link MlpForward}): the same answers to float rounding, without
 * DJL's per-call overhead. Other architectures (CNN, LeNet-5) and large batches go through DJL.
 *
 * <p>Thread-safe: every call works in its own sub-manager and only reads the parameters, so one
 * instance serves concurrent requests. Closing it while calls run is the caller's to prevent.
 */
public final class Classifier implements DigitClassifier {

  private static final String ENGINE = "PyTorch";

  /** Side of the square input images. */
  public static final int SIDE = 28;

  /** Pixels of one input image. */
  public static final int PIXELS = SIDE * SIDE;

  private final TrainingConfig config;
  private final NDManager root;
  private final Block block;

  /** The plain-Java forward pass when the architecture has one (MLPs), else null: DJL only. */
  private final MlpForward java;

  /**
   * Batches up to this size go through {@link #java} one image at a time; larger ones through DJL,
   * whose batched matrix products win once the per-call overhead (~1 ms) is spread over enough
   * images.
   */
  static final int JAVA_MAX_BATCH = 16;

  private Classifier(TrainingConfig config, NDManager root, Block block) {
    this.config = config;
    this.root = root;
    this.block = block;
    this.java = MlpForward.of(config.modelSpec(), block).orElse(null);
  }

  /**
   * Loads a model (or checkpoint) file written by the trainer, on the CPU.
   *
   * @throws IllegalArgumentException when the file is not a readable Digit Lab model
   */
  public static Classifier load(Path modelFile) {
    CheckpointHeader header = CheckpointFile.readHeader(modelFile);
    TrainingConfig config = header.config();
    Engine engine = Engine.getEngine(ENGINE);
    NDManager root = NDManager.newBaseManager(Device.cpu(), engine.getEngineName());
    try {
      ModelSpec spec = header.modelSpec();
      Block block = NetworkBuilder.build(spec);
      // Initialisers draw from libtorch's global generator, which training trials share.
      GlobalGenerator.run(
          () -> block.initialize(root, DataType.FLOAT32, new Shape(1, 1, SIDE, SIDE)));
      CheckpointFile.readParameters(modelFile, block, root);
      return new Classifier(config, root, block);
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  /** The config the model was trained with (architecture and hyperparameters). */
  public TrainingConfig config() {
    return config;
  }

  /**
   * Predictions for a batch of images, each {@link #PIXELS} unsigned bytes row by row, in order.
   *
   * @throws IllegalArgumentException when an image has another size
   */
  @Override
  public List<Prediction> predict(List<byte[]> images) {
    checkSizes(images);
    if (java != null && images.size() <= JAVA_MAX_BATCH) {
      List<Prediction> predictions = new ArrayList<>(images.size());
      for (byte[] image : images) {
        predictions.add(prediction(java.logits(image), 0));
      }
      return predictions;
    }
    return predictWithDjl(images);
  }

  /** Whether single images and small batches take the plain-Java path (see {@link MlpForward}). */
  public boolean hasJavaForwardPass() {
    return java != null;
  }

  /** {@link #predict(List)} through DJL whatever the batch size, for comparing the two paths. */
  List<Prediction> predictWithDjl(List<byte[]> images) {
    checkSizes(images);
    int n = images.size();
    if (n == 0) {
      return List.of();
    }
    ByteBuffer bytes =
        ByteBuffer.allocateDirect(n * PIXELS * Float.BYTES).order(ByteOrder.nativeOrder());
    FloatBuffer floats = bytes.asFloatBuffer();
    for (int i = 0; i < n; i++) {
      for (byte pixel : images.get(i)) {
        floats.put(PixelNormalisation.of(pixel));
      }
    }
    // libtorch's grad mode is per thread and on by default: without this, every request on a
    // servlet thread would build an autograd graph it never uses.
    JniUtils.setGradMode(false);
    float[] logits;
    try (NDManager call = root.newSubManager()) {
      NDArray x = call.create(bytes, new Shape(n, 1, SIDE, SIDE), DataType.FLOAT32);
      NDArray out =
          block.forward(new ParameterStore(call, false), new NDList(x), false).singletonOrThrow();
      logits = out.toFloatArray();
    }
    List<Prediction> predictions = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      predictions.add(prediction(logits, i * ModelSpec.CLASSES));
    }
    return predictions;
  }

  private static Prediction prediction(float[] logits, int offset) {
    int k = ModelSpec.CLASSES;
    float[] probabilities = Probabilities.softmax(logits, offset, k);
    return new Prediction(Probabilities.argmax(probabilities, 0, k), probabilities);
  }

  private static void checkSizes(List<byte[]> images) {
    for (int i = 0; i < images.size(); i++) {
      byte[] image = images.get(i);
      if (image.length != PIXELS) {
        throw new IllegalArgumentException(
            "image " + i + " has " + image.length + " pixels; expected " + PIXELS);
      }
    }
  }

  @Override
  public void close() {
    root.close();
  }
}
