package dev.digitlab.server.web;

import dev.digitlab.server.testing.MnistDataHome;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The browser tests' fixture: a real server on a random port with its own home and one embedded
 * worker slot that trains on MNIST from the developer's data home (CI fetches it; like {@code
 * EmbeddedWorkerTest}, a test is skipped when it is not there rather than downloading it), and one
 * headless Chromium per test class. Each class gets a fresh server (its pages start empty).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@DirtiesContext
abstract class BrowserTestServer {

  static final Path DATA_HOME = MnistDataHome.PATH;
  static final Duration LONG = Duration.ofMinutes(3);

  @TempDir static Path home;
  @TempDir static Path profile;
  static Browser browser;

  @BeforeAll
  static void startBrowser() throws Exception {
    Browser.assumeInstalled();
    MnistDataHome.assumeFetched();
    browser = Browser.start(profile, Path.of("target", "screenshots"));
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.close();
      browser = null;
    }
  }

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.data-home", DATA_HOME::toString);
    properties.add("digitlab.worker.slots", () -> "1");
  }

  @Value("${local.server.port}")
  int port;

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
