package dev.digitlab.protocol.worker;

/**
 * The answer to a stored batch of an attempt's events.
 *
 * @param stored events that were new
 * @param duplicates events the server already had (a resent batch)
 * @param stop the experiment's pruner stopped the trial on this batch's metrics, or a user asked to
 *     stop it: end the attempt now (as for a cancel; the server records it pruned or cancelled), so
 *     that it trains no further epoch
 */
public record EventsAnswer(int stored, int duplicates, boolean stop) {}
