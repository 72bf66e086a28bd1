package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.security.Role;
import dev.digitlab.server.security.TokenStore;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Signing in with {@code --auth}, in real headless Chromium: a page asked for without a session
 * leads to the styled login page, which says where the first admin token is and leads back to that
 * page after logging in (never to another site); every page then shows who is signed in, with which
 * role, and a Logout button that ends the session.
 */
class SignInBrowserTest extends BrowserTestServer {

  @DynamicPropertySource
  static void auth(DynamicPropertyRegistry properties) {
    properties.add("digitlab.auth.enabled", () -> "true");
    properties.add("digitlab.worker.slots", () -> "0");
  }

  @Autowired TokenStore tokens;

  @Test
  void login_returns_to_the_page_asked_for_shows_who_and_logs_out() throws Exception {
    try {
      userPath();
    } catch (Throwable failure) {
      browser.evidence("sign-in-failure");
      throw failure;
    }
  }

  private void userPath() throws Exception {
    var driver = browser.driver;
    String token = tokens.create("alice", Role.USER).secret();

    driver.get(url("/workers?view=all"));
    browser.waiting(Duration.ofSeconds(20)).until(ExpectedConditions.urlContains("/login"));
    assertThat(driver.getCurrentUrl()).endsWith("/login?next=%2Fworkers%3Fview%3Dall");
    // Styled like the rest (the shared stylesheet and header), saying where the admin token is;
    // the CLI hint stays on one line.
    assertThat(driver.findElements(By.cssSelector("header.top .brand"))).hasSize(1);
    assertThat(
            browser.js(
                "return getComputedStyle(document.querySelector('header.top')).backgroundColor;"))
        .isEqualTo("rgb(20, 33, 61)");
    assertThat(driver.findElement(By.tagName("main")).getText())
        .contains(home.resolve("admin-token").toString());
    browser.screenshots("login");
    assertThat(
            ((Number)
                    browser.js(
                        // One line: every box of the code (one per span) on the same line.
                        "const c = document.querySelector('main pre code');"
                            + " return new Set(Array.from(c.getClientRects())"
                            + "   .map(r => Math.round(r.bottom))).size;"))
                .longValue())
        .as("the CLI hint on one line")
        .isEqualTo(1);
    // At phone width the hint is all there (it was cut at "--nam"): it breaks between options,
    // never inside one, and nothing in it needs a sideways scroll.
    browser.phoneWidth();
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> hint =
        (java.util.Map<String, Object>)
            browser.js(
                "const pre = document.querySelector('main pre');"
                    + " return {hidden: pre.scrollWidth - pre.clientWidth,"
                    + "   broken: Array.from(pre.querySelectorAll('.option'))"
                    + "     .filter(o => new Set(Array.from(o.getClientRects())"
                    + "       .map(r => Math.round(r.bottom))).size > 1).length,"
                    + "   options: pre.querySelectorAll('.option').length};");
    assertThat(((Number) hint.get("hidden")).longValue()).isLessThanOrEqualTo(1);
    assertThat(((Number) hint.get("options")).longValue()).isEqualTo(2);
    assertThat(((Number) hint.get("broken")).longValue()).isZero();
    browser.desktopWidth();

    driver.findElement(By.id("token")).sendKeys(token);
    driver.findElement(By.id("login-submit")).click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(ExpectedConditions.urlMatches("/workers\\?view=all$"));
    assertThat(driver.findElement(By.id("signed-in")).getText()).isEqualTo("alice · user");
    driver.get(url("/compare"));
    assertThat(driver.findElement(By.id("signed-in")).getText()).isEqualTo("alice · user");
    browser.screenshots("signed-in");

    // Logout: a POST with the page's CSRF token; afterwards pages lead to the login page again.
    driver.findElement(By.id("logout")).click();
    browser.waiting(Duration.ofSeconds(20)).until(ExpectedConditions.urlContains("/login?logout"));
    assertThat(driver.findElement(By.id("login-message")).getText())
        .isEqualTo("You are logged out.");
    driver.get(url("/compare"));
    browser.waiting(Duration.ofSeconds(20)).until(ExpectedConditions.urlContains("/login?next="));

    // The attack: a crafted link to our login page must not lead to another site.
    driver.get(url("/login?next=%2F%2Fevil.example%2F"));
    driver.findElement(By.id("token")).sendKeys(token);
    driver.findElement(By.id("login-submit")).click();
    browser.waiting(Duration.ofSeconds(20)).until(ExpectedConditions.urlToBe(url("/")));
    assertThat(driver.findElement(By.id("signed-in")).getText()).isEqualTo("alice · user");
  }
}
