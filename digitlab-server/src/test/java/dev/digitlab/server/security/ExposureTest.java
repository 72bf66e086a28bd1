package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.server.DigitLabServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Rule: on a loopback address authentication may stay off; on any other address without
 * authentication the server does not start (before it listens) unless told {@code insecure}, and
 * then it warns.
 */
@ExtendWith(OutputCaptureExtension.class)
class ExposureTest {

  @TempDir Path home;

  @Test
  void loopback_addresses_may_run_without_authentication() {
    assertThat(ExposureCheck.refusal("127.0.0.1", false, false, "h")).isEmpty();
    assertThat(ExposureCheck.refusal("::1", false, false, "h")).isEmpty();
    assertThat(ExposureCheck.refusal("localhost", false, false, "h")).isEmpty();
  }

  @Test
  void other_addresses_need_authentication_or_insecure() {
    assertThat(ExposureCheck.refusal("0.0.0.0", false, false, "/data"))
        .hasValueSatisfying(
            refusal ->
                assertThat(refusal)
                    .contains("Refusing to listen on 0.0.0.0 without authentication")
                    .contains("--auth", "/data/admin-token", "--insecure"));
    assertThat(ExposureCheck.refusal(null, false, false, "h")).isPresent();
    assertThat(ExposureCheck.refusal("", false, false, "h")).isPresent();
    assertThat(ExposureCheck.refusal("0.0.0.0", true, false, "h")).isEmpty();
    assertThat(ExposureCheck.refusal("0.0.0.0", false, true, "h")).isEmpty();
  }

  @Test
  void the_server_itself_refuses_to_start_on_every_interface_without_authentication() {
    assertThatThrownBy(() -> start("0.0.0.0").close())
        .rootCause()
        .hasMessageContaining("Refusing to listen on 0.0.0.0 without authentication");
  }

  @Test
  void insecure_starts_on_every_interface_with_a_warning(CapturedOutput output) {
    try (ConfigurableApplicationContext server =
        start("0.0.0.0", "--digitlab.auth.insecure=true")) {
      assertThat(server.isActive()).isTrue();
    }
    assertThat(output.getAll()).contains("INSECURE: listening on 0.0.0.0 without authentication");
  }

  private ConfigurableApplicationContext start(String address, String... more) {
    String[] arguments = {
      "--server.port=0",
      "--server.address=" + address,
      "--digitlab.home=" + home,
      "--digitlab.worker.slots=0"
    };
    String[] all = java.util.Arrays.copyOf(arguments, arguments.length + more.length);
    System.arraycopy(more, 0, all, arguments.length, more.length);
    return SpringApplication.run(DigitLabServer.class, all);
  }
}
