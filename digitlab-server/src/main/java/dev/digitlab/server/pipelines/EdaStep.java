package dev.digitlab.server.pipelines;

import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.protocol.pipeline.StepType;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Looks at the training images: a label histogram, a pixel-intensity histogram (32 bins of 8
 * levels) and a grid of the first {@code samplesPerClass} images of every class, as PNG files in
 * the step's folder; the counts behind the charts are in the result.
 */
@Component
class EdaStep implements StepHandler {

  static final String LABELS = "label-histogram.png";
  static final String PIXELS = "pixel-histogram.png";
  static final String SAMPLES = "samples.png";

  private final PipelineData data;

  EdaStep(PipelineData data) {
    this.data = data;
  }

  @Override
  public StepType type() {
    return StepType.EDA;
  }

  @Override
  public ObjectNode run(StepContext context) throws Exception {
    ObjectNode p = context.step().parameters();
    ImageSet train = data.load(p).train();
    int perClass = p.path("samplesPerClass").asInt(8);
    int[] labels = IngestStep.perClass(train);
    long[] pixels = new long[32];
    byte[] bytes = train.pixels();
    long sum = 0;
    for (byte b : bytes) {
      int v = b & 0xFF;
      pixels[v >> 3]++;
      sum += v;
    }
    int[][] samples = new int[10][];
    List<List<Integer>> picked = new ArrayList<>();
    for (int c = 0; c < 10; c++) {
      picked.add(new ArrayList<>());
    }
    for (int i = 0; i < train.size(); i++) {
      List<Integer> row = picked.get(train.label(i));
      if (row.size() < perClass) {
        row.add(i);
      }
    }
    for (int c = 0; c < 10; c++) {
      samples[c] = picked.get(c).stream().mapToInt(Integer::intValue).toArray();
    }
    Charts.bars(
        context.directory().resolve(LABELS),
        "Training images per label",
        IntStream.range(0, 10).mapToObj(Integer::toString).toList(),
        IntStream.of(labels).asDoubleStream().toArray());
    Charts.bars(
        context.directory().resolve(PIXELS),
        "Pixel intensities (32 bins of 8 levels, 0 = background)",
        IntStream.range(0, 32).mapToObj(i -> i % 4 == 0 ? Integer.toString(i * 8) : "").toList(),
        java.util.Arrays.stream(pixels).asDoubleStream().toArray());
    Charts.grid(context.directory().resolve(SAMPLES), train, samples);
    ObjectNode result = StepResults.object();
    IngestStep.putDataset(result, p);
    ArrayNode labelCounts = result.putArray("labelHistogram");
    IntStream.of(labels).forEach(labelCounts::add);
    ArrayNode pixelCounts = result.putArray("pixelHistogram");
    java.util.Arrays.stream(pixels).forEach(pixelCounts::add);
    ArrayNode images = result.putArray("images");
    images.add(LABELS).add(PIXELS).add(SAMPLES);
    result
        .putObject("metrics")
        .put("meanPixel", bytes.length == 0 ? 0 : sum / (double) bytes.length);
    context.log().accept("wrote " + LABELS + ", " + PIXELS + ", " + SAMPLES);
    return result;
  }
}
