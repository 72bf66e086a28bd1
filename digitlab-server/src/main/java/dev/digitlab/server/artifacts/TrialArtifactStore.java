package dev.digitlab.server.artifacts;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A trial's files in the shared object store, under {@code trials/<trial>/attempt-<n>/<file>}.
 * Attempts always write their files to the local trial folder first (that is where the trainer and
 * the report readers work); with an object store configured, each file is also published there as
 * soon as it is written, and a server that lacks a file locally (another replica, or a restart on a
 * fresh disk) fetches it back. Without one every method is a no-op and the local folder is the
 * store.
 */
public final class TrialArtifactStore {

  private final ObjectStore store;

  /**
   * @param store the shared store, or null to keep artifacts in the local folder only
   */
  public TrialArtifactStore(ObjectStore store) {
    this.store = store;
  }

  /** Whether files are shared through an object store. */
  public boolean shared() {
    return store != null;
  }

  /** Publishes an attempt's file, written at {@code file}, under its file name. */
  public void publish(long trialId, int attempt, Path file) {
    publish(trialId, "attempt-" + attempt + "/" + file.getFileName(), file);
  }

  /**
   * Publishes a file of the trial under {@code relativePath} (as in the trial's local folder, e.g.
   * {@code checkpoints/2-41.ckpt}).
   */
  public void publish(long trialId, String relativePath, Path file) {
    if (store != null && Files.isRegularFile(file)) {
      store.put("trials/" + trialId + "/" + relativePath, file);
    }
  }

  /** Makes the trial's file {@code relativePath} present at {@code target}; see {@link #fetch}. */
  public boolean fetch(long trialId, String relativePath, Path target) {
    if (Files.isRegularFile(target)) {
      return true;
    }
    return store != null && store.download("trials/" + trialId + "/" + relativePath, target);
  }

  /**
   * Makes the attempt's file {@code fileName} present at {@code target} when only the store has it;
   * true when the file is (now) at {@code target}.
   */
  public boolean fetch(long trialId, int attempt, String fileName, Path target) {
    if (Files.isRegularFile(target)) {
      return true;
    }
    return store != null && store.download(key(trialId, attempt, fileName), target);
  }

  /** Whether the attempt's file is in the store. */
  public boolean storedRemotely(long trialId, int attempt, String fileName) {
    return store != null && store.exists(key(trialId, attempt, fileName));
  }

  /**
   * Publishes a server file that is not a trial's (a registered model's weights, a feedback image)
   * under {@code key}, e.g. {@code registry/digits/v3/model.dlm}.
   */
  public void publishFile(String key, Path file) {
    if (store != null && Files.isRegularFile(file)) {
      store.put(key, file);
    }
  }

  /** Whether the object store holds a file under {@code key} (false without one). */
  public boolean fileStored(String key) {
    return store != null && store.exists(key);
  }

  /** Makes the file stored under {@code key} present at {@code target}; see {@link #fetch}. */
  public boolean fetchFile(String key, Path target) {
    if (Files.isRegularFile(target)) {
      return true;
    }
    return store != null && store.download(key, target);
  }

  /** Deletes every stored file of the trial. */
  public void deleteTrial(long trialId) {
    if (store != null) {
      store.deletePrefix("trials/" + trialId + "/");
    }
  }

  /**
   * Deletes every file published under the key prefix {@code prefix} (e.g. {@code
   * datasets/<digest>/}), as {@link #publishFile} put them; nothing without an object store.
   */
  public void deleteFiles(String prefix) {
    if (store != null) {
      store.deletePrefix(prefix);
    }
  }

  static String key(long trialId, int attempt, String fileName) {
    return "trials/" + trialId + "/attempt-" + attempt + "/" + fileName;
  }
}
