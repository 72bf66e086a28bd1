package dev.digitlab.server.trials;

/** What a trial's pages and checks need of its experiment (read with the trial, by id). */
public record TrialExperiment(
    long id, String name, String owner, String dataset, String objectiveMetric) {}
