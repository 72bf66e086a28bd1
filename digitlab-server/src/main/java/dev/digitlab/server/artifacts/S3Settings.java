package dev.digitlab.server.artifacts;

import java.net.URI;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Artifacts on S3 or an S3-compatible store (MinIO, S3Proxy, Ceph…), turned on by setting a bucket;
 * without one, artifacts stay in the data home's {@code trials/} folder.
 *
 * @param endpoint the store's URL; empty for AWS S3 itself
 * @param bucket the bucket; created at start when missing
 * @param region the signing region (S3-compatible stores accept any)
 * @param accessKey the access key id; empty to use the AWS default credential chain
 * @param secretKey the secret key (never logged)
 * @param pathStyle {@code http://host/bucket/key} addressing, which S3-compatible stores need
 * @param prefix prepended to every key, to share a bucket between installations
 * @param partSize uploads larger than this go in parts of this size (at least 5 MB: S3's minimum)
 */
@ConfigurationProperties("digitlab.artifacts.s3")
public record S3Settings(
    URI endpoint,
    String bucket,
    String region,
    String accessKey,
    String secretKey,
    Boolean pathStyle,
    String prefix,
    Long partSize) {

  static final long MIN_PART_SIZE = 5L * 1024 * 1024;

  public S3Settings {
    region = region == null || region.isBlank() ? "us-east-1" : region;
    pathStyle = pathStyle == null || pathStyle;
    prefix = prefix == null ? "" : prefix;
    partSize = partSize == null ? 16L * 1024 * 1024 : Math.max(partSize, MIN_PART_SIZE);
  }

  boolean enabled() {
    return bucket != null && !bucket.isBlank();
  }

  /** Without the secret key: records print every component otherwise. */
  @Override
  public String toString() {
    return "S3Settings[endpoint="
        + endpoint
        + ", bucket="
        + bucket
        + ", region="
        + region
        + ", pathStyle="
        + pathStyle
        + ", prefix="
        + prefix
        + "]";
  }
}
