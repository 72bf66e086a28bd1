package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.FluentWait;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through Debian's chromedriver, both named by path so Selenium
 * Manager never downloads anything. Absent locally the browser tests are skipped; with {@code
 * CI=true} (where {@code .ci/run} installs both) they fail instead.
 */
final class Browser implements AutoCloseable {

  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final List<Dimension> SIZES = List.of(new Dimension(1280, 800), new Dimension(390, 844));

  final WebDriver driver;
  private final ChromeDriverService service;
  private final Path screenshots;

  /** The console's Content-Security-Policy violations not yet taken by {@link #cspViolations}. */
  private final List<String> cspViolations = new ArrayList<>();

  private Browser(ChromeDriverService service, WebDriver driver, Path screenshots) {
    this.service = service;
    this.driver = driver;
    this.screenshots = screenshots;
  }

  /** Skips the calling test when Chromium is missing, unless this is CI, where that fails. */
  static void assumeInstalled() {
    boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if ("true".equals(System.getenv("CI"))) {
      assertThat(installed)
          .as("CI needs Debian's chromium and chromium-driver (.ci/run installs them)")
          .isTrue();
    }
    assumeTrue(
        installed,
        "chromium or chromedriver is not installed in /usr/bin: sudo apt-get install chromium"
            + " chromium-driver");
  }

