package dev.digitlab.server.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.DigitLabServer;
import dev.digitlab.server.security.Role;
import dev.digitlab.server.security.TokenStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.ObjectMapper;

/**
 * Finding 6 of issue 15: a step linked {@code link.txt} to the admin token and a viewer read it
 * through the step's files; {@code x.html} and {@code evil.svg} were served inline on the app's
 * origin (stored XSS). Rule: no symbolic link is followed, and a step's files other than raster
 * images are downloads, all with {@code nosniff} and a sandboxing CSP.
 */
class StepFilesTest {

  private static final ObjectMapper JSON = dev.digitlab.ml.json.Json.mapper();

  @TempDir Path home;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void a_link_to_the_admin_token_is_not_served_and_html_and_svg_are_sandboxed_downloads()
      throws Exception {
    try (ConfigurableApplicationContext server =
        SpringApplication.run(
            DigitLabServer.class,
            "--server.port=0",
            "--digitlab.home=" + home,
            // The command step is a command trial: the embedded worker, allowed commands, runs it.
            "--digitlab.worker.slots=1",
            "--digitlab.auth.enabled=true",
            "--digitlab.commands.allowed=true")) {
      String base = "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");
      String admin = Files.readString(home.resolve("admin-token")).strip();
      String viewer = server.getBean(TokenStore.class).create("eve", Role.VIEWER).secret();
      String script =
          "cd \"$DIGITLAB_OUTPUT_DIR\" && ln -s "
              + home.toAbsolutePath().resolve("admin-token")
              + " link.txt && ln -s .. up && printf '<script>alert(1)</script>' > x.html"
              + " && printf '<svg xmlns=\\\"http://www.w3.org/2000/svg\\\"><script>alert(1)</script></svg>'"
              + " > evil.svg && printf 'plain' > notes.txt";
      String pipeline =
          JSON.writeValueAsString(
              JSON.createObjectNode()
                  .put("name", "files")
                  .set(
                      "steps",
                      JSON.createArrayNode()
                          .add(
                              JSON.createObjectNode()
                                  .put("name", "plant")
                                  .put("type", "command")
                                  .set(
                                      "parameters",
                                      JSON.createObjectNode()
                                          .put("executable", "sh")
                                          .set(
                                              "args",
                                              JSON.createArrayNode().add("-c").add(script))))));
      HttpResponse<String> created =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/pipelines"))
                  .header("Authorization", "Bearer " + admin)
                  .header("Content-Type", "application/json")
                  .POST(BodyPublishers.ofString(pipeline))
                  .build(),
              BodyHandlers.ofString());
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      long id = JSON.readTree(created.body()).path("id").asLong();
      awaitEnd(server.getBean(PipelineStore.class), id);
      String files = base + "/api/v1/pipelines/" + id + "/steps/plant/files/";

      HttpResponse<String> link = get(files + "link.txt", viewer);
      assertThat(link.statusCode()).isEqualTo(404);
      assertThat(link.body()).doesNotContain(admin);

      for (String name : new String[] {"x.html", "evil.svg"}) {
        HttpResponse<String> file = get(files + name, viewer);
        assertThat(file.statusCode()).as(name).isEqualTo(200);
        assertThat(file.headers().firstValue("Content-Disposition").orElse(""))
            .startsWith("attachment");
        assertThat(file.headers().firstValue("Content-Type").orElse(""))
            .doesNotContain("html", "svg");
        assertThat(file.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        // Its own sandbox, not replaced by (nor added to) the pages' policy.
        assertThat(file.headers().allValues("Content-Security-Policy"))
            .containsExactly("sandbox; default-src 'none'");
        assertThat(file.headers().allValues("X-Content-Type-Options")).containsExactly("nosniff");
      }
      HttpResponse<String> text = get(files + "notes.txt", viewer);
      assertThat(text.body()).isEqualTo("plain");
    }
  }

  private HttpResponse<String> get(String url, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
        BodyHandlers.ofString());
  }

  private static void awaitEnd(PipelineStore store, long id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (store.run(id).orElseThrow().status().isTerminal()) {
        assertThat(store.run(id).orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("run " + id + " did not end");
  }
}
