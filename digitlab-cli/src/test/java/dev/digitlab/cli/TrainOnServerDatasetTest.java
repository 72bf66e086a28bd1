package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.json.Json;
import dev.digitlab.testing.SyntheticIdx;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * {@code digitlab train --dataset NAME --server URL} against a real server (no worker): a dataset
 * the test made and registered with {@code data add} is fetched by digest into the local data
 * home's {@code datasets/<digest>/}, checked, trained on locally, and not fetched again; an unknown
 * name is the server's 404 message.
 */
class TrainOnServerDatasetTest {

  @TempDir static Path serverHome;
  @TempDir static Path files;

  static ConfigurableApplicationContext server;
  static String url;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeAll
  static void startServer() {
    server = LocalServer.start(serverHome);
    url = LocalServer.url(server);
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void a_registered_dataset_is_fetched_by_digest_checked_kept_and_trained_on(@TempDir Path home)
      throws Exception {
    Path dir = SyntheticIdx.write(files.resolve("blocks"), 400, 100, 4, 31);
    assertThat(run("data", "add", "blocks-cli", "--dir", dir.toString(), "--classes", "4"))
        .as(err.toString())
        .isZero();
    String sha = RegisteredDataset.digest(shas(dir));
    out.getBuffer().setLength(0);

    String[] train = {
      "train",
      "--home",
      home.toString(),
      "--server",
      url,
      "--dataset",
      "blocks-cli",
      "--model",
      "mlp",
      "--epochs",
      "3",
      "--lr",
      "0.003",
      "--json"
    };
    assertThat(run(train)).as(err.toString()).isZero();
    assertThat(err.toString()).contains("Fetching dataset blocks-cli (" + sha + ") from " + url);
    JsonNode result = Json.mapper().readTree(out.toString());
    assertThat(result.get("config").get("dataset").asString()).isEqualTo("blocks-cli");
    assertThat(result.get("test_accuracy").asDouble()).as(result.toString()).isGreaterThan(0.9);
    Path kept = home.resolve("datasets").resolve(sha);
    for (String file : RegisteredDataset.FILE_NAMES) {
      assertThat(Files.readAllBytes(kept.resolve(file)))
          .isEqualTo(Files.readAllBytes(dir.resolve(file)));
    }

    // Kept: the second run reads the same folder and downloads nothing.
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    assertThat(run(train)).as(err.toString()).isZero();
    assertThat(err.toString())
        .contains("Dataset blocks-cli (" + sha + ") from " + kept)
        .doesNotContain("Fetching");
  }

  @Test
  void an_unknown_name_is_refused_with_the_servers_message(@TempDir Path home) {
    int exit =
        run("train", "--home", home.toString(), "--server", url, "--dataset", "no-such-blocks");
    assertThat(exit).isEqualTo(1);
    assertThat(err.toString()).contains("No dataset 'no-such-blocks' is registered");
    assertThat(home.resolve("datasets")).doesNotExist();
  }

  private static java.util.List<String> shas(Path dir) throws Exception {
    java.util.List<String> shas = new java.util.ArrayList<>();
    for (String file : RegisteredDataset.FILE_NAMES) {
      shas.add(RegisteredDataset.sha256(dir.resolve(file)));
    }
    return shas;
  }

  private int run(String... args) {
    picocli.CommandLine cli = DigitLab.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] withServer = args;
    if (args.length > 0 && args[0].equals("data")) {
      withServer = java.util.Arrays.copyOf(args, args.length + 2);
      withServer[args.length] = "--server";
      withServer[args.length + 1] = url;
    }
    return cli.execute(withServer);
  }
}
