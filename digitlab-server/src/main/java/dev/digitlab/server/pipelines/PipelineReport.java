package dev.digitlab.server.pipelines;

import dev.digitlab.server.web.Figures;
import dev.digitlab.server.web.StaticHtml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.stereotype.Component;
import org.thymeleaf.ITemplateEngine;
import org.thymeleaf.context.Context;
import tools.jackson.databind.JsonNode;

/**
 * A pipeline run as one self-contained HTML page: header, DAG diagram (nodes link to the steps'
 * sections), Gantt chart with one bar per attempt (failed attempts red), a table of steps, and per
 * step its result, images (inlined as data URIs), log and attempts. This class lays the run out;
 * the template {@code templates/reports/pipeline.html} writes it. No script, no stylesheet or font
 * from elsewhere: the page opens from disk with the network off, which is what {@code digitlab
 * pipeline report} saves; its {@code content} fragment is also the server's page for the run,
 * inside the layout.
 */
@Component
class PipelineReport {

  private static final int GANTT_WIDTH = 900;
  private static final int ROW = 22;
  private static final int LABEL = 160;
  private static final int NODE_WIDTH = 130;
  private static final int NODE_HEIGHT = 28;

  /** The run as the report shows it. */
  record Content(
      Header header, Dag dag, Gantt gantt, List<StepRow> steps, List<Section> sections) {}

  /** The run's header. */
  record Header(
      long id,
      String name,
      String status,
      String wallTime,
      Instant started,
      String startedText,
      String owner,
      String traceId,
      String failureReason,
      String description) {}

  /** The DAG: a box per step, a line per dependency; {@code href} is where a box leads. */
  record Dag(int width, int height, List<Edge> edges, List<Node> nodes) {}

  /** A dependency's line. */
  record Edge(int x1, int y1, int x2, int y2) {}

  /** A step's box in the DAG. */
  record Node(String name, String href, int x, int y, int width, int height, String fill) {}

  /** The Gantt chart: a label per step, a bar per attempt, a time axis. */
  record Gantt(int width, int height, List<Label> labels, List<Bar> bars, Axis axis) {}

  /** A step's name at the start of its row. */
  record Label(int y, String name) {}

  /** An attempt's bar; {@code title} is its tooltip. */
  record Bar(String status, String x, int y, String width, int height, String fill, String title) {}

  /** The time axis: its line from {@code left} to {@code right} at {@code top}, and its ticks. */
  record Axis(int left, int right, int top, List<Tick> ticks) {}

  /** A tick with its grid line down to {@code bottom} and its label at {@code labelY}. */
  record Tick(String x, int bottom, int labelY, String label) {}

  /** A row of the steps table. */
  record StepRow(
      String name,
      String href,
      String type,
      String status,
      String attempts,
      String seconds,
      String metrics) {}

  /** A parameter and its value as text. */
  record Parameter(String name, String value) {}

  /** A summary step's table: the swept parameter, each step's metric, the best step. */
  record Summary(String parameter, String metric, List<SummaryRow> rows, String best) {}

  /** One compared step. */
  record SummaryRow(String value, String step, String status, String metric, boolean best) {}

  /** A benchmark's confusion matrix with each true class's ROC AUC. */
  record Confusion(int classes, List<ConfusionRow> rows) {}

  /** One true class: its counts and its ROC AUC. */
  record ConfusionRow(int trueClass, List<Long> counts, String rocAuc) {}

  /** An image the step wrote, inlined. */
  record Image(String name, String src) {}

  /** One attempt of a step. */
  record AttemptRow(
      int attempt,
      String status,
      Instant started,
      String startedText,
      String seconds,
      String span,
      String error) {}

  /**
   * A step's section; {@code open} unfolds the step, {@code logOpen} its log; {@code trialHref} is
   * null in the file that opens from disk.
   */
  record Section(
      String name,
      String type,
      String status,
      boolean open,
      boolean logOpen,
      String failureReason,
      String waitingFor,
      Long trialId,
      String trialHref,
      List<Parameter> parameters,
      String metrics,
      Summary summary,
      Confusion confusion,
      List<Image> images,
      List<AttemptRow> attempts,
      String log) {}

  private final PipelineStore store;
  private final PipelineExecutor executor;
  private final ITemplateEngine templates;
  private final StepWaits waits;

