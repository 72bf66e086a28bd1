package dev.digitlab.server.transfer;

import java.util.List;

/**
 * What {@code GET /api/v1/experiments/{id}/export} writes (gzip-compressed JSON) and {@code POST
 * /api/v1/experiments/import} reads: the experiment's spec, its trials with their results, every
 * event of every attempt, and each trial's small artifacts (the model and the reports; not the
 * checkpoint, which only resuming needs). Times are ISO-8601 strings; {@code spec}, {@code config}
 * and {@code lastMetrics} are the JSON text the server stored.
 */
record ExperimentExport(
    String format, int version, String exportedAt, Exported experiment, List<Trial> trials) {

  static final String FORMAT = "digitlab-experiment";
  static final int VERSION = 1;

  record Exported(
      long id,
      String name,
      String owner,
      String description,
      String notes,
      List<String> tags,
      String dataset,
      String spec,
      String objectiveMetric,
      String objectiveGoal,
      int maxParallelTrials,
      int priority,
      String status,
      String createdAt) {}

  record Trial(
      long id,
      int ordinal,
      String config,
      String status,
      int attempt,
      String requires,
      String workerName,
      String lastMetrics,
      Double bestMetric,
      Double testAccuracy,
      Double testF1Macro,
      Double trainSeconds,
      String queuedAt,
      String startedAt,
      String finishedAt,
      String failureReason,
      List<Event> events,
      List<Artifact> artifacts) {}

  /** One event; {@code type} is its wire name ({@code metric}, {@code log}, …). */
  record Event(int attempt, long seq, String type, String payload) {}

  /** One artifact file of the attempt that wrote it, named as {@code RunArtifact} names it. */
  record Artifact(String name, int attempt, String sha256, String base64) {}
}
