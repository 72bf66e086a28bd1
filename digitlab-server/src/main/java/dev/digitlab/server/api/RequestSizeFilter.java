package dev.digitlab.server.api;

import static java.nio.charset.StandardCharsets.UTF_8;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Caps every request body at {@code digitlab.limits.max-request-size}: a declared length over it is
 * refused (413) before anything is read; a chunked body is counted as it is read and fails with
 * {@link BodyTooLargeException} (413) at the first byte over, so no endpoint ever holds more.
 * Artifact uploads of remote workers (checkpoints, models; streamed to disk, never held) have their
 * own, larger limit, {@code digitlab.limits.max-artifact-size}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
@EnableConfigurationProperties(RequestLimits.class)
class RequestSizeFilter extends OncePerRequestFilter {

  private static final Pattern ARTIFACT_UPLOAD =
      Pattern.compile(
          "/api/v1/worker/leases/[^/]+/artifacts/[^/]+|/api/2.0/mlflow-artifacts/artifacts/.+");

  private final long limit;
  private final long artifactLimit;
  private final long codeLimit;
  private final long importLimit;
  private final long datasetLimit;

  RequestSizeFilter(RequestLimits limits) {
    this.importLimit = limits.maxImportSize().toBytes();
    this.limit = limits.maxRequestSize().toBytes();
    this.artifactLimit = limits.maxArtifactSize().toBytes();
    this.codeLimit = limits.maxCodeSize().toBytes();
    this.datasetLimit = limits.maxDatasetSize().toBytes();
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    boolean artifact =
        "PUT".equals(request.getMethod())
            && ARTIFACT_UPLOAD
                .matcher(request.getRequestURI().substring(request.getContextPath().length()))
                .matches();
    boolean code =
        "POST".equals(request.getMethod())
            && RequestLimits.CODE_UPLOAD.equals(
                request.getRequestURI().substring(request.getContextPath().length()));
    boolean imported =
        "POST".equals(request.getMethod())
            && RequestLimits.IMPORT_UPLOADS.contains(
                request.getRequestURI().substring(request.getContextPath().length()));
    boolean dataset =
        "POST".equals(request.getMethod())
            && RequestLimits.DATASET_UPLOAD.equals(
                request.getRequestURI().substring(request.getContextPath().length()));
    long max =
        artifact
            ? artifactLimit
            : code ? codeLimit : imported ? importLimit : dataset ? datasetLimit : limit;
    String setting =
        artifact
            ? "digitlab.limits.max-artifact-size"
            : code
                ? "digitlab.limits.max-code-size"
                : imported
                    ? "digitlab.limits.max-import-size"
                    : dataset
                        ? "digitlab.limits.max-dataset-size"
                        : "digitlab.limits.max-request-size";
    if (request.getContentLengthLong() > max) {
      ProblemResponses.write(
          request,
          response,
          HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
          "Request too large",
          new BodyTooLargeException(max, setting).getMessage());
      return;
    }
    chain.doFilter(new Limited(request, max, setting), response);
  }

  /** The request with its body counted. */
  private static final class Limited extends HttpServletRequestWrapper {

    private final long limit;
    private final String setting;
    private ServletInputStream stream;

    Limited(HttpServletRequest request, long limit, String setting) {
      super(request);
      this.limit = limit;
      this.setting = setting;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (stream == null) {
        stream = new CountingStream(super.getInputStream(), limit, setting);
      }
      return stream;
    }

    @Override
    public BufferedReader getReader() throws IOException {
      return new BufferedReader(
          new InputStreamReader(getInputStream(), charset(getCharacterEncoding())));
    }
  }

  /** The request's charset; a name the JDK does not know is read as UTF-8, never an error. */
  private static Charset charset(String name) {
    try {
      return name != null && Charset.isSupported(name) ? Charset.forName(name) : UTF_8;
    } catch (IllegalArgumentException e) {
      return UTF_8;
    }
  }

  private static final class CountingStream extends ServletInputStream {

    private final ServletInputStream in;
    private final long limit;
    private final String setting;
    private long count;

    CountingStream(ServletInputStream in, long limit, String setting) {
      this.in = in;
      this.limit = limit;
      this.setting = setting;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        counted(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = in.read(buffer, offset, length);
      if (n > 0) {
        counted(n);
      }
      return n;
    }

    private void counted(int n) {
      count += n;
      if (count > limit) {
        throw new BodyTooLargeException(limit, setting);
      }
    }

    @Override
    public boolean isFinished() {
      return in.isFinished();
    }

    @Override
    public boolean isReady() {
      return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }
  }
}
