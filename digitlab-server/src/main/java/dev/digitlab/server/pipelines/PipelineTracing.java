package dev.digitlab.server.pipelines;

import dev.digitlab.protocol.pipeline.StepSpec;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * OpenTelemetry spans for pipelines: one span per run, and one child span per step attempt. Each
 * attempt's span id is stored with the attempt (the run's trace id with the run), so the UI and the
 * report show them without a tracing backend; when {@code digitlab.pipelines.otlp-endpoint} is set,
 * the spans are also exported there over OTLP/HTTP.
 */
@Component
class PipelineTracing implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(PipelineTracing.class);
  private static final AttributeKey<Long> RUN = AttributeKey.longKey("digitlab.pipeline.run");
  private static final AttributeKey<String> STEP = AttributeKey.stringKey("digitlab.pipeline.step");
  private static final AttributeKey<String> TYPE =
      AttributeKey.stringKey("digitlab.pipeline.step.type");
  private static final AttributeKey<Long> ATTEMPT =
      AttributeKey.longKey("digitlab.pipeline.step.attempt");

  private final SdkTracerProvider provider;
  private final Tracer tracer;
  private final Map<Long, Span> runSpans = new ConcurrentHashMap<>();

  PipelineTracing(@Value("${digitlab.pipelines.otlp-endpoint:}") String otlpEndpoint) {
    var builder =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault()
                    .merge(Resource.builder().put("service.name", "digitlab").build()));
    if (!otlpEndpoint.isBlank()) {
      builder.addSpanProcessor(
          BatchSpanProcessor.builder(
                  OtlpHttpSpanExporter.builder().setEndpoint(otlpEndpoint).build())
              .build());
      log.info("pipeline spans are exported over OTLP/HTTP to {}", otlpEndpoint);
    }
    this.provider = builder.build();
    this.tracer = provider.get("dev.digitlab.pipelines");
  }

  /** A fresh trace id for a new run. */
  String newTraceId() {
    return IdGenerator.random().generateTraceId();
  }

  void runStarted(PipelineRun run) {
    // The run's span carries the trace id stored with the run, so stored ids and exported spans
    // agree.
    SpanContext parent =
        SpanContext.create(
            run.traceId(),
            IdGenerator.random().generateSpanId(),
            TraceFlags.getSampled(),
            TraceState.getDefault());
    Span span =
        tracer
            .spanBuilder("pipeline " + run.name())
            .setParent(Context.root().with(Span.wrap(parent)))
            .setAllAttributes(Attributes.of(RUN, run.id()))
            .startSpan();
    runSpans.put(run.id(), span);
  }

  Span attemptStarted(PipelineRun run, StepSpec step, int attempt) {
    Span parent = runSpans.get(run.id());
    var builder =
        tracer
            .spanBuilder("step " + step.name())
            .setAllAttributes(
                Attributes.of(
                    RUN,
                    run.id(),
                    STEP,
                    step.name(),
                    TYPE,
                    step.type().configName(),
                    ATTEMPT,
                    (long) attempt));
    if (parent != null) {
      builder.setParent(Context.root().with(parent));
    }
    return builder.startSpan();
  }

  void attemptEnded(Span span, String error) {
    if (error != null) {
      span.setStatus(StatusCode.ERROR, error);
    } else {
      span.setStatus(StatusCode.OK);
    }
    span.end();
  }

  void runEnded(long runId, RunStatus status) {
    Span span = runSpans.remove(runId);
    if (span != null) {
      span.setStatus(status == RunStatus.SUCCEEDED ? StatusCode.OK : StatusCode.ERROR);
      span.end();
    }
  }

  @Override
  public void destroy() {
    provider.close();
  }
}
