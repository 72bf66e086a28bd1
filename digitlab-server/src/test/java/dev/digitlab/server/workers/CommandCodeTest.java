package dev.digitlab.server.workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.tar.TarFolder;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.protocol.worker.WorkerRegistration;
import dev.digitlab.server.testing.ProtocolWorkers;
import dev.digitlab.worker.command.CodeCache;
import dev.digitlab.worker.remote.WorkerClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code GET /api/v1/worker/code/{sha256}} over real HTTP with the remote worker's own client: a
 * lease fetches its own experiment's code and nothing else, and a worker without the command
 * capability is never handed a command trial.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class CommandCodeTest {

  private static final ObjectMapper JSON = Json.mapper();

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    ProtocolWorkers.serverSettings(properties, home);
    properties.add("digitlab.commands.allowed", () -> "true");
  }

  @Value("${local.server.port}")
  int port;

  @TempDir Path temp;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<Long> submitted = new ArrayList<>();

  /** Each test leases from an empty queue: what a test left queued is cancelled. */
  @AfterEach
  void cancelWhatWasSubmitted() throws Exception {
    ProtocolWorkers.cancelExperiments(port, submitted);
  }

  @Test
  void a_lease_fetches_its_own_experiments_code_and_no_other() throws Exception {
    String mine = upload("mine", "echo metric x=1\n");
    String theirs = upload("theirs", "echo secret\n");
    submit("uses-mine", mine);
    WorkerClient client = ProtocolWorkers.client(port);
    LeaseGrant grant =
        ProtocolWorkers.registerAndLease(client, "fetcher", List.of("cpu", "command"));
    assertThat(grant.command()).isNotNull();
    assertThat(grant.command().codeSha256()).isEqualTo(mine);

    Path fetched = temp.resolve("fetched.tar.gz");
    client.code(mine, grant.leaseToken(), fetched);
    assertThat(CodeCache.sha256(fetched)).isEqualTo(mine);

    assertThatThrownBy(() -> client.code(theirs, grant.leaseToken(), temp.resolve("other")))
        .isInstanceOf(WorkerClient.RejectedException.class)
        // The problem's text went to the download file: the status is the refusal.
        .hasMessageContaining("403");
    assertThatThrownBy(() -> client.code(mine, UUID.randomUUID(), temp.resolve("none")))
        .isInstanceOf(WorkerClient.LeaseLostException.class);
  }

  @Test
  void a_worker_without_the_command_capability_is_never_handed_a_command_trial() throws Exception {
    submit("only-for-command-workers", upload("plain", "echo hi\n"));
    WorkerClient client = ProtocolWorkers.client(port);
    client.register(new WorkerRegistration("plain", "test-host", 1, List.of("cpu")));
    assertThat(client.lease("plain", ProtocolWorkers.POLL)).isEmpty();
  }

  /** Packs a one-file program and uploads it; returns its SHA-256. */
  private String upload(String name, String script) throws Exception {
    Path folder = Files.createDirectories(temp.resolve(name));
    Files.writeString(folder.resolve("run.sh"), script);
    Path packed = temp.resolve(name + ".tar.gz");
    TarFolder.pack(folder, packed);
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/code"))
                .header("Content-Type", "application/gzip")
                .POST(HttpRequest.BodyPublishers.ofFile(packed))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
    return JSON.readTree(response.body()).path("sha256").asString();
  }

  private long submit(String name, String sha256) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        """
                        name: %s
                        command: ["sh", "run.sh"]
                        code: sha256:%s
                        objective: {metric: x, goal: max}
                        """
                            .formatted(name, sha256)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    long id = JSON.readTree(response.body()).path("id").asLong();
    submitted.add(id);
    return id;
  }
}
