package dev.digitlab.server.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.DigitLabServer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Rule: what a killed server left in {@code <home>/tmp/transfer} (an import's body, an export's
 * spool) is deleted when a server starts on that home, unless another server still uses the home
 * (servers sharing one volume): its files may be in use.
 */
@ExtendWith(OutputCaptureExtension.class)
class TransferSpaceTest {

  @TempDir Path home;

  @Test
  void a_starting_server_deletes_what_a_killed_one_left(CapturedOutput output) throws Exception {
    Path folder = Files.createDirectories(home.resolve("tmp").resolve("transfer"));
    Path stale = Files.writeString(folder.resolve("import-123.part"), "half an upload");
    Path staleExport = Files.writeString(folder.resolve("export-456.part"), "half an export");
    Path elsewhere = Files.writeString(home.resolve("tmp").resolve("keep.txt"), "not ours");

    try (ConfigurableApplicationContext server = start()) {
      assertThat(server.isRunning()).isTrue();
      assertThat(stale).doesNotExist();
      assertThat(staleExport).doesNotExist();
      assertThat(elsewhere).exists();
      assertThat(output.getOut())
          .contains("Deleted 2 file(s) that a stopped server left in " + folder);
    }
  }

  @Test
  void files_are_kept_while_another_server_uses_the_home(CapturedOutput output) throws Exception {
    Path folder = Files.createDirectories(home.resolve("tmp").resolve("transfer"));
    Path inUse = Files.writeString(folder.resolve("import-789.part"), "arriving");

    // Another server on the same home holds the lock for as long as it runs.
    try (FileChannel channel =
            FileChannel.open(
                home.resolve("tmp").resolve("transfer.lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock held = channel.lock(0, Long.MAX_VALUE, true);
        ConfigurableApplicationContext server = start()) {
      assertThat(server.isRunning()).isTrue();
      assertThat(held.isValid()).isTrue();
      assertThat(inUse).exists();
      assertThat(output.getOut()).contains("Another server uses " + home);
    }
  }

  private ConfigurableApplicationContext start() {
    return SpringApplication.run(
        DigitLabServer.class,
        "--server.port=0",
        "--digitlab.home=" + home,
        "--digitlab.worker.slots=0",
        // Tests log WARN and up (logback-test.xml); the lines asserted here are INFO.
        "--logging.level.dev.digitlab.server.transfer=INFO");
  }
}
