package dev.digitlab.server.database;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Makes the embedded H2 database readable by the server's user only (issue 15: the file was mode
 * 0644, so any local user could read every token hash, experiment and feedback image reference). H2
 * creates its files with the process's umask; this narrows {@code <home>/db} and its files to 0700
 * / 0600 at every start.
 */
@Component
class DatabaseFilePermissions implements ApplicationRunner {

  private static final Logger log = LoggerFactory.getLogger(DatabaseFilePermissions.class);

  private final Path directory;

  DatabaseFilePermissions(@Value("${digitlab.home}") Path home) {
    this.directory = home.resolve("db");
  }

  @Override
  public void run(ApplicationArguments arguments) {
    if (!Files.isDirectory(directory)
        || !FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      return;
    }
    try {
      Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
      try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
        for (Path file : files) {
          if (Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
          }
        }
      }
    } catch (IOException e) {
      log.warn("Cannot make {} private to this user: {}", directory, e.getMessage());
    }
  }
}
