package dev.digitlab.server.security;

import java.util.List;
import org.springframework.security.web.header.HeaderWriter;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.header.writers.CacheControlHeadersWriter;
import org.springframework.security.web.header.writers.ContentSecurityPolicyHeaderWriter;
import org.springframework.security.web.header.writers.HstsHeaderWriter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter.ReferrerPolicy;
import org.springframework.security.web.header.writers.XContentTypeOptionsHeaderWriter;
import org.springframework.security.web.header.writers.XXssProtectionHeaderWriter;
import org.springframework.security.web.header.writers.frameoptions.XFrameOptionsHeaderWriter;
import org.springframework.security.web.header.writers.frameoptions.XFrameOptionsHeaderWriter.XFrameOptionsMode;

/**
 * The headers every response carries, pages, API, problem details, static files and event streams
 * alike: no page of another site may frame ours (a signed-in admin tricked into clicking "delete"
 * under a decoy), no script runs but our own files (an injected {@code <script>} or {@code
 * onclick=} that got past Thymeleaf's escaping does nothing), no response is sniffed into another
 * type, and no address of ours leaks to another site in a {@code Referer}.
 *
 * <p>Written as the response is committed, and only where a handler did not set the header itself:
 * a stricter policy of its own (a step's file download is sandboxed, the experiment report allows
 * exactly its one inline script by a per-response nonce) stays. Spring Security's own header
 * writing is off in the security chain ({@link SecurityConfiguration}): these include its defaults
 * (no caching, HSTS on HTTPS, {@code X-XSS-Protection: 0}) and run before the Host check, so its
 * refusals carry them too.
 */
final class SecurityHeaders {

  /**
   * Our own scripts, styles, images and requests only. Inline styles are allowed: ECharts, htmx's
   * indicator style and a few {@code style=} attributes use them, and a style cannot run code.
   * {@code data:} and {@code blob:} images are the playground's canvas and the reports' digits.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
          + " img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'self';"
          + " form-action 'self'; frame-ancestors 'none'";

  private SecurityHeaders() {}

  static HeaderWriterFilter filter() {
    List<HeaderWriter> writers =
        List.of(
            new XContentTypeOptionsHeaderWriter(),
            new XFrameOptionsHeaderWriter(XFrameOptionsMode.DENY),
            new ReferrerPolicyHeaderWriter(ReferrerPolicy.SAME_ORIGIN),
            new ContentSecurityPolicyHeaderWriter(CONTENT_SECURITY_POLICY),
            new CacheControlHeadersWriter(),
            new HstsHeaderWriter(),
            new XXssProtectionHeaderWriter());
    return new HeaderWriterFilter(writers);
  }
}
