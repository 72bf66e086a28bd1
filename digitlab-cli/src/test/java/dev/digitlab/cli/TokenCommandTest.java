package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code digitlab token create|ls|revoke} and {@code --token} against a real server with
 * authentication on, starting from the admin token its first start wrote.
 */
class TokenCommandTest extends ServerCommandTest {

  static String admin;

  @BeforeAll
  static void start() throws Exception {
    startServer("--digitlab.auth.enabled=true");
    admin = Files.readString(home.resolve("admin-token")).strip();
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
    // A column: each row's name starts under NAME (times of 27 characters overflowed theirs).
    List<String> rows = out.toString().lines().toList();
    int nameColumn = rows.get(0).indexOf("NAME");
    assertThat(rows.subList(1, rows.size()))
        .isNotEmpty()
        .allSatisfy(row -> assertThat(row.substring(nameColumn)).matches("[a-z-]+"));
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
}
