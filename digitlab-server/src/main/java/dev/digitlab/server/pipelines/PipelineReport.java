package dev.digitlab.server.pipelines;

import dev.digitlab.server.web.StaticHtml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * A pipeline run as one self-contained HTML page: header, DAG diagram (nodes link to the steps'
 * sections), Gantt chart with one bar per attempt (failed attempts red), a table of steps, and per
 * step its result, images (inlined as data URIs), log and attempts. No script, no stylesheet or
 * font from elsewhere: the page opens from disk with the network off, which is what {@code digitlab
 * pipeline report} saves; its content is also the server's page for the run, inside the layout.
 */
@Component
class PipelineReport {

  private static final int GANTT_WIDTH = 900;
  private static final int ROW = 22;
  private static final int LABEL = 160;

  private final PipelineStore store;
  private final PipelineExecutor executor;

  PipelineReport(PipelineStore store, PipelineExecutor executor) {
    this.store = store;
    this.executor = executor;
  }

  /** The whole page, as the static report saves it: the content with its own small stylesheet. */
  String render(PipelineRun run) {
    return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Pipeline run "
        + run.id()
        + " · "
        + esc(run.name())
        + "</title><style>"
        + "body{font-family:system-ui,sans-serif;margin:24px;color:#1f2937}"
        + "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d1d5db;"
        + "padding:3px 8px;text-align:left;font-size:13px}th{background:#f3f4f6}"
        + ".succeeded{color:#15803d}.failed{color:#b91c1c}.skipped{color:#6b7280}"
        + ".running,.queued{color:#1d4ed8}pre{background:#f9fafb;padding:8px;"
        + "max-height:320px;overflow:auto;font-size:12px}section{border-top:1px solid"
        + " #e5e7eb;margin-top:24px}img{max-width:100%;border:1px solid #e5e7eb}"
        + "svg{max-width:100%;height:auto}"
        + "</style></head><body>"
        + content(run, false)
        + "</body></html>\n";
  }

  /**
   * Header, DAG, Gantt, steps table and one section per step: the static report's body, and what
   * the server's run page ({@code /pipelines/{id}}) shows inside the shared layout.
   *
   * @param stepPages whether DAG nodes and the steps table link to the server's step pages ({@code
   *     /pipelines/{id}/steps/{name}}) rather than to the step's section further down, as the
   *     report that opens from disk must
   */
  String content(PipelineRun run, boolean stepPages) {
    List<PipelineStep> steps = store.steps(run.id());
    List<StepAttempt> attempts = store.attempts(run.id());
    StringBuilder html = new StringBuilder(64 * 1024);
    html.append("<h1 id=\"run\">Pipeline run ")
        .append(run.id())
        .append(": ")
        .append(esc(run.name()))
        .append("</h1><p>Status <b class=\"")
        .append(run.status().dbValue())
        .append("\" id=\"run-status\">")
        .append(run.status().dbValue())
        .append("</b>");
    if (run.finishedAt() != null) {
      html.append(" · wall time ")
          .append(seconds(Duration.between(run.createdAt(), run.finishedAt())))
          .append(" s");
    }
    html.append(" · started ")
        .append(run.createdAt())
        .append(" by <span id=\"run-owner\">")
        .append(esc(run.owner()))
        .append("</span>");
    if (run.traceId() != null) {
      html.append(" · trace <code>").append(run.traceId()).append("</code>");
    }
    html.append("</p>");
    if (run.failureReason() != null) {
      html.append("<p class=\"failed\">").append(esc(run.failureReason())).append("</p>");
    }
    if (!run.description().isEmpty()) {
      html.append("<p>").append(esc(run.description())).append("</p>");
    }
    html.append("<h2>Steps</h2>");
    dag(html, run, steps, stepPages);
    html.append("<h2>Gantt</h2>");
    gantt(html, run, steps, attempts);
    table(html, run, steps, stepPages);
    for (PipelineStep step : steps) {
      section(html, run, step, attempts, stepPages);
    }
    return html.toString();
  }

