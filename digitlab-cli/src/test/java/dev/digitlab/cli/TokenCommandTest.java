package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine;

/**
 * {@code digitlab token create|ls|revoke} and {@code --token} against a real server with
 * authentication on, starting from the admin token its first start wrote.
 */
class TokenCommandTest {

  @TempDir static Path home;

  static ConfigurableApplicationContext server;
  static String url;
  static String admin;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeAll
  static void startServer() throws Exception {
    server = LocalServer.start(home, "--digitlab.auth.enabled=true");
    url = LocalServer.url(server);
    admin = Files.readString(home.resolve("admin-token")).strip();
  }

  @AfterAll
  static void stopServer() {
    // Null when the start failed or was skipped: teardown must not hide that behind an NPE.
    if (server != null) {
      server.close();
    }
  }

  @Test
  void an_admin_creates_a_user_token_that_submits_until_it_is_revoked() {
    assertThat(run("token", "create", "--role", "user", "--name", "alice", "--token", admin))
        .as(err.toString())
        .isZero();
    String alice = out.toString().strip();
    assertThat(alice).startsWith("dlt_").doesNotContain("\n");
    assertThat(err.toString()).contains("(alice, user) created", "shown only now");
    String id = err.toString().replaceAll("(?s).*Token (\\d+) \\(alice.*", "$1");
    clear();

    assertThat(run("token", "ls", "--token", admin)).isZero();
    assertThat(out.toString())
        .contains("bootstrap-admin", "alice", "active")
        .doesNotContain(alice)
        .doesNotContain(admin);
    clear();

    assertThat(run("submit", "../examples/grid-lr-batch.yaml", "--token", alice))
        .as(err.toString())
        .isZero();
    String experiment = out.toString().strip();
    clear();
    assertThat(run("show", experiment, "--token", alice)).isZero();
    clear();

    assertThat(run("token", "revoke", id, "--token", admin)).isZero();
    assertThat(out.toString()).contains("Token " + id + " revoked.");
    clear();

    assertThat(run("show", experiment, "--token", alice)).isEqualTo(1);
    assertThat(err.toString()).contains("unknown or revoked");
  }

  @Test
  void a_users_submit_is_theirs_and_another_user_cannot_cancel_it() {
    run("token", "create", "--role", "user", "--name", "carol", "--token", admin);
    String carol = out.toString().strip();
    clear();
    run("token", "create", "--role", "user", "--name", "dave", "--token", admin);
    String dave = out.toString().strip();
    clear();
    assertThat(run("submit", "../examples/grid-lr-batch.yaml", "--token", carol))
        .as(err.toString())
        .isZero();
    String experiment = out.toString().strip();
    clear();

    assertThat(run("show", experiment, "--token", dave)).isZero();
    assertThat(out.toString()).contains("owner      carol");
    clear();
    assertThat(run("ls", "--owner", "carol", "--token", dave)).isZero();
    assertThat(out.toString()).contains(" carol ").doesNotContain(" dave ");
    clear();

    assertThat(run("cancel", experiment, "--token", dave)).isEqualTo(1);
    assertThat(err.toString())
        .contains("belongs to 'carol'")
        .contains("token 'dave' (role user)")
        .contains("needs role admin");
    clear();
    assertThat(run("cancel", experiment, "--token", carol)).as(err.toString()).isZero();
  }

  @Test
  void without_a_token_a_command_says_how_to_send_one() {
    assertThat(run("ls")).isEqualTo(1);

    assertThat(err.toString()).contains("--token or DIGITLAB_TOKEN");
  }

  @Test
  void only_an_admin_manages_tokens() {
    run("token", "create", "--role", "viewer", "--token", admin);
    String viewer = out.toString().strip();
    clear();

    assertThat(run("token", "create", "--role", "admin", "--token", viewer)).isEqualTo(1);
    assertThat(err.toString()).contains("role 'viewer' may not POST /api/v1/tokens");
  }

  @Test
  void an_unknown_role_is_refused_naming_the_roles() {
    assertThat(run("token", "create", "--role", "root", "--token", admin)).isEqualTo(1);

    assertThat(err.toString()).contains("role: must be admin, user, worker or viewer");
  }

  private void clear() {
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
  }

  private int run(String... args) {
    CommandLine cli =
        DigitLab.commandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true));
    String[] withServer = new String[args.length + 2];
    System.arraycopy(args, 0, withServer, 0, args.length);
    withServer[args.length] = "--server";
    withServer[args.length + 1] = url;
    return cli.execute(withServer);
  }
}
