package dev.digitlab.ml.data;

import dev.digitlab.ml.tar.TarPaths;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Gets dataset files out of a Debian package ({@link DebianPackage}): downloads the {@code .deb},
 * checks its SHA-256 before reading it, then reads the {@code ar} archive, the {@code data.tar.xz}
 * (or {@code .gz}) inside it, and installs each wanted file after checking it against its own
 * digests. Written in Java (no {@code dpkg}, {@code ar} or {@code tar} needed), like the npm one.
 */
final class DebianFallback {

  private static final byte[] AR_MAGIC = "!<arch>\n".getBytes(StandardCharsets.US_ASCII);

  private final HttpClient http;
  private final Duration timeout;

  DebianFallback(HttpClient http, Duration timeout) {
    this.http = http;
    this.timeout = timeout;
  }

  /**
   * Installs {@code wanted} from {@code debian} into {@code directory}.
   *
   * @throws IOException with a one-line reason when no URL delivers the package, its digest is not
   *     the pinned one, it is not a Debian package, or a file is missing or does not match
   */
  List<FetchedFile> fetch(
      DebianPackage debian, List<DatasetFile> wanted, Path directory, FetchListener listener)
      throws IOException {
    Path deb = Files.createTempFile(directory, ".deb-", StagedFile.SUFFIX);
    try {
      List<String> problems = new ArrayList<>();
      for (URI url : debian.urls()) {
        listener.trying(debian.fileName(), url.toString());
        try {
          download(url, debian, deb, listener);
          return extract(deb, debian, wanted, directory, url, listener);
        } catch (IOException e) {
          problems.add(url + ": " + DatasetFetcher.reason(e));
          listener.failed(debian.fileName(), url.toString(), DatasetFetcher.reason(e));
        }
      }
      throw new IOException(String.join("; ", problems));
    } finally {
      Files.deleteIfExists(deb);
    }
  }

  private void download(URI url, DebianPackage debian, Path deb, FetchListener listener)
      throws IOException {
    HttpRequest request =
        HttpRequest.newBuilder(url).timeout(timeout).header("User-Agent", "digitlab").GET().build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    MessageDigest sha = VerifiedFile.newSha256();
    try (InputStream body = response.body()) {
      if (response.statusCode() != 200) {
        throw new IOException("HTTP " + response.statusCode());
      }
      long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      try (OutputStream out = new DigestOutputStream(Files.newOutputStream(deb), sha)) {
        new ProgressInputStream(body, debian.fileName(), total, listener).transferTo(out);
      }
    }
    String actual = HexFormat.of().formatHex(sha.digest());
    if (!actual.equals(debian.sha256())) {
      throw new IOException(
          "SHA-256 of " + debian.fileName() + " is " + actual + ", expected " + debian.sha256());
    }
  }

  private static List<FetchedFile> extract(
      Path deb,
      DebianPackage debian,
      List<DatasetFile> wanted,
      Path directory,
      URI url,
      FetchListener listener)
      throws IOException {
    Map<String, DatasetFile> byEntry = new HashMap<>();
    for (DatasetFile file : wanted) {
      // The reader hands out names without a leading "./".
      byEntry.put(TarPaths.relative(debian.directory() + file.downloadName()), file);
    }
    String source = "extracted from " + debian.fileName() + " (" + url + ")";
    try (InputStream data = dataTar(new BufferedInputStream(Files.newInputStream(deb), 1 << 16))) {
      // Debian ships every file as .gz; a file known by its raw digest is stored decompressed.
      return PackageEntries.extract(
          data,
          byEntry,
          directory,
          source,
          listener,
          (file, gz) ->
              file.digestOf() == DatasetFile.Digest.RAW ? new GZIPInputStream(gz, 1 << 16) : gz);
    }
  }

  /**
   * The decompressed {@code data.tar} member of a {@code .deb}: an {@code ar} archive of {@code
   * debian-binary}, {@code control.tar.*} and {@code data.tar.*}, each behind a 60-byte header.
   */
  static InputStream dataTar(InputStream deb) throws IOException {
    if (!java.util.Arrays.equals(deb.readNBytes(AR_MAGIC.length), AR_MAGIC)) {
      throw new IOException("not a Debian package (no ar archive header)");
    }
    byte[] header = new byte[60];
    while (deb.readNBytes(header, 0, 60) == 60) {
      String name = new String(header, 0, 16, StandardCharsets.US_ASCII).trim();
      long size;
      try {
        size = Long.parseLong(new String(header, 48, 10, StandardCharsets.US_ASCII).trim());
      } catch (NumberFormatException e) {
        throw new IOException("not a Debian package (bad ar member header)");
      }
      if (name.endsWith("/")) {
        name = name.substring(0, name.length() - 1); // GNU ar ends names with '/'
      }
      if (name.startsWith("data.tar")) {
        InputStream member = new BoundedInputStream(deb, size);
        return switch (name) {
          case "data.tar.xz" -> new XZInputStream(member);
          case "data.tar.gz" -> new GZIPInputStream(member, 1 << 16);
          case "data.tar" -> member;
          default -> throw new IOException("unsupported package compression: " + name);
        };
      }
      deb.skipNBytes(size + (size % 2)); // members are padded to an even length
    }
    throw new IOException("not a Debian package (no data.tar member)");
  }

  /** At most {@code remaining} bytes of the underlying stream; closing closes it. */
  private static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;

    BoundedInputStream(InputStream in, long remaining) {
      this.in = in;
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(buffer, offset, (int) Math.min(length, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