  /**
   * One step on its own, for the server's step page: its section (parameters, result, images,
   * attempts with their spans and errors, the log of every attempt), open log included.
   */
  String stepContent(PipelineRun run, PipelineStep step) {
    StringBuilder html = new StringBuilder(16 * 1024);
    section(html, run, step, store.attempts(run.id()), true);
    return html.toString().replace("<details>", "<details open>");
  }

  /** Where a step's link goes: its page on the server, or its section in the same file. */
  private static String stepLink(PipelineRun run, PipelineStep step, boolean stepPages) {
    return stepPages
        ? "/pipelines/" + run.id() + "/steps/" + esc(step.name())
        : "#step-" + esc(step.name());
  }

  private static void dag(
      StringBuilder html, PipelineRun run, List<PipelineStep> steps, boolean stepPages) {
    Map<String, Integer> depth = new HashMap<>();
    Map<Integer, Integer> perLayer = new HashMap<>();
    Map<String, int[]> position = new HashMap<>();
    int nodeWidth = 130;
    int nodeHeight = 28;
    int maxRow = 0;
    int maxLayer = 0;
    // Steps come in dependency order, so each one's dependencies are placed before it.
    for (PipelineStep step : steps) {
      int d = step.dependsOn().stream().mapToInt(n -> depth.getOrDefault(n, 0) + 1).max().orElse(0);
      depth.put(step.name(), d);
      int row = perLayer.merge(d, 1, Integer::sum) - 1;
      position.put(
          step.name(), new int[] {10 + d * (nodeWidth + 40), 10 + row * (nodeHeight + 12)});
      maxRow = Math.max(maxRow, row);
      maxLayer = Math.max(maxLayer, d);
    }
    int width = 20 + (maxLayer + 1) * (nodeWidth + 40);
    int height = 20 + (maxRow + 1) * (nodeHeight + 12);
    // The view box lets the drawing shrink to a narrow window instead of being cut off.
    html.append("<svg id=\"dag\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
        .append(width)
        .append(' ')
        .append(height)
        .append("\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" font-size=\"12\" font-family=\"sans-serif\">");
    for (PipelineStep step : steps) {
      int[] to = position.get(step.name());
      for (String dependency : step.dependsOn()) {
        int[] from = position.get(dependency);
        html.append("<line x1=\"")
            .append(from[0] + nodeWidth)
            .append("\" y1=\"")
            .append(from[1] + nodeHeight / 2)
            .append("\" x2=\"")
            .append(to[0])
            .append("\" y2=\"")
            .append(to[1] + nodeHeight / 2)
            .append("\" stroke=\"#9ca3af\"/>");
      }
    }
    for (PipelineStep step : steps) {
      int[] at = position.get(step.name());
      html.append("<a href=\"")
          .append(stepLink(run, step, stepPages))
          .append("\"><rect x=\"")
          .append(at[0])
          .append("\" y=\"")
          .append(at[1])
          .append("\" width=\"")
          .append(nodeWidth)
          .append("\" height=\"")
          .append(nodeHeight)
          .append("\" rx=\"4\" fill=\"")
          .append(fill(step.status().dbValue()))
          .append("\" stroke=\"#374151\"/><text x=\"")
          .append(at[0] + 6)
          .append("\" y=\"")
          .append(at[1] + 18)
          .append("\">")
          .append(esc(step.name()))
          .append("</text></a>");
    }
    html.append("</svg>");
  }

  private static void gantt(
      StringBuilder html, PipelineRun run, List<PipelineStep> steps, List<StepAttempt> attempts) {
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
    html.append("<svg id=\"gantt\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
        .append(GANTT_WIDTH)
        .append(' ')
        .append(height)
        .append("\" width=\"")
        .append(GANTT_WIDTH)
        .append("\" height=\"")
        .append(height)
        .append("\" font-size=\"12\" font-family=\"sans-serif\">");
    Map<Long, Integer> row = new HashMap<>();
    for (int i = 0; i < steps.size(); i++) {
      row.put(steps.get(i).id(), i);
      html.append("<text x=\"0\" y=\"")
          .append(i * ROW + 15)
          .append("\">")
          .append(esc(steps.get(i).name()))
          .append("</text>");
    }
    for (StepAttempt a : attempts) {
      Integer r = row.get(a.stepId());
      if (r == null) {
        continue;
      }
      Instant finished = a.finishedAt() == null ? end : a.finishedAt();
      double x = LABEL + Duration.between(start, a.startedAt()).toMillis() / total * plot;
      double w = Math.max(2, Duration.between(a.startedAt(), finished).toMillis() / total * plot);
      html.append("<rect class=\"bar ")
          .append(a.status())
          .append("\" x=\"")
          .append(String.format(Locale.ROOT, "%.1f", x))
          .append("\" y=\"")
          .append(r * ROW + 3)
          .append("\" width=\"")
          .append(String.format(Locale.ROOT, "%.1f", w))
          .append("\" height=\"")
          .append(ROW - 6)
          .append("\" fill=\"")
          .append(fill(a.status()))
          .append("\" stroke=\"#374151\"><title>")
          .append(esc(a.stepName()))
          .append(" attempt ")
          .append(a.attempt())
          .append(": ")
          .append(a.status())
          .append(", ")
          .append(seconds(Duration.between(a.startedAt(), finished)))
          .append(" s")
          .append(a.error() == null ? "" : " — " + esc(a.error()))
          .append("</title></rect>");
    }
    html.append("<text x=\"")
        .append(LABEL)
        .append("\" y=\"")
        .append(height - 8)
        .append("\">0 s</text><text x=\"")
        .append(GANTT_WIDTH - 60)
        .append("\" y=\"")
        .append(height - 8)
        .append("\">")
        .append(seconds(Duration.ofMillis((long) total)))
        .append(" s</text></svg>");
  }

  private static void table(
      StringBuilder html, PipelineRun run, List<PipelineStep> steps, boolean stepPages) {
    html.append("<table id=\"steps\"><tr><th>step</th><th>type</th><th>status</th>")
        .append("<th>attempts</th><th>seconds</th><th>metrics</th></tr>");
    for (PipelineStep step : steps) {
      html.append("<tr><td><a href=\"")
          .append(stepLink(run, step, stepPages))
          .append("\">")
          .append(esc(step.name()))
          .append("</a></td><td>")
          .append(step.type())
          .append("</td><td class=\"")
          .append(step.status().dbValue())
          .append("\">")
          .append(step.status().dbValue())
          .append("</td><td>")
          .append(step.attempts())
          .append(" / ")
          .append(step.maxAttempts())
          .append("</td><td>")
          .append(
              step.startedAt() == null || step.finishedAt() == null
                  ? ""
                  : seconds(Duration.between(step.startedAt(), step.finishedAt())))
          .append("</td><td>")
          .append(metrics(StepResults.read(step.result()).path("metrics")))
          .append("</td></tr>");
    }
    html.append("</table>");
  }

  private void section(
      StringBuilder html,
      PipelineRun run,
      PipelineStep step,
      List<StepAttempt> attempts,
      boolean stepPages) {
    JsonNode result = StepResults.read(step.result());
    html.append("<section id=\"step-")
        .append(esc(step.name()))
        .append("\"><h3>")
        .append(esc(step.name()))
        .append(" <small class=\"")
        .append(step.status().dbValue())
        .append("\">")
        .append(step.type())
        .append(", ")
        .append(step.status().dbValue())
        .append("</small></h3>");
    if (step.failureReason() != null) {
      html.append("<p class=\"failed\">").append(esc(step.failureReason())).append("</p>");
    }
    if (step.trialId() != null) {
      html.append(
          stepPages
              ? "<p>Trial <a href=\"/trials/" + step.trialId() + "\">" + step.trialId() + "</a></p>"
              : "<p>Trial " + step.trialId() + "</p>");
    }
    html.append("<p>Parameters <code>").append(esc(step.parameters())).append("</code></p>");
    if (result.has("metrics")) {
      html.append("<p>").append(metrics(result.path("metrics"))).append("</p>");
    }
    if (result.has("rows")) {
      html.append("<table class=\"summary\"><tr><th>")
          .append(esc(result.path("parameter").asString("step")))
          .append("</th><th>step</th><th>status</th><th>")
          .append(esc(result.path("metric").asString()))
          .append("</th></tr>");
      String best = result.path("best").path("step").asString();
      for (JsonNode r : result.path("rows")) {
        html.append(
                r.path("step").asString().equals(best) ? "<tr style=\"font-weight:bold\">" : "<tr>")
            .append("<td>")
            .append(esc(r.path("value").asString()))
            .append("</td><td>")
            .append(esc(r.path("step").asString()))
            .append("</td><td class=\"")
            .append(esc(r.path("status").asString()))
            .append("\">")
            .append(esc(r.path("status").asString()))
            .append("</td><td>")
            .append(number(r.path(result.path("metric").asString())))
            .append("</td></tr>");
      }
      html.append("</table><p>Best: <b>").append(esc(best)).append("</b></p>");
    }
    if (result.has("confusionMatrix")) {
      html.append("<table class=\"confusion\"><tr><th>true \\ predicted</th>");
      for (int c = 0; c < result.path("confusionMatrix").size(); c++) {
        html.append("<th>").append(c).append("</th>");
      }
      html.append("<th>ROC AUC</th></tr>");
      int c = 0;
      for (JsonNode r : result.path("confusionMatrix")) {
        html.append("<tr><th>").append(c).append("</th>");
        for (JsonNode v : r) {
          html.append("<td>").append(v.asLong()).append("</td>");
        }
        html.append("<td>").append(number(result.path("rocAuc").path(c))).append("</td></tr>");
        c++;
      }
      html.append("</table>");
    }
    for (JsonNode image : result.path("images")) {
      Path file = executor.directory(run.id(), step.name()).resolve(image.asString());
      // Not through a link: another step's program could have swapped one in (issue 15).
      if (Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        html.append("<figure><img alt=\"")
            .append(esc(image.asString()))
            .append("\" src=\"")
            .append(StaticHtml.png(bytes(file)))
            .append("\"><figcaption>")
            .append(esc(image.asString()))
            .append("</figcaption></figure>");
      }
    }
    html.append("<table class=\"attempts\"><tr><th>attempt</th><th>status</th><th>started</th>")
        .append("<th>seconds</th><th>span</th><th>error</th></tr>");
    for (StepAttempt a : attempts) {
      if (a.stepId() != step.id()) {
        continue;
      }
      html.append("<tr><td>")
          .append(a.attempt())
          .append("</td><td class=\"")
          .append(a.status())
          .append("\">")
          .append(a.status())
          .append("</td><td>")
          .append(a.startedAt())
          .append("</td><td>")
          .append(
              a.finishedAt() == null
                  ? ""
                  : seconds(Duration.between(a.startedAt(), a.finishedAt())))
          .append("</td><td><code>")
          .append(a.spanId() == null ? "" : a.spanId())
          .append("</code></td><td>")
          .append(a.error() == null ? "" : esc(a.error()))
          .append("</td></tr>");
    }
    html.append("</table><details><summary>Log</summary><pre>");
    for (PipelineStore.LogEntry line : store.logs(step.id())) {
      html.append('[').append(line.attempt()).append("] ").append(esc(line.line())).append('\n');
    }
    html.append("</pre></details></section>");
  }

  private static String metrics(JsonNode metrics) {
    StringBuilder text = new StringBuilder();
    metrics
        .properties()
        .forEach(
            m -> {
              if (!text.isEmpty()) {
                text.append(", ");
              }
              text.append(esc(m.getKey())).append(' ').append(number(m.getValue()));
            });
    return text.toString();
  }

  private static String number(JsonNode value) {
    if (!value.isNumber()) {
      return value.isMissingNode() || value.isNull() ? "–" : esc(value.asString());
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

  static String esc(String text) {
    return StaticHtml.esc(text);
  }
}
