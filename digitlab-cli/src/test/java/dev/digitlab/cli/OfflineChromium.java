package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Debian's headless Chromium, for the tests of reports that must open from disk alone. */
final class OfflineChromium {

  private OfflineChromium() {}

  /**
   * The page's DOM after Chromium loaded it from disk with the network off: every host resolves to
   * nothing and the proxy is a closed port, so any request for a script, font or image elsewhere
   * would fail. Skips the test on a machine without Chromium, fails it on CI.
   */
  static String render(Path page) throws IOException {
    Path chromium = Path.of("/usr/bin/chromium");
    assumeTrue(
        Files.isExecutable(chromium) || "true".equals(System.getenv("CI")),
        "no /usr/bin/chromium: sudo apt-get install chromium");
    Process process =
        new ProcessBuilder(
                chromium.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--user-data-dir=" + page.getParent().resolve("chromium-profile"),
                "--proxy-server=127.0.0.1:9",
                "--host-resolver-rules=MAP * ~NOTFOUND",
                "--dump-dom",
                page.toUri().toString())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String dom = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return dom;
  }
}
