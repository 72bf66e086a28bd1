package dev.digitlab.server.trials;

import dev.digitlab.ml.data.DatasetException;
import dev.digitlab.ml.data.DatasetFetcher;
import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.DatasetSpec;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.FetchListener;
import dev.digitlab.ml.data.IdxReader;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.datasets.DatasetRegistry;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.imageio.ImageIO;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Test-set images as PNGs, read from the datasets under the worker's data home. A request never
 * downloads a dataset: when its files are not there, the image is not found.
 */
@Component
public class TestImages {

  /** Each pixel becomes a square this wide, so that a 28×28 digit is readable on a page. */
  static final int SCALE = 4;

  private final DatasetStore datasets;
  private final DatasetRegistry registry;
  // One entry per built-in dataset (~8 MB each) and per registered digest: read once each.
  private final Map<String, ImageSet> testSets = new ConcurrentHashMap<>();

  TestImages(
      @Value("${digitlab.worker.data-home:${digitlab.home}}") Path dataHome,
      DatasetRegistry registry) {
    this.datasets = new DatasetStore(dataHome, DatasetFetcher.create(FetchListener.NONE));
    this.registry = registry;
  }

  /** Test image {@code index} of {@code dataset}, grayscale, {@link #SCALE} times larger. */
  public byte[] png(String dataset, int index) {
    ImageSet test = testSet(dataset);
    if (index < 0 || index >= test.size()) {
      throw new NotFoundException(
          "The test set of "
              + dataset
              + " has no image "
              + index
              + " (it has "
              + test.size()
              + ").");
    }
    int rows = test.rows();
    int cols = test.cols();
    BufferedImage image =
        new BufferedImage(cols * SCALE, rows * SCALE, BufferedImage.TYPE_BYTE_GRAY);
    WritableRaster raster = image.getRaster();
    int offset = index * test.imageSize();
    for (int y = 0; y < rows * SCALE; y++) {
      for (int x = 0; x < cols * SCALE; x++) {
        int pixel = Byte.toUnsignedInt(test.pixels()[offset + (y / SCALE) * cols + x / SCALE]);
        raster.setSample(x, y, 0, pixel);
      }
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", png);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot encode a PNG in memory", e);
    }
    return png.toByteArray();
  }

  private ImageSet testSet(String dataset) {
    var registered = registry.find(dataset);
    if (registered.isPresent()) {
      RegisteredDataset d = registered.get().dataset();
      return testSets.computeIfAbsent(
          d.sha256(),
          sha -> {
            Path dir = registry.directory(d);
            return IdxReader.read(
                dir.resolve(RegisteredDataset.FILE_NAMES.get(2)),
                dir.resolve(RegisteredDataset.FILE_NAMES.get(3)));
          });
    }
    DatasetId id;
    try {
      id = DatasetId.byName(dataset);
    } catch (DatasetException e) {
      throw new NotFoundException(e.getMessage());
    }
    return testSets.computeIfAbsent(id.id(), name -> read(id));
  }

  private ImageSet read(DatasetId id) {
    DatasetSpec spec = id.spec();
    Path directory = datasets.directory(id);
    Path images = directory.resolve(spec.testImages().storedName());
    Path labels = directory.resolve(spec.testLabels().storedName());
    if (!Files.isRegularFile(images) || !Files.isRegularFile(labels)) {
      throw new NotFoundException(
          "The test images of "
              + id.id()
              + " are not in "
              + directory
              + "; fetch them with 'digitlab data fetch "
              + id.id()
              + "'.");
    }
    return IdxReader.read(images, labels);
  }
}
