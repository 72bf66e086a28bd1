package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Finding 10 of issue 15: 50 connections loading the experiments list {@code /} kept {@code
 * /actuator/health} waiting seconds. Rule: pages render in a bounded number of slots; while every
 * slot is busy a page request gets a 503 with {@code Retry-After}, and health, the API and static
 * files are answered as usual. (How quick health stays under a real flood: {@code
 * bench/hostile-load.sh}.)
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class PageRenderSlotsTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.web.render-wait", () -> "200ms");
  }

  @Value("${local.server.port}")
  int port;

  @Autowired PageRenderSlots pages;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void pages_beyond_the_slots_are_503_while_health_and_the_api_are_answered() throws Exception {
    assertThat(get("/", "text/html").statusCode()).isEqualTo(200);

    // Every slot held, as by renders of a flood of page requests.
    int slots = pages.slots.availablePermits();
    assertThat(slots).isPositive();
    pages.slots.acquire(slots);
    try {
      for (String page : new String[] {"/", "/experiments/new", "/workers", "/models"}) {
        HttpResponse<String> busy = get(page, "text/html");
        assertThat(busy.statusCode()).as(page).isEqualTo(503);
        assertThat(busy.headers().firstValue("Retry-After")).as(page).hasValue("1");
        assertThat(busy.body()).as(page).contains("Busy", "Reload");
      }
      assertThat(get("/actuator/health", "application/json").statusCode()).isEqualTo(200);
      assertThat(get("/api/v1/experiments", "application/json").statusCode()).isEqualTo(200);
      assertThat(get("/favicon.svg", "*/*").statusCode()).isNotEqualTo(503);
    } finally {
      pages.slots.release(slots);
    }

    // Slots given back: pages are answered again, and none was lost on the way.
    assertThat(get("/", "text/html").statusCode()).isEqualTo(200);
    assertThat(pages.slots.availablePermits()).isEqualTo(slots);
  }

  private HttpResponse<String> get(String path, String accept) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Accept", accept)
            .build(),
        BodyHandlers.ofString());
  }
}
