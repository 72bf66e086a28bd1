package dev.digitlab.ml.data;

import java.net.URI;
import java.util.List;
import java.util.Objects;

/**
 * A Debian package that carries a dataset's files (e.g. {@code dataset-fashion-mnist}): a fallback
 * when the dataset's mirrors are unreachable, since Debian's mirrors usually are reachable. The
 * {@code .deb} is checked against {@code sha256} (the digest Debian's signed package index gives)
 * before anything is read from it; each file in it against its {@link DatasetFile}'s digests.
 *
 * @param urls where the {@code .deb} can be downloaded, tried in order
 * @param sha256 the {@code .deb}'s SHA-256
 * @param directory the folder inside the package's {@code data.tar} holding the files, e.g. {@code
 *     ./usr/share/datasets/fashion-mnist/}
 */
public record DebianPackage(List<URI> urls, String sha256, String directory) {

  public DebianPackage {
    urls = List.copyOf(urls);
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(directory, "directory");
    if (!directory.endsWith("/")) {
      directory = directory + "/";
    }
  }

  /** The package's file name, e.g. {@code dataset-fashion-mnist_…_all.deb}. */
  public String fileName() {
    String path = urls.getFirst().getPath();
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
