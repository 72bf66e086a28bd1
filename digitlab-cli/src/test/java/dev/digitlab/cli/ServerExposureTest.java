package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.digitlab.ml.train.IntraOpThreads;
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

  /** TrainingThreads' property, which a server with several worker slots sets. */
  private static final String THREADS = IntraOpThreads.PROPERTY;

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

  @Test
  void a_port_another_program_holds_is_said_with_the_option_to_change_it() throws Exception {
    StringWriter err = new StringWriter();
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      int exit =
          DigitLab.commandLine()
              .setOut(new PrintWriter(new StringWriter(), true))
              .setErr(new PrintWriter(err, true))
              .execute(
                  "server", "--home", home.toString(), "--port", "" + port, "--worker-slots", "0");

      assertThat(exit).isEqualTo(1);
      assertThat(err.toString().lines().toList())
          .containsExactly(
              "error: Port "
                  + port
                  + " is in use by another program: stop it, or start on another port with"
                  + " --port N (or DIGITLAB_PORT; 0 picks a free one).");
    }
  }

  @Test
  void a_refused_server_with_several_worker_slots_leaves_the_thread_count_unset() {
    assumeTrue(
        !IntraOpThreads.chosen(),
        "runs without -D" + THREADS + " and OMP_NUM_THREADS, which make the server leave it alone");
    try {
      int exit =
          DigitLab.commandLine()
              .setOut(new PrintWriter(new StringWriter(), true))
              .setErr(new PrintWriter(new StringWriter(), true))
              .execute(
                  "server",
                  "--bind",
                  "0.0.0.0",
                  "--home",
                  home.toString(),
                  "--port",
                  "0",
                  "--worker-slots",
                  "2");

      assertThat(exit).isEqualTo(2);
      // JVM-wide: later test classes in this fork would train with it (and ThreadTuner stand down).
      assertThat(System.getProperty(THREADS)).isNull();
    } finally {
      System.clearProperty(THREADS);
    }
  }
}
