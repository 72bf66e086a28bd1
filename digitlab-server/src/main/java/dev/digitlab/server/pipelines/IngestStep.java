package dev.digitlab.server.pipelines;

import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.FetchResult;
import dev.digitlab.ml.data.FetchedFile;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.data.LoadedDataset;
import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.protocol.pipeline.StepType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Fetches the dataset when missing and verifies its files against their published SHA-256 digests
 * (the fetcher refuses a file that does not match), or, for a registered dataset, checks the
 * server's copy against the digests recorded when it was registered; records each file's digest,
 * size and origin and the image counts per split and class.
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
    ObjectNode p = context.step().parameters();
    Optional<RegisteredDataset> registered = data.registered(p);
    if (registered.isPresent()) {
      return registered(context, registered.get());
    }
    DatasetId id = PipelineData.dataset(p);
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
    return withCounts(result, data.load(id));
  }

  /**
   * A registered dataset: its four files on this server (fetched from the object store when only it
   * has them), each checked against the SHA-256 recorded when it was registered, so that the step
   * fails rather than reads files that changed on disk.
   */
  private ObjectNode registered(StepContext context, RegisteredDataset dataset) throws Exception {
    Path folder = data.directory(dataset);
    ObjectNode result = StepResults.object();
    result.put("dataset", dataset.name());
    result.put("datasetSha256", dataset.sha256());
    result.put("classes", dataset.classes());
    ArrayNode files = result.putArray("files");
    for (int i = 0; i < RegisteredDataset.FILE_NAMES.size(); i++) {
      String name = RegisteredDataset.FILE_NAMES.get(i);
      Path file = folder.resolve(name);
      String expected = dataset.fileSha256().get(i);
      String actual = RegisteredDataset.sha256(file);
      if (!actual.equals(expected)) {
        throw new IllegalStateException(
            "the server's copy of "
                + name
                + " of dataset '"
                + dataset.name()
                + "' has SHA-256 "
                + actual
                + ", not "
                + expected
                + " as registered; delete "
                + folder
                + " and register the files again");
      }
      ObjectNode f = files.addObject();
      f.put("name", name);
      f.put("sha256", actual);
      f.put("bytes", Files.size(file));
      f.put("source", "registered");
      context.log().accept(name + " registered sha256 " + actual);
    }
    return withCounts(result, RegisteredDataset.read(folder));
  }

  private static ObjectNode withCounts(ObjectNode result, LoadedDataset dataset) {
    counts(result.putObject("train"), dataset.train());
    counts(result.putObject("test"), dataset.test());
    ObjectNode metrics = result.putObject("metrics");
    metrics.put("trainImages", dataset.train().size());
    metrics.put("testImages", dataset.test().size());
    return result;
  }

  /** The dataset a step read, as its result records it: the name, and a registered one's digest. */
  static void putDataset(ObjectNode result, ObjectNode parameters) {
    result.put("dataset", parameters.path("dataset").asString("mnist"));
    if (parameters.has("datasetSha256")) {
      result.put("datasetSha256", parameters.path("datasetSha256").asString());
    }
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
