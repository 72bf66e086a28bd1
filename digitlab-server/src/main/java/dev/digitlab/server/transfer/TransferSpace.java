package dev.digitlab.server.transfer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Where exports and imports keep their temporary files, {@code <home>/tmp/transfer/}: an export's
 * generated entries ({@link ExportEntries}) and an import's body while it arrives ({@link
 * ImportSlots}). Each is deleted when its request ends; only a killed server leaves any.
 */
@Component
class TransferSpace {

  private final Path root;

  TransferSpace(@Value("${digitlab.home}") Path home) {
    this.root = home.resolve("tmp").resolve("transfer");
  }

  /** A new empty file, its name starting with {@code prefix}. */
  Path newFile(String prefix) throws IOException {
    Files.createDirectories(root);
    return Files.createTempFile(root, prefix, ".part");
  }
}
