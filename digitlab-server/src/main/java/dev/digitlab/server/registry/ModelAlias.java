package dev.digitlab.server.registry;

import java.time.Instant;

/** A movable name ({@code production}, {@code staging}, …) for one version of a model. */
public record ModelAlias(String model, String alias, int version, Instant updatedAt) {}