  PipelineReport(
      PipelineStore store, PipelineExecutor executor, ITemplateEngine templates, StepWaits waits) {
    this.waits = waits;
    this.store = store;
    this.executor = executor;
    this.templates = templates;
  }

  /** The whole page, as the static report saves it: the content with its own small stylesheet. */
  String render(PipelineRun run) {
    return templates.process(
        "reports/pipeline", new Context(Locale.ROOT, Map.of("report", content(run, false))));
  }

  /**
   * Header, DAG, Gantt, steps table and one section per step, for the template's {@code content}
   * fragment: the static report's body, and what the server's run page ({@code /pipelines/{id}})
   * shows inside the shared layout.
   *
   * @param stepPages whether DAG nodes and the steps table link to the server's step pages ({@code
   *     /pipelines/{id}/steps/{name}}) rather than to the step's section further down, as the
   *     report that opens from disk must
   */
  Content content(PipelineRun run, boolean stepPages) {
    List<PipelineStep> steps = store.steps(run.id());
    List<StepAttempt> attempts = store.attempts(run.id());
    return new Content(
        new Header(
            run.id(),
            run.name(),
            run.status().dbValue(),
            run.finishedAt() == null
                ? null
                : seconds(Duration.between(run.createdAt(), run.finishedAt())),
            run.createdAt(),
            Figures.time(run.createdAt()),
            run.owner(),
            run.traceId(),
            run.failureReason(),
            run.description()),
        dag(run, steps, stepPages),
        gantt(run, steps, attempts),
        steps.stream().map(step -> row(run, step, stepPages)).toList(),
        steps.stream().map(step -> section(run, step, attempts, stepPages, false)).toList());
  }

  /**
   * One step on its own, for the server's step page: its section (parameters, result, images,
   * attempts with their spans and errors, the log of every attempt), unfolded, log included.
   */
  Section stepContent(PipelineRun run, PipelineStep step) {
    return section(run, step, store.attempts(run.id()), true, true);
  }

  /** Where a step's link goes: its page on the server, or its section in the same file. */
  private static String stepLink(PipelineRun run, PipelineStep step, boolean stepPages) {
    return stepPages ? "/pipelines/" + run.id() + "/steps/" + step.name() : "#step-" + step.name();
  }

  private static Dag dag(PipelineRun run, List<PipelineStep> steps, boolean stepPages) {
    Map<String, Integer> depth = new HashMap<>();
    Map<Integer, Integer> perLayer = new HashMap<>();
    Map<String, int[]> position = new HashMap<>();
    int maxRow = 0;
    int maxLayer = 0;
    // Steps come in dependency order, so each one's dependencies are placed before it.
    for (PipelineStep step : steps) {
      int d = step.dependsOn().stream().mapToInt(n -> depth.getOrDefault(n, 0) + 1).max().orElse(0);
      depth.put(step.name(), d);
      int row = perLayer.merge(d, 1, Integer::sum) - 1;
      position.put(
          step.name(), new int[] {10 + d * (NODE_WIDTH + 40), 10 + row * (NODE_HEIGHT + 12)});
      maxRow = Math.max(maxRow, row);
      maxLayer = Math.max(maxLayer, d);
    }
    List<Edge> edges = new ArrayList<>();
    List<Node> nodes = new ArrayList<>();
    for (PipelineStep step : steps) {
      int[] to = position.get(step.name());
      for (String dependency : step.dependsOn()) {
        int[] from = position.get(dependency);
        edges.add(
            new Edge(
                from[0] + NODE_WIDTH, from[1] + NODE_HEIGHT / 2, to[0], to[1] + NODE_HEIGHT / 2));
      }
      nodes.add(
          new Node(
              step.name(),
              stepLink(run, step, stepPages),
              to[0],
              to[1],
              NODE_WIDTH,
              NODE_HEIGHT,
              fill(step.status().dbValue())));
    }
    return new Dag(
        20 + (maxLayer + 1) * (NODE_WIDTH + 40),
        20 + (maxRow + 1) * (NODE_HEIGHT + 12),
        edges,
        nodes);
  }

