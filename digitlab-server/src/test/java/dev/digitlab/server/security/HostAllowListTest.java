package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.DigitLabServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Finding 2 of issue 15, DNS rebinding: a page on {@code attacker.example} whose name is rebound to
 * 127.0.0.1 reaches the loopback server with {@code Host: attacker.example} and a matching {@code
 * Origin}. Rule: a request whose {@code Host} is not on the allow-list (localhost, 127.0.0.1, ::1,
 * the bound address, {@code digitlab.allowed-hosts}) is refused with a 403 problem before any
 * handler runs, whatever its path; a same-site check trusts an {@code Origin} only on the list.
 * Requests are written by hand: Java's HTTP client does not let a caller choose {@code Host}.
 */
class HostAllowListTest {

  @TempDir Path home;

  @Test
  void a_rebound_name_is_refused_on_every_path_before_any_handler_runs() throws Exception {
    try (ConfigurableApplicationContext server = start()) {
      int port = port(server);
      String attacker = "attacker.example:" + port;

      String pipeline =
          send(
              port,
              "POST",
              "/api/v1/pipelines",
              attacker,
              "http://" + attacker,
              "{\"name\":\"x\",\"steps\":[{\"name\":\"a\",\"type\":\"command\","
                  + "\"parameters\":{\"executable\":\"true\"}}]}");
      String token =
          send(
              port,
              "POST",
              "/api/v1/tokens",
              attacker,
              "http://" + attacker,
              "{\"role\":\"admin\"}");
      String page = send(port, "GET", "/", attacker, null, null);
      String mlflow = send(port, "GET", "/api/2.0/mlflow/experiments/search", attacker, null, null);

      for (String response : new String[] {pipeline, token, page}) {
        assertThat(response).startsWith("HTTP/1.1 403");
        assertThat(response).contains("application/problem+json", "--allowed-hosts");
      }
      // MLflow's clients read their own error shape
      assertThat(mlflow).startsWith("HTTP/1.1 403");
      assertThat(mlflow).contains("\"error_code\":\"PERMISSION_DENIED\"", "--allowed-hosts");
      assertThat(server.getBean(TokenStore.class).list()).isEmpty();
    }
  }

  @Test
  void loopback_names_and_configured_hosts_are_served() throws Exception {
    try (ConfigurableApplicationContext server =
        start("--digitlab.allowed-hosts=digits.example, lab.internal")) {
      int port = port(server);
      for (String host :
          new String[] {
            "localhost:" + port,
            "127.0.0.1:" + port,
            "[::1]:" + port,
            "LOCALHOST",
            "digits.example",
            "lab.internal:443"
          }) {
        assertThat(send(port, "GET", "/api/v1/experiments", host, null, null))
            .as(host)
            .startsWith("HTTP/1.1 200");
      }
      assertThat(send(port, "GET", "/api/v1/experiments", "evil.example", null, null))
          .startsWith("HTTP/1.1 403");
      // Same-site does not trust Host alone: an allowed Host with a foreign Origin is cross-site,
      // and a page on an allowed name is same-site only on that name.
      assertThat(
              send(
                  port,
                  "POST",
                  "/api/v1/experiments",
                  "digits.example",
                  "http://evil.example",
                  "{}"))
          .startsWith("HTTP/1.1 403");
    }
  }

  @Test
  void a_star_turns_the_check_off() throws Exception {
    try (ConfigurableApplicationContext server = start("--digitlab.allowed-hosts=*")) {
      int port = port(server);
      assertThat(send(port, "GET", "/api/v1/experiments", "anything.example", null, null))
          .startsWith("HTTP/1.1 200");
    }
  }

  private ConfigurableApplicationContext start(String... more) {
    String[] arguments = {
      "--server.port=0", "--digitlab.home=" + home, "--digitlab.worker.slots=0",
    };
    String[] all = new String[arguments.length + more.length];
    System.arraycopy(arguments, 0, all, 0, arguments.length);
    System.arraycopy(more, 0, all, arguments.length, more.length);
    return SpringApplication.run(DigitLabServer.class, all);
  }

  private static int port(ConfigurableApplicationContext server) {
    return Integer.parseInt(server.getEnvironment().getProperty("local.server.port"));
  }

  /** One HTTP/1.1 request with these headers; the whole response as text. */
  static String send(int port, String method, String path, String host, String origin, String json)
      throws IOException {
    byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
    StringBuilder head =
        new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n");
    if (origin != null) {
      head.append("Origin: ").append(origin).append("\r\n");
    }
    if (json != null) {
      head.append("Content-Type: application/json\r\n");
    }
    head.append("Accept: */*\r\nContent-Length: ")
        .append(body.length)
        .append("\r\nConnection: close\r\n\r\n");
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(body);
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
