package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar's server logs through Logback in Spring Boot's one console format: its own lines,
 * Tomcat's (java.util.logging, bridged) and DJL's alike, and {@code logging.level.*} reaches them.
 */
class ServerLogIT {

  // Spring Boot's console pattern: ISO time, level, pid, "---", [thread], logger, ":".
  private static final Pattern BOOT_LINE =
      Pattern.compile(
          "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) +"
              + "(TRACE|DEBUG|INFO|WARN|ERROR) \\d+ --- \\[.*\\] .* : .*");
  // java.util.logging's default format ("Dec 06, 2026 8:01:02 AM org.apache...") and
  // slf4j-simple's ("[main] INFO ..."): what the jar printed before it used Logback.
  private static final Pattern OTHER_FORMAT =
      Pattern.compile(
          "^([A-Z][a-z]{2} \\d\\d?, \\d{4} .*(AM|PM) .*|\\[[^\\]]+\\] (INFO|WARN|ERROR|DEBUG) .*)");

  @TempDir Path temp;

  @Test
  void server_start_up_is_one_log_format_and_logging_levels_apply() throws Exception {
    Map<String, String> environment =
        Map.of(
            // logging.level.* from the environment: DEBUG for the project, and one of Tomcat's
            // own java.util.logging loggers silenced (SPRING_APPLICATION_JSON keeps the logger
            // name's case, which a LOGGING_LEVEL_* variable cannot).
            "LOGGING_LEVEL_DEV_DIGITLAB",
            "DEBUG",
            "SPRING_APPLICATION_JSON",
            "{\"logging.level.org.apache.catalina.core.StandardService\": \"WARN\"}");
    // The packed jar (the launcher's fallback); the other ITs run the extracted one.
    try (JarProcess server =
        JarProcess.startPacked(
            temp.resolve("server.log"),
            environment,
            "server",
            "--port",
            "0",
            "--home",
            temp.resolve("home").toString(),
            "--worker-slots",
            "0")) {
      String url = server.awaitServerUrl(Duration.ofMinutes(3));
      List<String> lines = server.output().lines().toList();
      for (int i = 0; i < 50 && !lines.contains("Stop it with Ctrl-C."); i++) {
        Thread.sleep(100); // the banner's lines after the first
        lines = server.output().lines().toList();
      }
      List<String> logLines = lines.stream().filter(l -> BOOT_LINE.matcher(l).matches()).toList();

      assertThat(lines).noneMatch(l -> OTHER_FORMAT.matcher(l).matches());
      // Tomcat's java.util.logging records arrive through Logback, in Boot's format...
      assertThat(logLines).anyMatch(l -> l.contains("Starting Servlet engine"));
      // ...and logging.level reaches them: StandardService's INFO line is gone.
      assertThat(lines).noneMatch(l -> l.contains("Starting service [Tomcat]"));
      assertThat(logLines).anyMatch(l -> l.contains(" INFO ") && l.contains("Started "));
      assertThat(logLines).anyMatch(l -> l.contains(" DEBUG ") && l.contains("d.digitlab."));
      // --port 0 is not the client commands' default port: the submit line names the server.
      assertThat(lines)
          .contains(
              "  submit an experiment: digitlab submit --server "
                  + url
                  + " examples/grid-lr-batch.yaml");
    }
  }
}
