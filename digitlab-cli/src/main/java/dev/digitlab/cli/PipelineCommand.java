package dev.digitlab.cli;

import dev.digitlab.protocol.experiment.CommandSpec;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.FileFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code digitlab pipeline run|ls|show|logs|cancel|report}: pipelines on a Digit Lab server. */
@Command(
    name = "pipeline",
    mixinStandardHelpOptions = true,
    description = "Run pipelines (DAGs of steps) on the server and look at their runs.",
    subcommands = {
      PipelineCommand.Run.class,
      PipelineCommand.Ls.class,
      PipelineCommand.Show.class,
      PipelineCommand.Logs.class,
      PipelineCommand.Cancel.class,
      PipelineCommand.Report.class,
      PipelineCommand.Export.class,
      PipelineCommand.Import.class
    })
final class PipelineCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code pipeline run FILE [--wait]}. */
  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = {
        "Submit a pipeline file (YAML or JSON) and start a run of it; prints the run's id.",
        "With --wait, follows the run, printing each step's changes, and ends with a line saying"
            + " 'succeeded' or 'failed' and the wall time; the exit status is 0 only on success."
      })
  static final class Run implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(paramLabel = "FILE", description = "The pipeline file (.yaml, .yml or .json).")
    Path file;

    @Option(names = "--wait", description = "Follow the run until it ends.")
    boolean wait;

    @Option(
        names = "--poll-ms",
        defaultValue = "300",
        description = "How often --wait asks the server (default: ${DEFAULT-VALUE} ms).")
    long pollMillis;

    /**
     * For each command step whose {@code code:} names a folder (relative to the file): packs it,
     * uploads it and returns the document as JSON naming the code by its hash, as {@code submit}
     * does for a command experiment. Empty when no step has such code: the document goes as it is.
     */
    private Optional<String> withUploadedCode(DocumentFile document, ApiClient client) {
      JsonNode tree;
      try {
        tree =
            new ExperimentFiles()
                .readTree(document.text(), FileFormat.fromFileName(file.getFileName().toString()));
      } catch (RuntimeException e) {
        return Optional.empty(); // the server reports what is wrong with it
      }
      Path base = file.toAbsolutePath().getParent();
      Map<String, String> uploaded = new HashMap<>();
      boolean changed = false;
      for (JsonNode step : tree.path("steps")) {
        JsonNode code = step.path("parameters").path("code");
        if (step.path("type").asString("").equals("command")
            && code.isString()
            && !CommandSpec.CODE_HASH.matcher(code.asString()).matches()
            && step.get("parameters") instanceof ObjectNode parameters) {
          Path folder = base.resolve(code.asString()).normalize();
          parameters.put(
              "code",
              uploaded.computeIfAbsent(
                  folder.toString(),
                  f -> CodeUpload.upload(folder, client, spec.commandLine().getErr())));
          changed = true;
        }
      }
      return changed ? Optional.of(tree.toString()) : Optional.empty();
    }

    @Override
    public Integer call() throws InterruptedException {
      DocumentFile document = DocumentFile.read(file);
      ApiClient client = server.client();
      JsonNode run =
          withUploadedCode(document, client)
              .map(json -> client.post("/api/v1/pipelines", json, "application/json"))
              .orElseGet(
                  () -> client.post("/api/v1/pipelines", document.text(), document.contentType()));
      long id = run.path("id").asLong();
      PrintWriter out = spec.commandLine().getOut();
      out.println(id);
      out.flush();
      long steps = 0;
      for (JsonNode count : run.path("steps")) {
        steps += count.asLong();
      }
      spec.commandLine()
          .getErr()
          .println(
              "Started pipeline run "
                  + id
                  + " of '"
                  + run.path("name").asString()
                  + "' ("
                  + steps
                  + " steps). See it with: digitlab pipeline show"
                  + ServerOption.optionUnlessDefault(server.url().toString())
                  + " "
                  + id);
      if (!wait) {
        return 0;
      }
      Map<String, String> seen = new HashMap<>();
      while (true) {
        // The run first, then its steps: a run ends only after all its steps, so the steps read
        // after an ended run are in their final state and all get printed.
        run = client.get("/api/v1/pipelines/" + id);
        for (JsonNode step : client.get("/api/v1/pipelines/" + id + "/steps")) {
          String state = step.path("status").asString() + "#" + step.path("attempts").asInt();
          String name = step.path("name").asString();
          if (!state.equals(seen.put(name, state))
              && !step.path("status").asString().equals("pending")) {
            out.println(describe(step));
            out.flush();
          }
        }
        String status = run.path("status").asString();
        if (!status.equals("running")) {
          out.printf(
              Locale.ROOT,
              "pipeline run %d %s in %.2f s wall time%s%n",
              id,
              status,
              run.path("wallSeconds").asDouble(),
              run.path("failureReason").isString()
                  ? " (" + run.path("failureReason").asString() + ")"
                  : "");
          return status.equals("succeeded") ? 0 : 1;
        }
        Thread.sleep(pollMillis);
      }
    }

    private static String describe(JsonNode step) {
      String status = step.path("status").asString();
      StringBuilder line =
          new StringBuilder("  ").append(step.path("name").asString()).append(' ').append(status);
      if (step.path("attempts").asInt() > 0) {
        line.append(" (attempt ")
            .append(step.path("attempts").asInt())
            .append('/')
            .append(step.path("maxAttempts").asInt())
            .append(')');
      }
      if (step.path("failureReason").isString()) {
        line.append(": ").append(step.path("failureReason").asString());
      }
      String metrics = metrics(step.path("result").path("metrics"));
      if (!metrics.isEmpty()) {
        line.append("  ").append(metrics);
      }
      return line.toString();
    }
  }

  /** {@code pipeline ls}. */
  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List pipeline runs.")
  static final class Ls implements Callable<Integer> {

    @Mixin ServerOption server;

    @Option(names = "--limit", defaultValue = "50", description = "At most this many runs.")
    int limit;

    @Mixin OutputOption output;

    @Override
    public Integer call() {
      JsonNode runs = server.client().get("/api/v1/pipelines?limit=" + limit);
      return output.print(
          runs,
          out -> {
            String format = "%-6s %-28s %-10s %-8s %-28s %s%n";
            out.printf(format, "RUN", "NAME", "STATUS", "WALL_S", "CREATED", "STEPS");
            for (JsonNode run : runs) {
              StringBuilder steps = new StringBuilder();
              run.path("steps")
                  .properties()
                  .forEach(
                      e ->
                          steps
                              .append(steps.isEmpty() ? "" : " ")
                              .append(e.getKey())
                              .append('=')
                              .append(e.getValue().asLong()));
              out.printf(
                  format,
                  run.path("id").asLong(),
                  Text.shorten(run.path("name").asString(), 28),
                  run.path("status").asString(),
                  Text.number(run.path("wallSeconds")),
                  run.path("createdAt").asString(),
                  steps);
            }
          });
    }
  }

  /** {@code pipeline cancel ID}. */
  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = {
        "Cancel a running pipeline run: steps not started are skipped, running ones stopped; the"
            + " trials they wait on are cancelled (a command step's program is killed on its"
            + " worker)."
      })
  static final class Cancel implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(paramLabel = "ID", description = "The run's id (as pipeline run printed it).")
    long id;

    @Override
    public Integer call() {
      server.client().post("/api/v1/pipelines/" + id + "/cancel");
      spec.commandLine().getErr().println("Cancelled pipeline run " + id + ".");
      return 0;
    }
  }

  /** {@code pipeline show ID}. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = "Show a pipeline run and its steps.")
  static final class Show implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(paramLabel = "ID", description = "The run's id (as pipeline run printed it).")
    long id;

    @Override
    public Integer call() {
      ApiClient client = server.client();
      JsonNode run = client.get("/api/v1/pipelines/" + id);
      PrintWriter out = spec.commandLine().getOut();
      out.println("Pipeline run " + id + ": " + run.path("name").asString());
      out.println("  status     " + run.path("status").asString());
      if (run.path("failureReason").isString()) {
        out.println("  reason     " + run.path("failureReason").asString());
      }
      out.println("  created    " + run.path("createdAt").asString());
      out.println("  wall time  " + Text.number(run.path("wallSeconds")) + " s");
      out.println("  trace      " + run.path("traceId").asString());
      out.println("  page       " + client.server() + "/pipelines/" + id);
      out.println();
      String format = "%-22s %-9s %-10s %-8s %-8s %-7s %s%n";
      out.printf(
          format, "STEP", "TYPE", "STATUS", "ATTEMPT", "SECONDS", "TRIAL", "METRICS / REASON");
      for (JsonNode step : client.get("/api/v1/pipelines/" + id + "/steps")) {
        String seconds = "";
        if (step.path("startedAt").isString() && step.path("finishedAt").isString()) {
          seconds =
              String.format(
                  Locale.ROOT,
                  "%.2f",
                  java.time.Duration.between(
                              java.time.Instant.parse(step.path("startedAt").asString()),
                              java.time.Instant.parse(step.path("finishedAt").asString()))
                          .toMillis()
                      / 1000.0);
        }
        out.printf(
            format,
            Text.shorten(step.path("name").asString(), 22),
            step.path("type").asString(),
            step.path("status").asString(),
            step.path("attempts").asInt() + "/" + step.path("maxAttempts").asInt(),
            seconds,
            step.path("trialId").isNumber() ? step.path("trialId").asString() : "",
            step.path("failureReason").isString()
                ? step.path("failureReason").asString()
                : step.path("waitingFor").isString()
                    ? step.path("waitingFor").asString()
                    : metrics(step.path("result").path("metrics")));
      }
      return 0;
    }
  }

  /** {@code pipeline logs ID STEP}. */
  @Command(name = "logs", mixinStandardHelpOptions = true, description = "Print a step's log.")
  static final class Logs implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(index = "0", paramLabel = "ID", description = "The run's id.")
    long id;

    @Parameters(index = "1", paramLabel = "STEP", description = "The step's name, e.g. train-600.")
    String step;

    @Override
    public Integer call() {
      spec.commandLine()
          .getOut()
          .print(
              Text.safeLines(
                  server
                      .client()
                      .getText(
                          "/api/v1/pipelines/" + id + "/steps/" + Uploads.segment(step) + "/logs",
                          "text/plain")));
      // print() does not flush an autoflush writer; unflushed, the log never reached the terminal.
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  /** {@code pipeline report ID --out DIR}. */
  @Command(
      name = "report",
      mixinStandardHelpOptions = true,
      description = {
        "Save a pipeline run as a static HTML report (DIR/index.html) that opens from disk.",
        "DAG, Gantt chart, steps, metrics, charts and images, all inside the one file; it needs"
            + " no server and no network."
      })
  static final class Report implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(paramLabel = "ID", description = "The run's id.")
    long id;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write.")
    Path out;

    @Override
    public Integer call() throws IOException {
      Path index = ReportCommand.write(server.client(), id, out);
      spec.commandLine().getOut().println(index.toAbsolutePath());
      return 0;
    }
  }

  static String metrics(JsonNode metrics) {
    StringBuilder text = new StringBuilder();
    metrics
        .properties()
        .forEach(
            m ->
                text.append(text.isEmpty() ? "" : " ")
                    .append(m.getKey())
                    .append('=')
                    .append(
                        m.getValue().isIntegralNumber()
                            ? m.getValue().asString()
                            : Text.number(m.getValue())));
    return text.toString();
  }

  /** {@code pipeline export RUN_ID --out FILE.tar.gz}. */
  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description =
          "Save a pipeline run as one .tar.gz: its document, steps (statuses, results, metrics),"
              + " attempts, logs and the files its steps wrote, with a manifest of SHA-256s.")
  static final class Export extends ExportCommand {
    @Override
    String collection() {
      return "/api/v1/pipelines";
    }

    @Override
    String noun() {
      return "pipeline run";
    }
  }

  /** {@code pipeline import FILE.tar.gz}. */
  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description =
          "Store an exported pipeline run on this server as a new, ended run (new ids); a command"
              + " step's trial comes along as an experiment of its own. A file imported before is"
              + " refused, naming the run it became; --copy stores it anyway.")
  static final class Import extends ImportCommand {
    @Override
    String collection() {
      return "/api/v1/pipelines";
    }

    @Override
    String noun() {
      return "pipeline run";
    }
  }
}
