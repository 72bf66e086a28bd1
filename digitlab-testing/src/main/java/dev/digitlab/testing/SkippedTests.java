package dev.digitlab.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Records the tests a JVM skipped, by reason, in {@code target/skipped-tests/} of the module under
 * test, for {@code ./digitlab test} to summarise after Maven. Registered through {@code
 * META-INF/services}, so every module depending on digitlab-testing has it.
 *
 * <p>Surefire's reports are not enough: a class whose {@code @BeforeAll} aborts (no MNIST, no
 * Chromium) is reported as "Tests run: 0, Skipped: 0", so its tests vanish from every count. Here a
 * skipped or aborted class counts as the tests it holds.
 */
public final class SkippedTests implements TestExecutionListener {

  /** Where the records go, relative to the module's directory (Surefire's working directory). */
  public static final Path DIRECTORY = Path.of("target", "skipped-tests");

  private final Map<String, Integer> testsByReason = new ConcurrentHashMap<>();
  private volatile TestPlan plan;

  @Override
  public void testPlanExecutionStarted(TestPlan testPlan) {
    plan = testPlan;
  }

  @Override
  public void executionSkipped(TestIdentifier identifier, String reason) {
    record(identifier, reason);
  }

  @Override
  public void executionFinished(TestIdentifier identifier, TestExecutionResult result) {
    if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
      record(identifier, result.getThrowable().map(Throwable::getMessage).orElse(null));
    }
  }

  @Override
  public void testPlanExecutionFinished(TestPlan testPlan) {
    if (testsByReason.isEmpty() || !Files.isDirectory(DIRECTORY.getParent())) {
      return; // nothing skipped, or not run from a module (no target/ to write to)
    }
    List<String> lines = new ArrayList<>();
    new TreeMap<>(testsByReason).forEach((reason, tests) -> lines.add(tests + "\t" + reason));
    try {
      Files.createDirectories(DIRECTORY);
      Files.write(
          DIRECTORY.resolve(ProcessHandle.current().pid() + "-" + System.nanoTime()), lines);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void record(TestIdentifier identifier, String reason) {
    // assumeTrue prefixes its message with "Assumption failed: ", which says nothing here.
    String oneLine =
        reason == null || reason.isBlank()
            ? "no reason given"
            : reason.replaceFirst("^Assumption failed: ", "").replaceAll("\\s+", " ");
    testsByReason.merge(oneLine, testsIn(identifier), Integer::sum);
  }

  /**
   * A test counts once; a class (or other container) as the tests JUnit found in it, at least 1.
   */
  private int testsIn(TestIdentifier identifier) {
    if (identifier.isTest() || plan == null) {
      return 1;
    }
    long tests = plan.getDescendants(identifier).stream().filter(TestIdentifier::isTest).count();
    return (int) Math.max(1, tests);
  }
}
