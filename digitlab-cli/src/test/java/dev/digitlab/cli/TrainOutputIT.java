package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plain {@code digitlab train} run, in a process of its own so that what libtorch writes to the
 * terminal itself is seen too, prints the run and nothing the engine says about itself: DJL's
 * start-up lines (platform, graph executor, thread counts), its CUDA probe on a machine where the
 * bundled CPU build of libtorch could not use a GPU anyway, and libtorch's own warnings.
 */
class TrainOutputIT {

  // Spring Boot's console pattern, which every logger's line takes (see logback.xml).
  private static final Pattern DJL_LOG_LINE =
      Pattern.compile("^\\d{4}-\\d\\d-\\d\\dT\\S+ +(TRACE|DEBUG|INFO|WARN|ERROR) .* ai\\.djl\\..*");
  // libtorch's (c10's) own logging, straight to stderr: "[W1207 17:44:04.94 File.h:74] Warning: …".
  private static final Pattern LIBTORCH_LINE = Pattern.compile("^\\[[IWEF]\\d{4} .*");

  @TempDir Path temp;

  @Test
  void a_normal_run_prints_no_engine_lines() throws Exception {
    assumeTrue(
        Files.isRegularFile(
            LocalServer.DATA_HOME.resolve("datasets/mnist/train-images-idx3-ubyte")),
        "MNIST is not in " + LocalServer.DATA_HOME + "/datasets: run ./digitlab data fetch");
    try (JarProcess train =
        JarProcess.start(
            temp.resolve("train.log"),
            "train",
            "--home",
            LocalServer.DATA_HOME.toString(),
            "--model",
            "mlp",
            "--epochs",
            "1",
            "--train-subset",
            "2000")) {
      int exit = train.waitFor(Duration.ofMinutes(5));
      String output = train.output();
      assertThat(exit).as(output).isZero();
      List<String> lines = output.lines().toList();

      assertThat(lines).as(output).anyMatch(l -> l.startsWith("Test: accuracy"));
      assertThat(lines)
          .as(output)
          .noneMatch(l -> DJL_LOG_LINE.matcher(l).matches())
          .noneMatch(l -> LIBTORCH_LINE.matcher(l).matches())
          .noneMatch(l -> l.startsWith("SLF4J"));
    }
  }
}
