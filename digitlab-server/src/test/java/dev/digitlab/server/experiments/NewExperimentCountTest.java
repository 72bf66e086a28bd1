package dev.digitlab.server.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.OpenServerTest;
import dev.digitlab.testing.SyntheticIdx;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.util.HtmlUtils;

/**
 * The new-experiment form's live preview ({@code POST /experiments/new/count}) over real HTTP: a
 * {@code trainSubset} larger than the chosen dataset (MNIST's fixed 60,000 training images, a
 * registered dataset's own count; the config's value or a searched one) is a problem in the
 * preview, in the submit's words and on the field the submit names, not "N trials will be queued"
 * followed by a refused submit. An unknown dataset is the submit's problem for it, not an error
 * page. MNIST's size is known without its files, so the preview, like the submit, does not need it
 * fetched on the server.
 */
class NewExperimentCountTest extends OpenServerTest {

  // A browser: the cookie holds the CSRF token the form page rendered, which its htmx sends back.
  private final HttpClient http =
      HttpClient.newBuilder().cookieHandler(new CookieManager()).build();

  private static final Pattern CSRF_META = Pattern.compile("name=\"_csrf\" content=\"([^\"]+)\"");

  @Value("${local.server.port}")
  int port;

  @TempDir Path work;

  @Test
  void a_train_subset_larger_than_mnist_is_a_problem_on_its_field() throws Exception {
    String fits = count(form("mnist", "60000"));
    assertThat(fits).contains("1 trial will be queued").doesNotContain("data-for");

    String tooMany = count(form("mnist", "70000"));
    assertThat(tooMany)
        .contains("1 problem(s) to fix first")
        .contains("70000 is more than the 60000 training images of mnist")
        .contains("data-for=\"config.trainSubset\"")
        .doesNotContain("will be queued");
    // The submit says the same on the same field.
    String submitted = submit(form("mnist", "70000"));
    assertThat(submitted)
        .contains("<code>config.trainSubset</code>")
        .contains("70000 is more than the 60000 training images of mnist");
  }

  @Test
  void a_searched_train_subset_too_large_names_its_search_row() throws Exception {
    Map<String, String> form = form("fashion-mnist", "");
    form.put("searchType", "grid");
    form.put("search.0.field", "trainSubset");
    form.put("search.0.kind", "list");
    form.put("search.0.values", "1000, 65000");
    String body = count(form);
    assertThat(body)
        .contains("65000 is more than the 60000 training images of fashion-mnist")
        .contains("data-for=\"search.0\"")
        .doesNotContain("will be queued");

    form.put("search.0.values", "1000, 60000");
    assertThat(count(form)).contains("2 trials will be queued");
  }

  @Test
  void a_registered_dataset_is_checked_against_its_own_size() throws Exception {
    String name = "two-thousand-" + System.nanoTime();
    byte[] archive = SyntheticIdx.tar(SyntheticIdx.write(work.resolve("d"), 2000, 20, 10, 7));
    HttpResponse<String> added =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(base() + "/api/v1/datasets?name=" + name + "&classes=10"))
                .header("Content-Type", "application/x-tar")
                .POST(BodyPublishers.ofByteArray(archive))
                .build(),
            BodyHandlers.ofString());
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);

    assertThat(count(form(name, "2000"))).contains("1 trial will be queued");
    assertThat(count(form(name, "5000")))
        .contains("5000 is more than the 2000 training images of " + name)
        .contains("data-for=\"config.trainSubset\"");
  }

  @Test
  void an_unknown_dataset_is_the_submits_problem_not_an_error_page() throws Exception {
    String body = count(form("no-such-dataset", "70000"));
    assertThat(body)
        .contains("no dataset 'no-such-dataset'; known datasets: mnist, fashion-mnist")
        .contains("data-for=\"config.dataset\"")
        .doesNotContain("will be queued");
  }

  /** A built-in experiment's form with one trial (no search), named, on {@code dataset}. */
  private static Map<String, String> form(String dataset, String trainSubset) {
    Map<String, String> form = new LinkedHashMap<>();
    form.put("name", "subset-" + System.nanoTime());
    form.put("objectiveMetric", "test_f1_macro");
    form.put("objectiveGoal", "max");
    form.put("searchType", "none");
    form.put("prunerType", "none");
    form.put("config.dataset", dataset);
    form.put("config.model", "mlp");
    form.put("config.epochs", "1");
    form.put("config.trainSubset", trainSubset);
    return form;
  }

  /** The preview's answer (HTML entities decoded), which must be a 200 fragment. */
  private String count(Map<String, String> form) throws Exception {
    HttpResponse<String> response = post("/experiments/new/count", form);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return HtmlUtils.htmlUnescape(response.body());
  }

  /** The submit's page when it refuses the form (a 400, nothing stored). */
  private String submit(Map<String, String> form) throws Exception {
    HttpResponse<String> response = post("/experiments/new", form);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    return HtmlUtils.htmlUnescape(response.body());
  }

  private HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
    HttpResponse<String> page =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/experiments/new")).GET().build(),
            BodyHandlers.ofString());
    Matcher token = CSRF_META.matcher(page.body());
    assertThat(token.find()).as("the form page carries a CSRF token").isTrue();
    String body =
        form.entrySet().stream()
            .map(
                e ->
                    URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)
                        + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
            .collect(Collectors.joining("&"));
    return http.send(
        HttpRequest.newBuilder(URI.create(base() + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("X-CSRF-TOKEN", token.group(1))
            .POST(BodyPublishers.ofString(body))
            .build(),
        BodyHandlers.ofString());
  }

  private String base() {
    return "http://localhost:" + port;
  }
}
