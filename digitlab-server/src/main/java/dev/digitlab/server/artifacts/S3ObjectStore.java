package dev.digitlab.server.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An {@link ObjectStore} on S3 or an S3-compatible server, with the AWS SDK v2. Large files go up
 * in parts, so that a checkpoint of any size is never held in memory whole and a failed part is
 * retried alone.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {

  private final S3Client s3;
  private final S3Settings settings;

  public S3ObjectStore(S3Settings settings) {
    this.settings = settings;
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .region(Region.of(settings.region()))
            .forcePathStyle(settings.pathStyle())
            // Checksums only where S3 requires them: the SDK's default trailing checksums (2.30+)
            // are refused by many S3-compatible stores, and SigV4 already covers the payload.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (settings.endpoint() != null) {
      builder.endpointOverride(settings.endpoint());
    }
    if (settings.accessKey() != null && !settings.accessKey().isBlank()) {
      builder.credentialsProvider(
          StaticCredentialsProvider.create(
              AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())));
    } else {
      builder.credentialsProvider(DefaultCredentialsProvider.builder().build());
    }
    this.s3 = builder.build();
  }

  /** Creates the bucket when it does not exist yet. */
  public void createBucketIfMissing() {
    try {
      s3.headBucket(b -> b.bucket(settings.bucket()));
    } catch (NoSuchBucketException missing) {
      s3.createBucket(b -> b.bucket(settings.bucket()));
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw e;
      }
      s3.createBucket(b -> b.bucket(settings.bucket()));
    }
  }

  @Override
  public void put(String key, Path file) {
    String fullKey = fullKey(key);
    try {
      long size = Files.size(file);
      if (size <= settings.partSize()) {
        s3.putObject(b -> b.bucket(settings.bucket()).key(fullKey), RequestBody.fromFile(file));
      } else {
        putInParts(fullKey, file, size);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file + " to store it as " + key, e);
    }
  }

  private void putInParts(String fullKey, Path file, long size) throws IOException {
    String uploadId =
        s3.createMultipartUpload(b -> b.bucket(settings.bucket()).key(fullKey)).uploadId();
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      List<CompletedPart> parts = new ArrayList<>();
      int partNumber = 1;
      for (long offset = 0; offset < size; offset += settings.partSize(), partNumber++) {
        int length = (int) Math.min(settings.partSize(), size - offset);
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
          if (channel.read(buffer, offset + buffer.position()) < 0) {
            throw new IOException(file + " shrank while it was being stored");
          }
        }
        buffer.flip();
        int number = partNumber;
        String etag =
            s3.uploadPart(
                    b ->
                        b.bucket(settings.bucket())
                            .key(fullKey)
                            .uploadId(uploadId)
                            .partNumber(number),
                    RequestBody.fromByteBuffer(buffer))
                .eTag();
        parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
      }
      s3.completeMultipartUpload(
          b ->
              b.bucket(settings.bucket())
                  .key(fullKey)
                  .uploadId(uploadId)
                  .multipartUpload(CompletedMultipartUpload.builder().parts(parts).build()));
    } catch (IOException | RuntimeException e) {
      // Parts of an abandoned upload cost storage until aborted.
      s3.abortMultipartUpload(b -> b.bucket(settings.bucket()).key(fullKey).uploadId(uploadId));
      throw e;
    }
  }

  @Override
  public boolean download(String key, Path target) {
    try (InputStream in = s3.getObject(b -> b.bucket(settings.bucket()).key(fullKey(key)))) {
      Files.createDirectories(target.toAbsolutePath().getParent());
      // Into a sibling first: a reader never sees a half-written file.
      Path part = target.resolveSibling(target.getFileName() + ".download");
      Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
      Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } catch (NoSuchKeyException missing) {
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot download " + key + " to " + target, e);
    }
  }

  @Override
  public boolean exists(String key) {
    try {
      s3.headObject(b -> b.bucket(settings.bucket()).key(fullKey(key)));
      return true;
    } catch (NoSuchKeyException missing) {
      return false;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public int deletePrefix(String prefix) {
    int deleted = 0;
    String token = null;
    do {
      String continuation = token;
      ListObjectsV2Response page =
          s3.listObjectsV2(
              b ->
                  b.bucket(settings.bucket())
                      .prefix(fullKey(prefix))
                      .continuationToken(continuation));
      // One DELETE per object: a trial has a handful, and the batch call needs a checksum
      // header that not every S3-compatible store implements.
      for (S3Object object : page.contents()) {
        // Keys ending in "/" are folder markers that file-backed stores list; we never write
        // any, and they go with their folder's last object.
        if (!object.key().endsWith("/")) {
          s3.deleteObject(b -> b.bucket(settings.bucket()).key(object.key()));
          deleted++;
        }
      }
      token = page.isTruncated() ? page.nextContinuationToken() : null;
    } while (token != null);
    return deleted;
  }

  @Override
  public String describe() {
    return "s3://"
        + settings.bucket()
        + "/"
        + settings.prefix()
        + (settings.endpoint() == null ? "" : " at " + settings.endpoint());
  }

  private String fullKey(String key) {
    return settings.prefix() + key;
  }

  @Override
  public void close() {
    s3.close();
  }
}
