package dev.digitlab.server.artifacts;

import java.nio.file.Path;

/**
 * Files kept under keys in an object store shared by every server: what a trial's attempts produce
 * (checkpoints, models, reports) when the local folder is not shared. Keys are {@code /}-separated
 * relative names such as {@code trials/12/attempt-1/model.dlm}.
 */
public interface ObjectStore {

  /** Stores the file under the key, replacing what was there. */
  void put(String key, Path file);

  /** Copies the object to {@code target} (replaced); false when there is no such object. */
  boolean download(String key, Path target);

  /** Whether an object has this key. */
  boolean exists(String key);

  /** Deletes every object whose key starts with {@code prefix}; returns how many. */
  int deletePrefix(String prefix);

  /** Where objects go, for the server's start-up log (no credentials). */
  String describe();
}
