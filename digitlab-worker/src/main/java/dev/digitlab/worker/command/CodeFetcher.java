package dev.digitlab.worker.command;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a worker gets a command's packed code by its SHA-256: the server's code endpoint for a
 * remote worker, the server's store for the embedded one. The bytes are checked by {@link
 * CodeCache}, never trusted.
 */
@FunctionalInterface
public interface CodeFetcher {

  /** Writes the packed code ({@code .tar.gz}) whose SHA-256 is {@code sha256} to {@code target}. */
  void fetch(String sha256, Path target) throws IOException, InterruptedException;
}
