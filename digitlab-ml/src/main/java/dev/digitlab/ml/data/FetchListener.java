package dev.digitlab.ml.data;

/** Hears how a fetch is going, so a CLI can show progress; every method defaults to nothing. */
public interface FetchListener {

  /** A listener that ignores everything. */
  FetchListener NONE = new FetchListener() {};

  /** About to try {@code source} (a URL or an npm package) for {@code file}. */
  default void trying(String file, String source) {}

  /** {@code source} did not deliver a verified {@code file}, for {@code reason}. */
  default void failed(String file, String source, String reason) {}

  /** {@code done} bytes of {@code file} transferred out of {@code total}, or -1 if unknown. */
  default void progress(String file, long done, long total) {}

  /** {@code file} is in place and verified. */
  default void ready(FetchedFile file) {}
}
