package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The commands Digit Lab prints for the user to run next ({@code digitlab server}'s submit line,
 * {@code submit}'s and {@code pipeline run}'s "See it with") name the server with {@code --server}
 * whenever the client commands' default would reach another one.
 */
class ServerSubmitHintTest {

  @Test
  void another_port_or_another_address_is_another_server() {
    assertThat(ServerOption.sameServer("http://127.0.0.1:18712", "http://localhost:8080"))
        .isFalse();
    assertThat(ServerOption.sameServer("http://10.1.2.3:8080", "http://localhost:8080")).isFalse();
    assertThat(ServerOption.sameServer("https://localhost:8080", "http://localhost:8080"))
        .isFalse();
  }

  @Test
  void loopback_names_of_one_port_and_default_ports_are_the_same_server() {
    assertThat(ServerOption.sameServer("http://127.0.0.1:8080", "http://localhost:8080")).isTrue();
    assertThat(ServerOption.sameServer("http://127.0.0.1:18712", "http://127.0.0.1:18712/"))
        .isTrue();
    assertThat(ServerOption.sameServer("http://localhost:80", "http://LOCALHOST")).isTrue();
  }

  @Test
  void a_value_the_client_would_refuse_is_never_the_same() {
    assertThat(ServerOption.sameServer("http://127.0.0.1:8080", "localhost:8080")).isFalse();
    assertThat(ServerOption.sameServer("http://127.0.0.1:8080", "")).isFalse();
  }
}