  private static Gantt gantt(
      PipelineRun run, List<PipelineStep> steps, List<StepAttempt> attempts) {
    Instant start = run.createdAt();
    Instant end = run.finishedAt() != null ? run.finishedAt() : Instant.now();
    for (StepAttempt a : attempts) {
      if (a.finishedAt() != null && a.finishedAt().isAfter(end)) {
        end = a.finishedAt();
      }
    }
    double total = Math.max(1, Duration.between(start, end).toMillis());
    int plot = GANTT_WIDTH - LABEL - 10;
    int height = ROW * steps.size() + 30;
    Map<Long, Integer> row = new HashMap<>();
    List<Label> labels = new ArrayList<>();
    for (int i = 0; i < steps.size(); i++) {
      row.put(steps.get(i).id(), i);
      labels.add(new Label(i * ROW + 15, steps.get(i).name()));
    }
    List<Bar> bars = new ArrayList<>();
    for (StepAttempt a : attempts) {
      Integer r = row.get(a.stepId());
      if (r == null) {
        continue;
      }
      Instant finished = a.finishedAt() == null ? end : a.finishedAt();
      double x = LABEL + Duration.between(start, a.startedAt()).toMillis() / total * plot;
      double w = Math.max(2, Duration.between(a.startedAt(), finished).toMillis() / total * plot);
      bars.add(
          new Bar(
              a.status(),
              String.format(Locale.ROOT, "%.1f", x),
              r * ROW + 3,
              String.format(Locale.ROOT, "%.1f", w),
              ROW - 6,
              fill(a.status()),
              a.stepName()
                  + " attempt "
                  + a.attempt()
                  + ": "
                  + a.status()
                  + ", "
                  + seconds(Duration.between(a.startedAt(), finished))
                  + " s"
                  + (a.error() == null ? "" : " — " + a.error())));
    }
    return new Gantt(GANTT_WIDTH, height, labels, bars, axis(total / 1000.0, plot, height));
  }

  /**
   * The Gantt chart's time axis: a tick and a faint grid line every 1, 2 or 5 × 10ⁿ seconds, about
   * six of them, labelled in seconds or minutes.
   */
  static Axis axis(double totalSeconds, int plot, int height) {
    double step = tickStep(totalSeconds);
    int top = height - 26;
    List<Tick> ticks = new ArrayList<>();
    for (int i = 0; i * step <= totalSeconds + 1e-9; i++) {
      double t = i * step;
      ticks.add(
          new Tick(
              String.format(Locale.ROOT, "%.1f", LABEL + t / totalSeconds * plot),
              top + 4,
              height - 8,
              tickLabel(t, step)));
    }
    return new Axis(LABEL, LABEL + plot, top, ticks);
  }

