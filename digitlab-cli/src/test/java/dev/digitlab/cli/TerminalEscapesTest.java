package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Finding 9 of issue 15: {@code digitlab ls} and {@code logs} printed ESC, CR and LF from names and
 * log lines as they were, so a name could drive the terminal or fake a row. Rule: control
 * characters from the server are printed escaped.
 */
class TerminalEscapesTest extends ServerCommandTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startServer() {
    useServer(LocalServer.startWithCommandWorker(home));
  }

  @Test
  void a_name_with_escapes_and_crlf_does_not_reach_the_terminal_as_such() throws Exception {
    // device gpu: the embedded (cpu) worker, there for the command step below, never trains it.
    HttpResponse<String> created =
        post(
            "/api/v1/experiments",
            """
            {"name": "evil\\u001b[2J\\r\\n999    fake-row", "dataset": "mnist",
             "config": {"model": "mlp", "epochs": 1, "optimizer": "adam", "learningRate": 0.01,
                        "device": "gpu"},
             "search": {"type": "grid", "parameters": {"batchSize": [64]}}}
            """);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

    assertThat(run("ls")).as(err.toString()).isZero();
    assertThat(out.toString()).doesNotContain("\u001b", "\r").contains("evil\\x1b[2J\\r\\n999");
    assertThat(out.toString().lines()).noneMatch(line -> line.startsWith("999"));
  }

  @Test
  void a_log_line_with_escapes_is_printed_escaped() throws Exception {
    HttpResponse<String> created =
        post(
            "/api/v1/pipelines",
            """
            {"name": "loud", "steps": [{"name": "say", "type": "command",
              "parameters": {"executable": "printf", "args": ["a\\u001b[31mred\\rb\\n"]}}]}
            """);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = created.body().replaceAll("(?s)^\\{\"id\":(\\d+).*", "$1");
    // Until a deadline, not for a number of tries: the step must be claimed, run and its events
    // delivered (a batch a second) first, and each try's CLI run takes longer on a loaded machine.
    String log = "";
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!log.contains("red") && System.nanoTime() < deadline) {
      out.getBuffer().setLength(0);
      run("pipeline", "logs", id, "say");
      log = out.toString();
      Thread.sleep(50);
    }
    assertThat(log).contains("a\\x1b[31mred\\rb").doesNotContain("\u001b", "\r");
  }

  /**
   * A failed trial's reason is the tail of its program's standard error: {@code watch} printed it
   * as it came, ESC and CR included, though it prints log lines escaped.
   */
  @Test
  void a_failure_reason_with_escapes_is_printed_escaped_by_watch() throws Exception {
    HttpResponse<String> created =
        post(
            "/api/v1/experiments",
            """
            {"name": "loud-failure", "command": ["sh", "-c", "printf 'x\\\\033[2Jy\\\\r' >&2; exit 3"],
             "objective": {"metric": "score", "goal": "max"}}
            """);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    String id = created.body().replaceAll("(?s)^\\{\"id\":(\\d+).*", "$1");

    assertThat(run("watch", id)).as(err.toString()).isEqualTo(1);

    assertThat(out.toString())
        .contains("failed (")
        .contains("x\\x1b[2Jy")
        .doesNotContain("\u001b", "\r");
  }

  private HttpResponse<String> post(String path, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url + path))
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString(json))
            .build(),
        BodyHandlers.ofString());
  }
}
