package dev.digitlab.server.workers;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.experiment.CommandSpec;
import dev.digitlab.protocol.worker.CommandTask;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.security.TrialTokens;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * What a worker runs for a command trial's lease: the experiment's argv with this trial's parameter
 * values in its placeholders, the code's hash, the timeout, and the environment that makes the
 * trial an MLflow run its program can log to — with a token minted for this attempt alone.
 */
@Component
class CommandTasks {

  private static final ObjectMapper JSON = Json.mapper();

  private final JdbcClient jdbc;
  private final TrialTokens tokens;
  private final Environment environment;
  private final String externalUrl;

  CommandTasks(
      JdbcClient jdbc,
      TrialTokens tokens,
      Environment environment,
      @Value("${digitlab.external-url:}") String externalUrl) {
    this.jdbc = jdbc;
    this.tokens = tokens;
    this.environment = environment;
    this.externalUrl =
        externalUrl.endsWith("/")
            ? externalUrl.substring(0, externalUrl.length() - 1)
            : externalUrl;
  }

  /**
   * The task of a command trial's lease.
   *
   * @param experimentId the trial's experiment, whose stored spec holds the command
   * @param reachedAt the base URL the worker reached this server at (its claim's), or null for the
   *     embedded worker; {@code digitlab.external-url} wins over it when set
   */
  CommandTask task(Lease lease, long experimentId, String reachedAt) {
    String specJson =
        jdbc.sql("SELECT spec FROM experiment WHERE id = :id")
            .param("id", experimentId)
            .query(String.class)
            .single();
    JsonNode spec = JSON.readTree(specJson);
    List<String> argvTemplate = new ArrayList<>();
    spec.path("command").forEach(arg -> argvTemplate.add(arg.asString()));
    String code = spec.path("code").isString() ? spec.path("code").asString() : null;
    CommandSpec command =
        new CommandSpec(argvTemplate, code, Map.of(), Math.max(0, spec.path("timeout").asLong(0)));
    JsonNode values = JSON.readTree(lease.config());
    Map<String, String> env = new LinkedHashMap<>();
    env.put("MLFLOW_TRACKING_URI", trackingUri(reachedAt));
    env.put("MLFLOW_RUN_ID", Long.toString(lease.trialId()));
    env.put("MLFLOW_EXPERIMENT_ID", Long.toString(experimentId));
    env.put("MLFLOW_TRACKING_TOKEN", tokens.mint(lease.trialId(), lease.attempt()));
    env.put("DIGITLAB_TRIAL_ID", Long.toString(lease.trialId()));
    env.put("DIGITLAB_EXPERIMENT_ID", Long.toString(experimentId));
    // Each parameter as a variable too, as pipeline command steps always gave them (issue 17).
    values
        .properties()
        .forEach(
            p ->
                env.put(
                    "DIGITLAB_PARAM_"
                        + p.getKey().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"),
                    CommandSpec.text(p.getValue())));
    return new CommandTask(
        command.argv(values), command.codeSha256(), env, command.timeoutSeconds());
  }

  private String trackingUri(String reachedAt) {
    if (!externalUrl.isBlank()) {
      return externalUrl;
    }
    if (reachedAt != null && !reachedAt.isBlank()) {
      return reachedAt;
    }
    // The embedded worker's programs run on this host: loopback reaches the server.
    String port =
        environment.getProperty(
            "local.server.port", environment.getProperty("server.port", "8080"));
    return "http://127.0.0.1:" + port;
  }
}
