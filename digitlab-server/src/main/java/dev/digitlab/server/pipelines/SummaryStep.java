package dev.digitlab.server.pipelines;

import dev.digitlab.protocol.pipeline.StepType;
import java.util.ArrayList;
import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Gathers one metric from the steps it depends on (usually the copies of a swept benchmark) into a
 * table against the swept value, draws it as a chart, and picks the best by {@code goal}. It runs
 * even when some branches failed or were skipped: they are rows marked so, and listed under {@code
 * failed}. It fails only when no branch has the metric.
 */
@Component
class SummaryStep implements StepHandler {

  static final String CHART = "summary.png";

  @Override
  public StepType type() {
    return StepType.SUMMARY;
  }

  @Override
  public ObjectNode run(StepContext context) throws Exception {
    ObjectNode p = context.step().parameters();
    String metric = p.path("metric").asString("accuracy");
    boolean maximise = !"min".equals(p.path("goal").asString("max"));
    ObjectNode result = StepResults.object();
    result.put("metric", metric);
    result.put("goal", maximise ? "max" : "min");
    ArrayNode rows = result.putArray("rows");
    ArrayNode failed = result.putArray("failed");
    List<String> labels = new ArrayList<>();
    double[] values = new double[context.dependencies().size()];
    String parameter = null;
    JsonNode best = null;
    int i = 0;
    for (PipelineStep step : context.dependencies()) {
      ObjectNode row = rows.addObject();
      row.put("step", step.name());
      row.put("status", step.status().dbValue());
      String label = step.sweepValue() == null ? step.name() : step.sweepValue();
      row.put("value", label);
      if (step.sweepParameter() != null) {
        parameter = step.sweepParameter();
      }
      labels.add(label);
      JsonNode measured = StepResults.read(step.result()).path("metrics").path(metric);
      if (step.status() == StepStatus.SUCCEEDED && measured.isNumber()) {
        row.put(metric, measured.asDouble());
        values[i] = measured.asDouble();
        if (best == null
            || (maximise
                ? measured.asDouble() > best.path(metric).asDouble()
                : measured.asDouble() < best.path(metric).asDouble())) {
          best = row;
        }
      } else {
        values[i] = Double.NaN;
        ObjectNode f = failed.addObject();
        f.put("step", step.name());
        f.put("status", step.status().dbValue());
        f.put(
            "reason",
            step.failureReason() == null
                ? "no " + metric + " in its result"
                : step.failureReason());
        context
            .log()
            .accept(
                "branch "
                    + step.name()
                    + " "
                    + step.status().dbValue()
                    + ": "
                    + f.get("reason").asString());
      }
      i++;
    }
    result.put("parameter", parameter);
    if (best == null) {
      throw new IllegalStateException("no branch produced " + metric + ": every one failed");
    }
    result.set("best", best.deepCopy());
    Charts.line(
        context.directory().resolve(CHART),
        metric + " against " + (parameter == null ? "step" : parameter),
        labels,
        values);
    result.putArray("images").add(CHART);
    ObjectNode metrics = result.putObject("metrics");
    metrics.put("best_" + metric, best.path(metric).asDouble());
    metrics.put("failedBranches", failed.size());
    context
        .log()
        .accept(
            "best: "
                + best.path("step").asString()
                + " with "
                + metric
                + " "
                + best.path(metric).asDouble());
    return result;
  }
}