  static Browser start(Path userDataDir, Path screenshots) throws IOException {
    Files.createDirectories(screenshots);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--user-data-dir=" + userDataDir,
        "--window-size=1280,800");
    // The console's errors, for consoleErrors().
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
            .usingAnyFreePort()
            .build();
    return new Browser(service, new ChromeDriver(service, options), screenshots);
  }

  /**
   * Polls every 200 ms. An element found and then swapped out by htmx before it was read (a stale
   * reference) is a page still changing, not a failure: the condition is asked again.
   */
  WebDriverWait waiting(Duration limit) {
    WebDriverWait wait = new WebDriverWait(driver, limit, Duration.ofMillis(200));
    wait.ignoring(StaleElementReferenceException.class);
    return wait;
  }

  /**
   * What {@code read} returns (neither null nor false), read again when htmx swapped an element out
   * between finding it and reading it. Pages that re-read themselves on a timer (the workers page
   * every 3 s, the experiments and pipelines lists every 2 or 3 s while something runs) replace
   * their rows whenever the timer fires; a read spanning one (a slow machine's WebDriver calls) met
   * a stale element. A missing element still fails at once.
   */
  <T> T read(Function<WebDriver, T> read) {
    return new FluentWait<>(driver)
        .withTimeout(Duration.ofSeconds(30))
        .pollingEvery(Duration.ofMillis(100))
        .ignoring(StaleElementReferenceException.class)
        .until(read);
  }

  /** The text of the element {@code by} finds, read as {@link #read} reads. */
  String text(By by) {
    return read(d -> d.findElement(by).getText());
  }

  Object js(String script, Object... arguments) {
    return ((JavascriptExecutor) driver).executeScript(script, arguments);
  }

  /** The number of points in all the series of the ECharts chart in element {@code id}. */
  long chartPoints(String id) {
    Object points =
        js(
            "const el = document.getElementById(arguments[0]);"
                + " const chart = el && window.echarts && echarts.getInstanceByDom(el);"
                + " if (!chart) return 0;"
                + " const option = chart.getOption();"
                + " if (!option) return 0;" // not drawn yet: only the loading spinner
                + " return (option.series || []).reduce("
                + "   (n, s) => n + (Array.isArray(s.data) ? s.data.length : 0), 0);",
            id);
    return ((Number) points).longValue();
  }

  /**
   * The texts of the chart in element {@code id} (drawn with ECharts' SVG renderer) that stick out
   * of the chart's box by more than a pixel: a cut-off axis title or label.
   */
  @SuppressWarnings("unchecked")
  List<String> textsOutside(String id) {
    return (List<String>)
        js(
            "const box = document.getElementById(arguments[0]).getBoundingClientRect();"
                + " return Array.from(document.querySelectorAll('#' + arguments[0] + ' svg text'))"
                + "   .filter(t => t.textContent.trim() !== '')"
                + "   .filter(t => { const r = t.getBoundingClientRect();"
                + "     return r.left < box.left - 1 || r.right > box.right + 1"
                + "       || r.top < box.top - 1 || r.bottom > box.bottom + 1; })"
                + "   .map(t => t.textContent);",
            id);
  }

  /**
   * Every text the chart in element {@code id} draws (axis titles, tick labels, series labels,
   * legend), with its box in the chart's own pixels: {@code text, left, top, right, bottom}. Read
   * from ECharts' scene graph (zrender's display list), so it works for canvas charts too, where
   * the DOM has no text to measure.
   */
  @SuppressWarnings("unchecked")
  List<java.util.Map<String, Object>> chartTexts(String id) {
    return (List<java.util.Map<String, Object>>)
        js(
            "const chart = echarts.getInstanceByDom(document.getElementById(arguments[0]));"
                + " return chart.getZr().storage.getDisplayList()"
                + "   .filter(e => e.style && typeof e.style.text === 'string'"
                + "     && e.style.text.trim() !== '' && !e.invisible)"
                + "   .map(e => { const r = e.getBoundingRect().clone();"
                + "     if (e.transform) { r.applyTransform(e.transform); }"
                + "     return {text: e.style.text, left: r.x, top: r.y,"
                + "       right: r.x + r.width, bottom: r.y + r.height}; });",
            id);
  }

  /**
   * The errors in the browser's console since it was last read (a script's exception, a request
   * answered 4xx or 5xx), read once {@code ready} holds: what a user who opens the developer tools
   * sees in red.
   */
  List<String> consoleErrors(java.util.function.Function<WebDriver, Boolean> ready) {
    waiting(Duration.ofSeconds(30)).until(ready::apply);
    return readConsole().stream()
        .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
        .map(LogEntry::getMessage)
        .toList();
  }

  /** Forgets the console's messages so far: the next {@link #consoleErrors} is the next page's. */
  void clearConsole() {
    readConsole();
  }

  /**
   * The Content-Security-Policy violations ("Refused to execute inline script…", "Refused to
   * frame…") the console showed since they were last taken, on every page visited: a page of ours
   * that needs something the policy refuses is broken for its users, so every browser test checks
   * that there were none ({@link #close}, and {@code BrowserTestServer} after each test). A test
   * that provokes them on purpose takes them here.
   */
  List<String> cspViolations() {
    readConsole();
    List<String> taken = List.copyOf(cspViolations);
    cspViolations.clear();
    return taken;
  }

  /** Reads (and so empties) the console's log, keeping its CSP violations for the check. */
  private List<LogEntry> readConsole() {
    List<LogEntry> entries = driver.manage().logs().get(LogType.BROWSER).getAll();
    entries.stream()
        .map(LogEntry::getMessage)
        .filter(m -> m.contains("Content Security Policy") || m.contains("Refused to"))
        .forEach(cspViolations::add);
    return entries;
  }

  /** The window at the phone size of {@link #SIZES} (390 px wide), laid out again. */
  void phoneWidth() {
    driver.manage().window().setSize(SIZES.get(1));
    waitForLayout();
  }

  /** The window back at the desktop size of {@link #SIZES}, laid out again. */
  void desktopWidth() {
    driver.manage().window().setSize(SIZES.getFirst());
    waitForLayout();
  }

  /**
   * Screenshots of the current page at 1280×800 and 390×844 under {@code name-WxH.png}, checking at
   * each size that nothing makes the page wider than the window (wide tables scroll in place).
   */
  void screenshots(String name) throws IOException {
    for (Dimension size : SIZES) {
      driver.manage().window().setSize(size);
      waitForLayout();
      Object overflow =
          js("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
      assertThat(((Number) overflow).longValue())
          .as("%s at %dx%d is wider than the window", name, size.width, size.height)
          .isLessThanOrEqualTo(1);
      byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
      Files.write(screenshots.resolve(name + "-" + size.width + "x" + size.height + ".png"), png);
    }
    driver.manage().window().setSize(SIZES.getFirst());
  }

  /** The page's address, source and a screenshot, for a failed test's report. */
  void evidence(String name) {
    try {
      Files.writeString(
          screenshots.resolve(name + ".html"),
          "<!-- " + driver.getCurrentUrl() + " -->\n" + driver.getPageSource());
      Files.write(
          screenshots.resolve(name + ".png"),
          ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    } catch (IOException | RuntimeException e) {
      // Evidence is a courtesy; the test's own failure is what matters.
    }
  }

  private void waitForLayout() {
    // Charts resize on the window's resize event, which runs before the next animation frame, so
    // two frames later they have their new size. A page still wider than the window then gets up
    // to 10 s more to follow (screenshots() asserts that it fits), instead of a fixed 300 ms
    // sleep for every page at every size (33 calls, two sizes each: 20 s of the suite). The wait
    // ends as soon as the page fits, so the limit costs nothing then; it was 1 s, which a
    // headless Chromium at nice 19 on a busy 2-core machine may need for a relayout.
    js("return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));");
    try {
      waiting(Duration.ofSeconds(10))
          .until(
              d ->
                  ((Number)
                              js(
                                  "return document.documentElement.scrollWidth"
                                      + " - document.documentElement.clientWidth;"))
                          .longValue()
                      <= 1);
    } catch (TimeoutException stillTooWide) {
      // screenshots() reports it
    }
  }

  /** Quits the browser; fails if the console showed a CSP violation no test took. */
  @Override
  public void close() {
    List<String> violations = List.of();
    try {
      violations = cspViolations();
    } catch (RuntimeException e) {
      // The browser is gone already: the test that lost it has failed for that.
    } finally {
      try {
        driver.quit();
      } finally {
        service.stop();
      }
    }
    assertThat(violations).as("Content-Security-Policy violations in the console").isEmpty();
  }
}
