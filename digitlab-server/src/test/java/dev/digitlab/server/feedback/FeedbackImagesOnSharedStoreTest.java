package dev.digitlab.server.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.artifacts.S3ObjectStore;
import dev.digitlab.server.artifacts.TrialArtifactStore;
import dev.digitlab.server.testing.S3ProxyServer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A feedback image sent to one server can be read on another through the shared store. */
class FeedbackImagesOnSharedStoreTest {

  @TempDir static Path proxyDir;
  static S3ProxyServer proxy;

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

  @Test
  void an_image_stored_on_one_server_is_read_on_another(@TempDir Path temp) {
    S3ObjectStore bucket = new S3ObjectStore(proxy.settings(5L * 1024 * 1024));
    bucket.createBucketIfMissing();
    TrialArtifactStore shared = new TrialArtifactStore(bucket);
    FeedbackImages serverA = new FeedbackImages(temp.resolve("a"), shared);
    FeedbackImages serverB = new FeedbackImages(temp.resolve("b"), shared);
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};

    String name = serverA.store(png);

    assertThat(serverB.read(name)).containsExactly(png);
  }
}
