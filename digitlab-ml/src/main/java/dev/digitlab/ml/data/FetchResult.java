package dev.digitlab.ml.data;

import java.nio.file.Path;
import java.util.List;

/** The directory that now holds a dataset's four verified files, and how each got there. */
public record FetchResult(Path directory, List<FetchedFile> files) {

  public FetchResult {
    files = List.copyOf(files);
  }
}
