package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The attacks the security headers refuse, performed in real headless Chromium: a page of another
 * origin framing the UI (clickjacking) gets no UI in its frame, and a script injected into a UI
 * page, as a {@code <script>} element or an {@code onerror=} attribute, does not run. Swagger UI
 * still renders under the policy.
 */
class SecurityHeadersBrowserTest extends BrowserTestServer {

  @Test
  void another_origin_cannot_frame_the_ui() throws Exception {
    HttpServer attacker =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    // Another port: another origin, as a page on any site the signed-in user visits.
    String page =
        "<!DOCTYPE html><title>Win a prize</title><p>Click the button!</p>"
            + "<iframe id=\"ui\" width=\"800\" height=\"600\" src=\""
            + url("/")
            + "\"></iframe>";
    attacker.createContext(
        "/",
        exchange -> {
          byte[] body = page.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    attacker.start();
    try {
      var driver = browser.driver;
      driver.get("http://127.0.0.1:" + attacker.getAddress().getPort() + "/");
      driver.switchTo().frame("ui");
      // The frame has navigated (to the UI, or to the browser's error page if refused).
      browser.waiting(LONG).until(d -> !"about:blank".equals(browser.js("return location.href;")));
      assertThat((String) browser.js("return location.href;")).doesNotStartWith(url("/"));
      assertThat(driver.findElements(By.cssSelector(".brand"))).isEmpty();
      driver.switchTo().defaultContent();
      assertThat(browser.cspViolations()).anyMatch(m -> m.contains("frame-ancestors 'none'"));
    } finally {
      attacker.stop(0);
    }
  }

  @Test
  void a_script_injected_into_a_page_does_not_run() {
    browser.driver.get(url("/"));
    browser.waiting(LONG).until(d -> browser.js("return window.htmx ? true : false;"));
    // What markup slipped past the templates' escaping would do: an inline <script> and an
    // inline event handler. (This script itself runs through DevTools, outside the page's policy.)
    browser.js(
        "window.injected = [];"
            + " const script = document.createElement('script');"
            + " script.textContent = \"window.injected.push('script')\";"
            + " document.body.appendChild(script);"
            + " const box = document.createElement('div');"
            + " box.innerHTML = '<img id=\"injected-img\" src=\"data:image/png;base64,AAAA\""
            + "   onerror=\"window.injected.push(\\'onerror\\')\">';"
            + " document.body.appendChild(box);"
            + " window.imageFailed = false;"
            + " document.getElementById('injected-img')"
            + "   .addEventListener('error', () => { window.imageFailed = true; });");
    // Once the broken image's error event has been dispatched, its onerror= had its chance too.
    browser.waiting(LONG).until(d -> Boolean.TRUE.equals(browser.js("return window.imageFailed;")));
    assertThat((List<?>) browser.js("return window.injected;")).isEmpty();
    List<String> refused = browser.cspViolations();
    assertThat(refused).anyMatch(m -> m.contains("inline script"));
    assertThat(refused).anyMatch(m -> m.contains("inline event handler"));
  }

  @Test
  void swagger_ui_renders_under_the_policy() {
    browser.driver.get(url("/swagger-ui/index.html"));
    browser
        .waiting(LONG)
        .until(d -> !d.findElements(By.cssSelector(".swagger-ui .info .title")).isEmpty());
    assertThat(browser.driver.findElements(By.cssSelector(".opblock"))).isNotEmpty();
    // No CSP violation: checked after each test.
  }
}