  static double tickStep(double totalSeconds) {
    double rough = Math.max(totalSeconds, 0.001) / 6;
    double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * magnitude >= rough) {
        return m * magnitude;
      }
    }
    return 10 * magnitude;
  }

  private static String tickLabel(double seconds, double step) {
    if (step >= 60 && seconds % 60 == 0) {
      return (long) (seconds / 60) + " min";
    }
    return (step >= 1
            ? Long.toString(Math.round(seconds))
            : String.format(Locale.ROOT, step >= 0.1 ? "%.1f" : "%.2f", seconds))
        + " s";
  }

  /** A step's parameters as a key/value table rather than raw JSON. */
  private static List<Parameter> parameters(String json) {
    JsonNode parameters = StepResults.read(json);
    List<Parameter> list = new ArrayList<>();
    if (parameters.isObject()) {
      parameters
          .properties()
          .forEach(
              p ->
                  list.add(
                      new Parameter(
                          p.getKey(),
                          p.getValue().isString()
                              ? p.getValue().asString()
                              : p.getValue().toString())));
    }
    return list;
  }

  private static StepRow row(PipelineRun run, PipelineStep step, boolean stepPages) {
    return new StepRow(
        step.name(),
        stepLink(run, step, stepPages),
        step.type().toString(),
        step.status().dbValue(),
        step.attempts() + " / " + step.maxAttempts(),
        step.startedAt() == null || step.finishedAt() == null
            ? ""
            : seconds(Duration.between(step.startedAt(), step.finishedAt())),
        metrics(StepResults.read(step.result()).path("metrics")));
  }

  private Section section(
      PipelineRun run,
      PipelineStep step,
      List<StepAttempt> attempts,
      boolean stepPages,
      boolean unfolded) {
    JsonNode result = StepResults.read(step.result());
    // Collapsed unless it needs a look (failed) or is going (running): a 20-step run's page
    // stays short enough to find things in.
    boolean open =
        unfolded || step.status() == StepStatus.FAILED || step.status() == StepStatus.RUNNING;
    List<Image> images = new ArrayList<>();
    for (JsonNode image : result.path("images")) {
      Path file = executor.directory(run.id(), step.name()).resolve(image.asString());
      // Not through a link: another step's program could have swapped one in (issue 15).
      if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
        images.add(new Image(image.asString(), StaticHtml.png(bytes(file))));
      }
    }
    List<AttemptRow> rows = new ArrayList<>();
    for (StepAttempt a : attempts) {
      if (a.stepId() == step.id()) {
        rows.add(
            new AttemptRow(
                a.attempt(),
                a.status(),
                a.startedAt(),
                Figures.time(a.startedAt()),
                a.finishedAt() == null
                    ? ""
                    : seconds(Duration.between(a.startedAt(), a.finishedAt())),
                a.spanId() == null ? "" : a.spanId(),
                a.error() == null ? "" : a.error()));
      }
    }
    StringBuilder log = new StringBuilder();
    for (PipelineStore.LogEntry line : store.logs(step.id())) {
      log.append('[').append(line.attempt()).append("] ").append(line.line()).append('\n');
    }
    return new Section(
        step.name(),
        step.type().toString(),
        step.status().dbValue(),
        open,
        unfolded,
        step.failureReason(),
        waits.of(step),
        step.trialId(),
        stepPages && step.trialId() != null ? "/trials/" + step.trialId() : null,
        parameters(step.parameters()),
        result.has("metrics") ? metrics(result.path("metrics")) : null,
        result.has("rows") ? summary(result) : null,
        result.has("confusionMatrix") ? confusion(result) : null,
        images,
        rows,
        log.toString());
  }

  private static Summary summary(JsonNode result) {
    String metric = result.path("metric").asString();
    String best = result.path("best").path("step").asString();
    List<SummaryRow> rows = new ArrayList<>();
    for (JsonNode r : result.path("rows")) {
      rows.add(
          new SummaryRow(
              r.path("value").asString(),
              r.path("step").asString(),
              r.path("status").asString(),
              number(r.path(metric)),
              r.path("step").asString().equals(best)));
    }
    return new Summary(result.path("parameter").asString("step"), metric, rows, best);
  }

  private static Confusion confusion(JsonNode result) {
    List<ConfusionRow> rows = new ArrayList<>();
    int c = 0;
    for (JsonNode r : result.path("confusionMatrix")) {
      List<Long> counts = new ArrayList<>();
      r.forEach(v -> counts.add(v.asLong()));
      rows.add(new ConfusionRow(c, counts, number(result.path("rocAuc").path(c))));
      c++;
    }
    return new Confusion(result.path("confusionMatrix").size(), rows);
  }

  private static String metrics(JsonNode metrics) {
    List<String> parts = new ArrayList<>();
    // Names in words and numbers as written (score 1, not best_score 1.0000), as on every page.
    metrics
        .properties()
        .forEach(m -> parts.add(Figures.label(m.getKey()) + " " + value(m.getValue())));
    return String.join(", ", parts);
  }

  private static String value(JsonNode value) {
    if (!value.isNumber()) {
      return number(value);
    }
    double d = value.asDouble();
    // Counts read with thousands separators (Train images 60,000), as compare's speeds do.
    if (d == Math.rint(d) && Math.abs(d) >= 1000 && Math.abs(d) < 1e15) {
      return String.format(Locale.ROOT, "%,d", (long) d);
    }
    return Figures.value(d);
  }

  private static String number(JsonNode value) {
    if (!value.isNumber()) {
      return value.isMissingNode() || value.isNull() ? "–" : value.asString();
    }
    return value.isIntegralNumber()
        ? Long.toString(value.asLong())
        : String.format(Locale.ROOT, "%.4f", value.asDouble());
  }

  private static String fill(String status) {
    return switch (status) {
      case "succeeded" -> "#86efac";
      case "failed" -> "#f87171";
      case "skipped" -> "#e5e7eb";
      case "running", "queued" -> "#93c5fd";
      default -> "#ffffff";
    };
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.2f", duration.toMillis() / 1000.0);
  }

  private static byte[] bytes(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
