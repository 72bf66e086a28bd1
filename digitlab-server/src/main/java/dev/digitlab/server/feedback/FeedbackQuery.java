package dev.digitlab.server.feedback;

/**
 * A feedback filter; null fields do not filter.
 *
 * @param used true: consumed by a retraining; false: not yet
 */
record FeedbackQuery(
    String model, Integer label, Boolean used, Boolean heldOut, int limit, int offset) {}
