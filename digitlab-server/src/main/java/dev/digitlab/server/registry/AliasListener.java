package dev.digitlab.server.registry;

/**
 * Told about alias moves, so that serving can load a version before an alias points at it (and fail
 * the move when it cannot be loaded) and then switch to it.
 */
public interface AliasListener {

  /** Prepares {@code version} for serving; throws when it cannot be served. */
  void warm(String model, int version);

  /** The alias now points at {@code version} (the move is committed). */
  void aliasMoved(String model, String alias, int version);
}
