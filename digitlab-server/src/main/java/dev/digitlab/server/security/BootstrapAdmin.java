package dev.digitlab.server.security;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Start-up with authentication on: revokes the tokens made while it was off (anyone who could
 * connect could have made them), then, when no valid admin token made with authentication on exists
 * (a new server, every admin token revoked, or only planted ones), makes one and writes it to
 * {@code <home>/admin-token}, readable by the server's user only. The token goes to that file and
 * never to the console or the log, which often end up in places (journald, CI logs) that more
 * people can read. {@link #written()} says whether this start wrote it, for {@code digitlab
 * server}'s console.
 */
@Component
public class BootstrapAdmin implements ApplicationRunner {

  static final String FILE_NAME = "admin-token";

  private static final Logger log = LoggerFactory.getLogger(BootstrapAdmin.class);

  private final AuthSettings settings;
  private final TokenStore tokens;
  private final Path home;
  private volatile Path written;

  BootstrapAdmin(AuthSettings settings, TokenStore tokens, @Value("${digitlab.home}") Path home) {
    this.settings = settings;
    this.tokens = tokens;
    this.home = home;
  }

  @Override
  public void run(ApplicationArguments arguments) {
    if (!settings.enabled()) {
      return;
    }
    int revoked = tokens.revokeMadeWithoutAuth();
    if (revoked > 0) {
      log.warn(
          "{} token(s) made while authentication was off revoked: anyone who could connect could"
              + " have made them ('digitlab token ls' lists them)",
          revoked);
    }
    if (tokens.hasActiveAdmin()) {
      return;
    }
    NewToken admin = tokens.create("bootstrap-admin", Role.ADMIN);
    Path file = home.resolve(FILE_NAME).toAbsolutePath();
    write(file, admin.secret());
    written = file;
    log.warn(
        "No admin token existed: token {} (admin) was made and written to {}, readable by this"
            + " user only. Use it with: export DIGITLAB_TOKEN=$(cat {}); then create everyone's"
            + " tokens with 'digitlab token create --role user --name NAME' and delete the file.",
        admin.token().id(),
        file,
        file);
  }

  /** The file this start wrote a new admin token to; empty if it wrote none. */
  public Optional<Path> written() {
    return Optional.ofNullable(written);
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
