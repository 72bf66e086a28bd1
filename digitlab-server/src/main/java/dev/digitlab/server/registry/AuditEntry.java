package dev.digitlab.server.registry;

import java.time.Instant;

/**
 * One decision about a model, in the order taken.
 *
 * @param action {@code registered}, {@code promoted}, {@code rolled-back}, {@code archived}, {@code
 *     gate-passed}, {@code gate-rejected}, {@code retrain-started}, {@code retrain-failed}
 * @param fromVersion for an alias move, the version the alias pointed to before (null if none)
 * @param actor who took it: a token's name, {@code local} without one, {@code system} for the
 *     server's own decisions (quality gates, retraining); null for entries older than V7
 */
public record AuditEntry(
    long id,
    String model,
    String action,
    String alias,
    Integer version,
    Integer fromVersion,
    String detail,
    String actor,
    Instant createdAt) {}
