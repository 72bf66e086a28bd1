package dev.digitlab.server.trials;

/**
 * One point of a metric's history: the optimizer step and 1-based epoch it belongs to, and its
 * value (null when the worker reported NaN or an infinity, which JSON cannot carry as a number).
 */
public record MetricSample(long step, int epoch, Double value) {}
