package dev.digitlab.server.artifacts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.S3ProxyServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The S3 object store against a real S3-compatible server (S3Proxy, a process of its own). */
class S3ObjectStoreTest {

  private static final long PART_SIZE = 5L * 1024 * 1024;

  @TempDir static Path proxyDir;
  @TempDir Path files;

  static S3ProxyServer proxy;
  S3ObjectStore store;

  @BeforeAll
  static void startProxy() {
    proxy = S3ProxyServer.start(proxyDir);
  }

  @AfterAll
  static void stopProxy() {
    // Null when the start failed or was skipped: teardown must not hide that behind an NPE.
    if (proxy != null) {
      proxy.close();
    }
  }

  @BeforeEach
  void bucket() {
    store = new S3ObjectStore(proxy.settings(PART_SIZE));
    store.createBucketIfMissing();
  }

  @Test
  void a_stored_file_comes_back_identical_and_a_missing_key_is_reported_absent() throws Exception {
    Path file = randomFile("model.dlm", 123_456);

    store.put("trials/1/attempt-1/model.dlm", file);

    Path back = files.resolve("back/model.dlm");
    assertThat(store.download("trials/1/attempt-1/model.dlm", back)).isTrue();
    assertThat(sha256(back)).isEqualTo(sha256(file));
    assertThat(store.exists("trials/1/attempt-1/model.dlm")).isTrue();
    assertThat(store.exists("trials/1/attempt-2/model.dlm")).isFalse();
    assertThat(store.download("trials/1/attempt-2/model.dlm", files.resolve("none"))).isFalse();
    assertThat(files.resolve("none")).doesNotExist();
  }

  @Test
  void a_checkpoint_larger_than_a_part_is_uploaded_in_parts_and_reassembled() throws Exception {
    // 4.2 parts: the last part is short, as with real checkpoints.
    Path checkpoint = randomFile("checkpoint.ckpt", (int) (PART_SIZE * 4 + 1_000_003));

    store.put("trials/2/attempt-1/checkpoint.ckpt", checkpoint);

    Path back = files.resolve("back.ckpt");
    assertThat(store.download("trials/2/attempt-1/checkpoint.ckpt", back)).isTrue();
    assertThat(Files.size(back)).isEqualTo(Files.size(checkpoint));
    assertThat(sha256(back)).isEqualTo(sha256(checkpoint));
  }

  @Test
  void deleting_a_trials_prefix_deletes_its_objects_and_no_others() throws Exception {
    Path file = randomFile("report.json", 1000);
    for (int attempt = 1; attempt <= 3; attempt++) {
      store.put("trials/7/attempt-" + attempt + "/report.json", file);
    }
    store.put("trials/70/attempt-1/report.json", file);

    assertThat(store.deletePrefix("trials/7/")).isEqualTo(3);

    assertThat(store.exists("trials/7/attempt-1/report.json")).isFalse();
    assertThat(store.exists("trials/70/attempt-1/report.json")).isTrue();
  }

  @Test
  void settings_never_print_the_secret_key() {
    assertThat(proxy.settings(PART_SIZE).toString())
        .doesNotContain(S3ProxyServer.credential())
        .contains("bucket=");
  }

  private Path randomFile(String name, int size) throws IOException {
    Path file = files.resolve(name);
    byte[] chunk = new byte[64 * 1024];
    Random random = new Random(size);
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int written = 0; written < size; written += chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk, 0, Math.min(chunk.length, size - written));
      }
    }
    return file;
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
