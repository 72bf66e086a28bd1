package dev.digitlab.server.registry;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.digitlab.ml.eval.Probabilities;
import dev.digitlab.ml.export.OnnxExport;
import dev.digitlab.ml.infer.Classifier;
import dev.digitlab.ml.infer.Prediction;
import dev.digitlab.ml.train.TrainedModel;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.NotFoundException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.springframework.stereotype.Component;

/**
 * The ONNX form of every registered version (the project's own {@link OnnxExport} writer, as
 * pipeline {@code train} steps use): written at registration and checked there, by running it in
 * ONNX Runtime on probe images and comparing its probabilities with the model's own. Versions
 * registered before this existed get theirs on first download.
 */
@Component
class OnnxForm {

  /** Largest probability difference accepted between the ONNX form and the model. */
  static final double TOLERANCE = 1e-4;

  private static final int PROBES = 16;

  private final RegistryArtifacts artifacts;

  OnnxForm(RegistryArtifacts artifacts) {
    this.artifacts = artifacts;
  }

  /**
   * The ONNX bytes of a Digit Lab model file, checked against ONNX Runtime.
   *
   * @throws ConflictException when ONNX Runtime's answers differ from the model's
   */
  byte[] convertAndCheck(Path modelFile) {
    byte[] onnx = OnnxExport.toOnnx(TrainedModel.read(modelFile));
    List<byte[]> probes = probes();
    float[] logits = run(onnx, probes);
    try (Classifier classifier = Classifier.load(modelFile)) {
      List<Prediction> expected = classifier.predict(probes);
      for (int i = 0; i < probes.size(); i++) {
        float[] p = Probabilities.softmax(logits, i * 10, 10);
        for (int c = 0; c < 10; c++) {
          double difference = Math.abs(p[c] - expected.get(i).probabilities()[c]);
          if (!(difference <= TOLERANCE)) {
            throw new ConflictException(
                "The model's ONNX form answers differently from the model (probability "
                    + c
                    + " of probe "
                    + i
                    + " differs by "
                    + difference
                    + "); it was not registered.");
          }
        }
      }
    }
    return onnx;
  }

  /** The ONNX file of a version, written now from its weights if it has none yet. */
  Path file(String model, int version) {
    return artifacts
        .localOnnxFile(model, version)
        .orElseGet(
            () -> {
              Path weights =
                  artifacts
                      .localModelFile(model, version)
                      .orElseThrow(
                          () ->
                              new NotFoundException(
                                  "The weights of "
                                      + model
                                      + " v"
                                      + version
                                      + " are missing from the registry."));
              artifacts.storeOnnx(model, version, convertAndCheck(weights));
              return artifacts.onnxFile(model, version);
            });
  }

  /**
   * Probe images: MNIST-like strokes would need the data set, so random blobs of ink on black, and
   * one blank image; enough to exercise every weight of the graph.
   */
  static List<byte[]> probes() {
    SplittableRandom random = new SplittableRandom(21);
    List<byte[]> probes = new ArrayList<>();
    probes.add(new byte[Classifier.PIXELS]);
    for (int i = 1; i < PROBES; i++) {
      byte[] image = new byte[Classifier.PIXELS];
      for (int p = 0; p < image.length; p++) {
        int row = p / 28;
        int col = p % 28;
        boolean centre = row > 4 && row < 24 && col > 6 && col < 22;
        image[p] = (byte) (centre && random.nextInt(3) == 0 ? random.nextInt(256) : 0);
      }
      probes.add(image);
    }
    return probes;
  }

  /** The logits ONNX Runtime computes for {@code images}, {@code [N × 10]} flat. */
  static float[] run(byte[] onnx, List<byte[]> images) {
    int n = images.size();
    float[] pixels = new float[n * Classifier.PIXELS];
    for (int i = 0; i < n; i++) {
      byte[] image = images.get(i);
      for (int p = 0; p < Classifier.PIXELS; p++) {
        pixels[i * Classifier.PIXELS + p] = image[p] & 0xFF;
      }
    }
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = environment.createSession(onnx, options);
        OnnxTensor input =
            OnnxTensor.createTensor(
                environment, FloatBuffer.wrap(pixels), new long[] {n, 1, 28, 28});
        OrtSession.Result result = session.run(Map.of("pixels", input))) {
      float[][] logits = (float[][]) result.get(0).getValue();
      float[] flat = new float[n * 10];
      for (int i = 0; i < n; i++) {
        System.arraycopy(logits[i], 0, flat, i * 10, 10);
      }
      return flat;
    } catch (OrtException e) {
      throw new ConflictException("ONNX Runtime cannot run the model's ONNX form: " + e);
    }
  }
}
