package dev.digitlab.server.pipelines;

import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.FetchResult;
import dev.digitlab.ml.data.FetchedFile;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.data.LoadedDataset;
import dev.digitlab.protocol.pipeline.StepType;
import java.nio.file.Files;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fetches the dataset when missing and verifies its files against their published SHA-256 digests
 * (the fetcher refuses a file that does not match); records each file's digest, size and origin and
 * the image counts per split and class.
 */
@Component
class IngestStep implements StepHandler {

  private final PipelineData data;

  IngestStep(PipelineData data) {
    this.data = data;
  }

  @Override
  public StepType type() {
    return StepType.INGEST;
  }

  @Override
  public ObjectNode run(StepContext context) throws Exception {
    DatasetId id = PipelineData.dataset(context.step().parameters());
    FetchResult fetched = data.fetch(id);
    ObjectNode result = StepResults.object();
    result.put("dataset", id.id());
    ArrayNode files = result.putArray("files");
    for (FetchedFile file : fetched.files()) {
      ObjectNode f = files.addObject();
      f.put("name", file.file().storedName());
      f.put("sha256", file.file().sha256());
      f.put("digestOf", file.file().digestOf().name().toLowerCase(java.util.Locale.ROOT));
      f.put("bytes", Files.size(file.path()));
      f.put("source", file.source());
      context
          .log()
          .accept(
              file.file().storedName() + " " + file.source() + " sha256 " + file.file().sha256());
    }
    LoadedDataset dataset = data.load(id);
    counts(result.putObject("train"), dataset.train());
    counts(result.putObject("test"), dataset.test());
    ObjectNode metrics = result.putObject("metrics");
    metrics.put("trainImages", dataset.train().size());
    metrics.put("testImages", dataset.test().size());
    return result;
  }

  static void counts(ObjectNode node, ImageSet set) {
    node.put("images", set.size());
    node.put("rows", set.rows());
    node.put("cols", set.cols());
    ArrayNode perClass = node.putArray("perClass");
    for (int count : perClass(set)) {
      perClass.add(count);
    }
  }

  static int[] perClass(ImageSet set) {
    int[] counts = new int[10];
    for (int i = 0; i < set.size(); i++) {
      counts[set.label(i)]++;
    }
    return counts;
  }
}
