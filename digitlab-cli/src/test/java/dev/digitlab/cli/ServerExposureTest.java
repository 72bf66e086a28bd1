package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rule: {@code digitlab server --bind} to a non-loopback address without authentication refuses to
 * start, exits non-zero and says how to configure it.
 */
class ServerExposureTest {

  @TempDir Path home;

  @Test
  void binding_every_interface_without_auth_refuses_and_names_the_fixes() {
    StringWriter err = new StringWriter();

    int exit =
        DigitLab.commandLine()
            .setOut(new PrintWriter(new StringWriter(), true))
            .setErr(new PrintWriter(err, true))
            .execute("server", "--bind", "0.0.0.0", "--home", home.toString(), "--port", "0");

    assertThat(exit).isEqualTo(2); // picocli's usage error, as README says
    assertThat(err.toString())
        .contains("Refusing to listen on 0.0.0.0 without authentication")
        .contains("--auth", "DIGITLAB_AUTH=true", "digitlab.auth.enabled=true")
        .contains(home.resolve("admin-token").toString().replace(home.toString(), ""))
        .contains("--insecure");
  }
}
