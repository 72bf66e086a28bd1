package dev.digitlab.server.registry;

import java.time.Instant;
import java.util.List;

/** A registered model name with its versions (newest first) and aliases. */
public record RegisteredModel(
    String name,
    String description,
    Instant createdAt,
    List<ModelVersion> versions,
    List<ModelAlias> aliases) {

  public RegisteredModel {
    versions = List.copyOf(versions);
    aliases = List.copyOf(aliases);
  }
}
