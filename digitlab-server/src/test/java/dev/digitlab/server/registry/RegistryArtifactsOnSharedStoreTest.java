package dev.digitlab.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.artifacts.S3ObjectStore;
import dev.digitlab.server.artifacts.TrialArtifactStore;
import dev.digitlab.server.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two servers with homes of their own and one S3-compatible store (a real S3Proxy process): the
 * weights a version was registered with on one are loadable on the other.
 */
class RegistryArtifactsOnSharedStoreTest {

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
  void weights_registered_on_one_server_are_fetched_by_another(@TempDir Path temp)
      throws Exception {
    S3ObjectStore bucket = new S3ObjectStore(proxy.settings(5L * 1024 * 1024));
    bucket.createBucketIfMissing();
    TrialArtifactStore shared = new TrialArtifactStore(bucket);
    RegistryArtifacts serverA = new RegistryArtifacts(temp.resolve("a"), shared);
    RegistryArtifacts serverB = new RegistryArtifacts(temp.resolve("b"), shared);
    Path weights = Files.write(temp.resolve("model.dlm"), new byte[] {1, 2, 3, 4, 5});

    RegistryArtifacts.Staged staged = serverA.stage("digits", weights);
    serverA.commit(staged, "digits", 1);

    assertThat(serverB.modelFile("digits", 1)).doesNotExist();
    Path fetched = serverB.localModelFile("digits", 1).orElseThrow();
    assertThat(Files.readAllBytes(fetched)).containsExactly(1, 2, 3, 4, 5);
    assertThat(serverB.localModelFile("digits", 2)).isEmpty();
  }

  @Test
  void without_a_shared_store_only_local_weights_count(@TempDir Path temp) throws Exception {
    TrialArtifactStore none = new TrialArtifactStore(null);
    RegistryArtifacts server = new RegistryArtifacts(temp, none);
    Path weights = Files.write(temp.resolve("model.dlm"), new byte[] {9});

    server.commit(server.stage("digits", weights), "digits", 1);

    assertThat(server.localModelFile("digits", 1)).isPresent();
    assertThat(server.localModelFile("digits", 2)).isEmpty();
  }
}
