package dev.digitlab.server.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
 * First-run set-up: when authentication is on and no valid admin token exists (a new server, or
 * every admin token revoked), makes one and writes it to {@code <home>/admin-token}, readable by
 * the server's user only. The token goes to that file and never to the console or the log, which
 * often end up in places (journald, CI logs) that more people can read.
 */
@Component
class BootstrapAdmin implements ApplicationRunner {

  static final String FILE_NAME = "admin-token";

  private static final Logger log = LoggerFactory.getLogger(BootstrapAdmin.class);

  private final AuthSettings settings;
  private final TokenStore tokens;
  private final Path home;

  BootstrapAdmin(AuthSettings settings, TokenStore tokens, @Value("${digitlab.home}") Path home) {
    this.settings = settings;
    this.tokens = tokens;
    this.home = home;
  }

  @Override
  public void run(ApplicationArguments arguments) {
    if (!settings.enabled() || tokens.hasActiveAdmin()) {
      return;
    }
    NewToken admin = tokens.create("bootstrap-admin", Role.ADMIN);
    Path file = home.resolve(FILE_NAME).toAbsolutePath();
    write(file, admin.secret());
    log.warn(
        "No admin token existed: token {} (admin) was made and written to {}, readable by this"
            + " user only. Use it with: export DIGITLAB_TOKEN=$(cat {}); then create everyone's"
            + " tokens with 'digitlab token create --role user --name NAME' and delete the file.",
        admin.token().id(),
        file,
        file);
  }

  private static void write(Path file, String secret) {
    try {
      Files.createDirectories(file.getParent());
      Files.deleteIfExists(file);
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        // Created with its final permissions, so the token is never readable by others.
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(file);
      }
      Files.writeString(file, secret + System.lineSeparator(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the first admin token to " + file, e);
    }
  }
}
