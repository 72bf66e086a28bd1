package dev.digitlab.server.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.AsyncHandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * At most {@link PageSettings#renderSlots()} HTML pages ({@link WebPage} controllers) are built and
 * rendered at once; the others wait their turn (fairly) for up to {@link PageSettings#renderWait()}
 * (at most {@link PageSettings#renderQueue()} of them), then get a {@code 503} with {@code
 * Retry-After}. A waiting request holds a thread but no core, so health checks, the API and
 * workers' reports keep the rest of the machine however many pages are asked for (issue 15, finding
 * 10).
 */
@Configuration
@EnableConfigurationProperties(PageSettings.class)
class PageRenderSlots implements WebMvcConfigurer, AsyncHandlerInterceptor {

  private static final Logger log = LoggerFactory.getLogger(PageRenderSlots.class);

  /** Set on a request holding a slot, so that exactly the requests that took one give it back. */
  private static final String HOLDS_SLOT = PageRenderSlots.class.getName() + ".holds";

  private final PageSettings settings;

  /** Package-private so that a test can hold every slot. */
  final Semaphore slots;

  PageRenderSlots(PageSettings settings) {
    this.settings = settings;
    this.slots = new Semaphore(settings.renderSlots(), true);
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry.addInterceptor(this);
  }

  @Override
  public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
      throws IOException {
    if (!(handler instanceof HandlerMethod method)
        || !method.getBeanType().isAnnotationPresent(WebPage.class)
        || request.getAttribute(HOLDS_SLOT) != null) {
      return true;
    }
    boolean acquired;
    try {
      // The timed tryAcquire keeps the semaphore's fairness (first come, first rendered).
      acquired =
          slots.getQueueLength() < settings.renderQueue()
              && slots.tryAcquire(settings.renderWait().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      acquired = false;
    }
    if (!acquired) {
      log.warn("503 {}: every page slot stayed busy", request.getRequestURI());
      busy(response);
      return false;
    }
    request.setAttribute(HOLDS_SLOT, Boolean.TRUE);
    return true;
  }

  @Override
  public void afterCompletion(
      HttpServletRequest request, HttpServletResponse response, Object handler, Exception ex) {
    release(request);
  }

  /** A page that streams (none today) must not keep its slot while it waits for events. */
  @Override
  public void afterConcurrentHandlingStarted(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    release(request);
  }

  private void release(HttpServletRequest request) {
    if (request.getAttribute(HOLDS_SLOT) != null) {
      request.removeAttribute(HOLDS_SLOT);
      slots.release();
    }
  }

  /** A small page, not the layout: rendering the full one is what the server has no room for. */
  private static void busy(HttpServletResponse response) throws IOException {
    response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
    response.setHeader(HttpHeaders.RETRY_AFTER, "1");
    response.setContentType("text/html");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response
        .getWriter()
        .write(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>503 · Busy"
                + "</title></head><body><h1>503 · Busy</h1><p>The server is rendering as many"
                + " pages as it allows at once (digitlab.web.render-threads). Reload in a"
                + " second.</p></body></html>");
  }
}
