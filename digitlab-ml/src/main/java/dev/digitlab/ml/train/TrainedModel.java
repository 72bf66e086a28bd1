package dev.digitlab.ml.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.digitlab.ml.model.GlobalGenerator;
import dev.digitlab.ml.model.ModelSpec;
import dev.digitlab.ml.model.NetworkBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A saved model file read into plain arrays: its config and every parameter in the network's order
 * (for each layer: weight, bias; for batch norm: gamma, beta, running mean, running variance), for
 * exporters that write the network in another format.
 *
 * @param modelSpec the network the parameters belong to, in the file's layer order ({@link
 *     CheckpointHeader#modelSpec()})
 */
public record TrainedModel(TrainingConfig config, ModelSpec modelSpec, List<Weights> parameters) {

  public TrainedModel {
    parameters = List.copyOf(parameters);
  }

  /** One parameter: DJL's name (e.g. {@code 02Linear_weight}), its shape and its values. */
  public record Weights(String name, long[] shape, float[] values) {

    public Weights {
      shape = shape.clone();
      values = values.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    @Override
    public float[] values() {
      return values.clone();
    }
  }

  /**
   * Reads {@code modelFile} (what {@link Trainer} writes as the model).
   *
   * @throws IllegalArgumentException if it is not a Digit Lab model file
   */
  public static TrainedModel read(Path modelFile) {
    CheckpointHeader header = CheckpointFile.readHeader(modelFile);
    Block block = NetworkBuilder.build(header.modelSpec());
    Engine engine = Engine.getEngine(Trainer.ENGINE);
    try (NDManager root = NDManager.newBaseManager(engine.defaultDevice(), Trainer.ENGINE)) {
      // Initialisers draw from libtorch's global generator, which training trials share.
      GlobalGenerator.run(() -> block.initialize(root, DataType.FLOAT32, new Shape(1, 1, 28, 28)));
      CheckpointFile.read(modelFile, block, root);
      List<Weights> weights = new ArrayList<>();
      for (Pair<String, Parameter> parameter : block.getParameters()) {
        NDArray array = parameter.getValue().getArray();
        weights.add(
            new Weights(parameter.getKey(), array.getShape().getShape(), array.toFloatArray()));
      }
      return new TrainedModel(header.config(), header.modelSpec(), weights);
    }
  }
}
