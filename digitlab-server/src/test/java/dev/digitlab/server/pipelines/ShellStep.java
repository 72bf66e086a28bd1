package dev.digitlab.server.pipelines;

import dev.digitlab.protocol.event.MetricLine;
import dev.digitlab.protocol.pipeline.StepType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A test stand-in for the {@code command} step type in the executor's DAG tests only: runs {@code
 * sh} programs in the test's process, as command steps did before they became command trials on
 * workers (issue 17). The executor's semantics (retries, timeouts, skips, sweeps, summaries) do not
 * depend on where a step's program runs; {@code CommandStep} itself is tested end to end through a
 * worker in {@code PipelineCommandStepTest}.
 */
class ShellStep implements StepHandler {

  private static final Set<String> OWN = Set.of("executable", "args", "env", "directory");

  private final List<ProcessHandle> started = new CopyOnWriteArrayList<>();

  /**
   * Every process this handler started, known from the moment it was started: a test checks them
   * without waiting for the program to say its pid (which a loaded machine may delay past a step's
   * timeout).
   */
  List<ProcessHandle> started() {
    return List.copyOf(started);
  }

  @Override
  public StepType type() {
    return StepType.COMMAND;
  }

  @Override
  public ObjectNode run(StepContext context) throws Exception {
    ObjectNode p = context.step().parameters();
    List<String> command = new ArrayList<>();
    command.add(p.get("executable").asString());
    p.path("args").forEach(arg -> command.add(arg.asString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    scrub(env, context.directory());
    p.path("env").properties().forEach(e -> env.put(e.getKey(), e.getValue().asString()));
    for (Map.Entry<String, JsonNode> parameter : p.properties()) {
      if (!OWN.contains(parameter.getKey())) {
        command.add("--" + parameter.getKey() + "=" + parameter.getValue().asString());
        env.put(
            "DIGITLAB_PARAM_"
                + parameter.getKey().toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"),
            parameter.getValue().asString());
      }
    }
    env.put("DIGITLAB_STEP_DIR", context.directory().toAbsolutePath().toString());
    env.put("DIGITLAB_PIPELINE_RUN", Long.toString(context.run().id()));
    env.put("DIGITLAB_STEP", context.step().name());
    env.put("DIGITLAB_ATTEMPT", Integer.toString(context.attempt()));
    if (p.hasNonNull("directory")) {
      builder.directory(Path.of(p.get("directory").asString()).toFile());
    }
    context.log().accept("$ " + String.join(" ", command));
    Process process;
    try {
      process = builder.command(command).start();
      started.add(process.toHandle());
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot start '" + command.getFirst() + "': " + e.getMessage(), e);
    }
    ObjectNode metrics = StepResults.object();
    ObjectNode series = StepResults.object();
    // The output is read on a thread of its own: a read from a pipe does not return when the
    // attempt is interrupted, but waitFor does, and then killing the process ends the read.
    Thread reader =
        Thread.ofVirtual()
            .name("command-output-" + context.step().name())
            .start(() -> read(process, context, metrics, series));
    try {
      int exit = process.waitFor();
      reader.join();
      if (exit != 0) {
        throw new IllegalStateException(command.getFirst() + " exited with status " + exit);
      }
      ObjectNode result = StepResults.object();
      result.put("exitCode", exit);
      synchronized (metrics) {
        result.set("metrics", metrics);
        result.set("series", series);
      }
      return result;
    } finally {
      if (process.isAlive()) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
    }
  }

  /**
   * Leaves the program only what it needs to run: the server's environment holds its data home,
   * database URL and cloud credentials (issue 15: a step read the admin token through {@code
   * $DIGITLAB_HOME}).
   */
  static void scrub(Map<String, String> env, Path directory) {
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    String lang = env.getOrDefault("LANG", "C.UTF-8");
    env.clear();
    env.put("PATH", path);
    env.put("LANG", lang);
    env.put("HOME", directory.toAbsolutePath().toString());
  }

  /** Logs every output line and collects the metric lines, until the output closes. */
  private static void read(
      Process process, StepContext context, ObjectNode metrics, ObjectNode series) {
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        context.log().accept(line);
        MetricLine.parse(line)
            .ifPresent(
                m -> {
                  synchronized (metrics) {
                    metrics.put(m.name(), m.value());
                    ArrayNode points =
                        series.has(m.name())
                            ? (ArrayNode) series.get(m.name())
                            : series.putArray(m.name());
                    ArrayNode point = points.addArray();
                    point.add(m.step() == null ? points.size() - 1 : m.step());
                    point.add(m.value());
                  }
                });
      }
    } catch (IOException e) {
      // The process was killed (timeout) or its output closed early: nothing more to read.
    }
  }
}
