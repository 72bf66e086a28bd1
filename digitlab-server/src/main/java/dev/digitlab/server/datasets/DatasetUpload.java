package dev.digitlab.server.datasets;

import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.tar.TarException;
import dev.digitlab.ml.tar.TarLimits;
import dev.digitlab.ml.tar.TarReader;
import dev.digitlab.server.api.BodyTooLargeException;
import dev.digitlab.server.api.InvalidParameterException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Puts an upload's four IDX files into a staging folder under MNIST's names, decompressed, so that
 * the same files give the same digests however they were sent: a tar archive (plain or gzipped) of
 * the four files for the API and the CLI, or the form's four file fields. The files' raw size is
 * limited as the upload is ({@code digitlab.limits.max-dataset-size}), so a small gzip bomb is
 * refused too.
 */
final class DatasetUpload {

  private final Path staging;
  private final long maxRawBytes;
  private final boolean[] present = new boolean[4];
  private long rawBytes;

  DatasetUpload(Path staging, long maxRawBytes) {
    this.staging = staging;
    this.maxRawBytes = maxRawBytes;
  }

  /** Reads a tar archive, gzipped or not, taking the four dataset files and ignoring the rest. */
  void readArchive(InputStream body) throws IOException {
    InputStream in = maybeGunzip(new BufferedInputStream(body, 1 << 16), "the archive");
    boolean[] any = {false};
    try {
      TarReader.forEachFile(
          in,
          TarLimits.GENEROUS,
          (entry, content) -> {
            any[0] = true;
            OptionalInt role = RegisteredDataset.role(entry.name());
            if (role.isPresent()) {
              put(role.getAsInt(), entry.name(), content);
            }
          });
    } catch (ZipException | java.io.EOFException e) {
      throw new InvalidParameterException(
          "body", "the archive is damaged or truncated (" + e.getMessage() + ")");
    } catch (TarException e) {
      // The shared reader's refusals (a damaged header, a link, a path out of the archive).
      throw new InvalidParameterException("body", e.getMessage());
    } catch (IOException e) {
      String message = String.valueOf(e.getMessage());
      if (message.startsWith("not a tar archive") || message.startsWith("tar archive ends")) {
        throw new InvalidParameterException("body", message);
      }
      throw e;
    }
    if (!any[0]) {
      throw new InvalidParameterException(
          "body",
          "is not a tar archive holding the dataset's files; send the four IDX files in a .tar or"
              + " .tar.gz ('digitlab data add NAME --dir DIR' packs them for you)");
    }
  }

  /** Takes one file for the role {@code index} (0-3 in {@link RegisteredDataset#FILE_NAMES}). */
  void put(int index, String sentName, InputStream content) throws IOException {
    if (present[index]) {
      throw new InvalidParameterException(
          "files",
          "two files are "
              + RegisteredDataset.FILE_NAMES.get(index)
              + " (one is "
              + sentName
              + ")");
    }
    present[index] = true;
    InputStream in = maybeGunzip(new BufferedInputStream(content, 1 << 16), sentName);
    try (OutputStream out =
        Files.newOutputStream(staging.resolve(RegisteredDataset.FILE_NAMES.get(index)))) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        rawBytes += n;
        if (rawBytes > maxRawBytes) {
          throw new BodyTooLargeException(maxRawBytes, "digitlab.limits.max-dataset-size");
        }
        out.write(buffer, 0, n);
      }
    } catch (ZipException | java.io.EOFException e) {
      throw new InvalidParameterException(
          "files", sentName + " is gzip-compressed but damaged (" + e.getMessage() + ")");
    }
  }

  /** Refuses an upload that lacks one of the four files, naming the missing ones. */
  void checkComplete() {
    StringBuilder missing = new StringBuilder();
    for (int i = 0; i < present.length; i++) {
      if (!present[i]) {
        missing.append(missing.isEmpty() ? "" : ", ").append(RegisteredDataset.FILE_NAMES.get(i));
      }
    }
    if (!missing.isEmpty()) {
      throw new InvalidParameterException(
          "files",
          "missing "
              + missing
              + "; a dataset is four IDX files: train-images-idx3-ubyte, train-labels-idx1-ubyte,"
              + " t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (or test-…; each may be .gz)");
    }
  }

  private static InputStream maybeGunzip(BufferedInputStream in, String what) throws IOException {
    in.mark(2);
    int b0 = in.read();
    int b1 = in.read();
    in.reset();
    if (b0 == 0x1f && b1 == 0x8b) {
      try {
        return new GZIPInputStream(in, 1 << 16);
      } catch (ZipException | java.io.EOFException e) {
        throw new InvalidParameterException(
            "files", what + " is gzip-compressed but damaged (" + e.getMessage() + ")");
      }
    }
    return in;
  }
}
