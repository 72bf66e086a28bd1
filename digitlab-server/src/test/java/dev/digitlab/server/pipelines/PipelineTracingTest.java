package dev.digitlab.server.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.digitlab.protocol.experiment.FileFormat;
import dev.digitlab.protocol.pipeline.PipelineFiles;
import dev.digitlab.protocol.pipeline.StepSpec;
import io.opentelemetry.api.trace.Span;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** With an OTLP endpoint set, a run's span and its attempts' spans reach it over OTLP/HTTP. */
class PipelineTracingTest {

  @Test
  void spans_are_exported_over_otlp_http_to_the_configured_endpoint() throws Exception {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    collector.createContext(
        "/v1/traces",
        exchange -> {
          synchronized (received) {
            received.writeBytes(exchange.getRequestBody().readAllBytes());
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    collector.start();
    try {
      PipelineTracing tracing =
          new PipelineTracing(
              "http://127.0.0.1:" + collector.getAddress().getPort() + "/v1/traces");
      StepSpec step =
          new PipelineFiles()
              .read("{name: demo, steps: [{name: ingest, type: ingest}]}", FileFormat.YAML)
              .steps()
              .getFirst();
      PipelineRun run =
          new PipelineRun(
              7,
              "demo",
              "local",
              "",
              "{}",
              1,
              RunStatus.RUNNING,
              tracing.newTraceId(),
              Instant.now(),
              null,
              null);
      tracing.runStarted(run);
      Span failed = tracing.attemptStarted(run, step, 1);
      tracing.attemptEnded(failed, "injected failure");
      Span succeeded = tracing.attemptStarted(run, step, 2);
      tracing.attemptEnded(succeeded, null);
      tracing.runEnded(run.id(), RunStatus.SUCCEEDED);

      tracing.destroy(); // flushes the batch processor

      byte[] body;
      synchronized (received) {
        body = received.toByteArray();
      }
      String text = new String(body, StandardCharsets.ISO_8859_1);
      assertThat(text).contains("pipeline demo", "step ingest", "injected failure", "digitlab");
      // The exported spans carry the trace id stored with the run (raw bytes in protobuf).
      assertThat(text)
          .contains(
              new String(HexFormat.of().parseHex(run.traceId()), StandardCharsets.ISO_8859_1));
      assertThat(text)
          .contains(
              new String(
                  HexFormat.of().parseHex(failed.getSpanContext().getSpanId()),
                  StandardCharsets.ISO_8859_1));
    } finally {
      collector.stop(0);
    }
  }
}
