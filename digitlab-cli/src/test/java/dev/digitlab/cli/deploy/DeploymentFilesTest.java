package dev.digitlab.cli.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.digitlab.ml.json.Json;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * The deployment files under {@code deploy/} stay usable: the kustomization renders with the
 * kubectl CI installs (Debian's, with its older kustomize), and the compose file has the services
 * the docs promise. Without kubectl the rendering test is skipped, except on CI.
 */
class DeploymentFilesTest {

  private static final Path DEPLOY =
      Path.of(System.getProperty("user.dir")).getParent().resolve("deploy");
  private static final YAMLMapper YAML = Json.configure(YAMLMapper.builder()).build();

  @Test
  void kustomization_renders_server_and_worker_deployments() throws Exception {
    List<JsonNode> objects = render(DEPLOY.resolve("kubernetes"));

    JsonNode server = find(objects, "Deployment", "digitlab-server");
    assertThat(server.at("/spec/replicas").asInt()).isGreaterThanOrEqualTo(2);
    JsonNode serverContainer = server.at("/spec/template/spec/containers/0");
    assertThat(serverContainer.at("/readinessProbe/httpGet/path").asString())
        .isEqualTo("/actuator/health/readiness");
    assertThat(serverContainer.at("/livenessProbe/httpGet/path").asString())
        .isEqualTo("/actuator/health/liveness");
    assertThat(server.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();

    JsonNode worker = find(objects, "Deployment", "digitlab-worker");
    assertThat(worker.at("/spec/template/spec/containers/0/args/0").asString()).isEqualTo("worker");
    // The settings and the secrets reach both, under the generated (hashed) names.
    String settings =
        find(objects, "ConfigMap", "digitlab-settings").at("/metadata/name").asString();
    String secrets = find(objects, "Secret", "digitlab-secrets").at("/metadata/name").asString();
    for (JsonNode deployment : List.of(server, worker)) {
      JsonNode envFrom = deployment.at("/spec/template/spec/containers/0/envFrom");
      assertThat(envFrom.findValuesAsString("name")).contains(settings, secrets);
    }
    assertThat(find(objects, "Service", "digitlab-server").at("/spec/ports/0/port").asInt())
        .isEqualTo(8080);
  }

  /**
   * The ServiceMonitor (applied on its own, beside the kustomization) selects the rendered Service
   * by its labels and scrapes its named port; the Grafana dashboard queries the per-model serving
   * metrics by model and version.
   */
  @Test
  void service_monitor_scrapes_the_server_and_the_dashboard_shows_serving_metrics()
      throws Exception {
    List<JsonNode> objects = render(DEPLOY.resolve("kubernetes"));
    JsonNode service = find(objects, "Service", "digitlab-server");
    JsonNode monitor = YAML.readTree(DEPLOY.resolve("kubernetes/servicemonitor.yaml").toFile());
    assertThat(monitor.path("kind").asString()).isEqualTo("ServiceMonitor");
    monitor
        .at("/spec/selector/matchLabels")
        .properties()
        .forEach(
            label ->
                assertThat(service.path("metadata").path("labels").path(label.getKey()).asString())
                    .as("Service label " + label.getKey())
                    .isEqualTo(label.getValue().asString()));
    String port = monitor.at("/spec/endpoints/0/port").asString();
    assertThat(service.at("/spec/ports").findValuesAsString("name")).contains(port);
    assertThat(monitor.at("/spec/endpoints/0/path").asString()).isEqualTo("/actuator/prometheus");

    // JSON is YAML: one reader for both files.
    JsonNode dashboard =
        YAML.readTree(DEPLOY.resolve("kubernetes/grafana-dashboard.json").toFile());
    String queries = dashboard.findValuesAsString("expr").toString();
    assertThat(queries)
        .contains("digitlab_model_requests_seconds_count")
        .contains("digitlab_model_requests_seconds_bucket")
        .contains("digitlab_model_errors_total")
        .contains("by (model, version)");
  }

  @Test
  void compose_file_runs_postgres_a_server_and_two_workers() throws Exception {
    JsonNode compose = YAML.readTree(DEPLOY.resolve("compose.yaml").toFile());
    JsonNode services = compose.get("services");
    assertThat(services.propertyNames()).contains("postgres", "server", "worker", "minio");
    assertThat(services.at("/worker/deploy/replicas").asInt()).isEqualTo(2);
    assertThat(services.at("/worker/command/0").asString()).isEqualTo("worker");
    assertThat(services.at("/server/command/0").asString()).isEqualTo("server");
    assertThat(services.at("/server/healthcheck/test").toString()).contains("/actuator/health");
    assertThat(services.at("/server/environment/DIGITLAB_DATABASE_URL").asString())
        .startsWith("jdbc:postgresql://postgres:5432/");
    assertThat(services.at("/minio/profiles/0").asString()).isEqualTo("s3");
  }

  private static List<JsonNode> render(Path kustomization) throws Exception {
    File kubectl = findKubectl();
    if (!"true".equals(System.getenv("CI"))) {
      assumeTrue(kubectl != null, "kubectl not installed (apt-get install kubernetes-client)");
    }
    assertThat(kubectl).as("kubectl on PATH (.ci/run installs kubernetes-client)").isNotNull();
    Process process =
        new ProcessBuilder(kubectl.getPath(), "kustomize", kustomization.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String rendered = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("kubectl kustomize exit status").isZero();
    List<JsonNode> objects = new ArrayList<>();
    try (MappingIterator<JsonNode> documents =
        YAML.readerFor(JsonNode.class).readValues(rendered)) {
      documents.forEachRemaining(objects::add);
    }
    return objects;
  }

  private static JsonNode find(List<JsonNode> objects, String kind, String namePrefix) {
    return objects.stream()
        .filter(o -> o.path("kind").asString().equals(kind))
        .filter(o -> o.at("/metadata/name").asString().startsWith(namePrefix))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + namePrefix + " rendered"));
  }

  private static File findKubectl() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File candidate = new File(dir, "kubectl");
      if (candidate.canExecute()) {
        return candidate;
      }
    }
    return null;
  }
}
