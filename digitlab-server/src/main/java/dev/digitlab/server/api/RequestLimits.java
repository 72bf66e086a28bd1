package dev.digitlab.server.api;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code digitlab.limits.*}: how much a client may send.
 *
 * @param maxRequestSize the largest request body; more is a 413 (before it is read, when the
 *     request says its length; as soon as the limit is passed, when it is chunked)
 * @param maxArtifactSize the largest file a remote worker may upload (a checkpoint, a model): the
 *     one kind of request allowed past {@code maxRequestSize}
 * @param maxCodeSize the largest packed code of a command experiment ({@code POST /api/v1/code}),
 *     also allowed past {@code maxRequestSize}
 * @param maxImportSize the largest export file imported ({@code POST /api/v1/experiments/import}),
 *     also allowed past {@code maxRequestSize}: a trained experiment's models and checkpoints are
 *     larger; the archive may not unpack to more either
 * @param maxDatasetSize the largest dataset upload ({@code POST /api/v1/datasets}), also allowed
 *     past {@code maxRequestSize}; the same limit holds for its files' uncompressed total
 */
@ConfigurationProperties("digitlab.limits")
public record RequestLimits(
    @DefaultValue("16MB") DataSize maxRequestSize,
    @DefaultValue("2GB") DataSize maxArtifactSize,
    @DefaultValue("100MB") DataSize maxCodeSize,
    @DefaultValue("512MB") DataSize maxImportSize,
    @DefaultValue("256MB") DataSize maxDatasetSize) {

  /** Where a command experiment's packed code is uploaded (the {@code code} feature). */
  public static final String CODE_UPLOAD = "/api/v1/code";

  /** Where exported experiments and pipeline runs are imported (the {@code transfer} feature). */
  public static final java.util.Set<String> IMPORT_UPLOADS =
      java.util.Set.of("/api/v1/experiments/import", "/api/v1/pipelines/import");

  /** Where a dataset's files are uploaded (the {@code datasets} feature). */
  public static final String DATASET_UPLOAD = "/api/v1/datasets";

  public RequestLimits {
    if (maxRequestSize.toBytes() < 1024) {
      throw new IllegalArgumentException("digitlab.limits.max-request-size must be at least 1KB");
    }
    if (maxArtifactSize.toBytes() < maxRequestSize.toBytes()) {
      throw new IllegalArgumentException(
          "digitlab.limits.max-artifact-size must be at least digitlab.limits.max-request-size");
    }
  }
}
