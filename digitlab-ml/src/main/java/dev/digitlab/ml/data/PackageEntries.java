package dev.digitlab.ml.data;

import dev.digitlab.ml.tar.TarLimits;
import dev.digitlab.ml.tar.TarReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The dataset files inside a fallback package's tar stream (npm's tarball, a {@code .deb}'s {@code
 * data.tar}), each staged and checked against its digest like a downloaded file. Both fallbacks
 * extract the same way; only the entry names and how an entry's bytes become the stored file
 * differ.
 */
final class PackageEntries {

  /** How an entry's bytes become the stored file's (e.g. a {@code .gz} entry decompressed). */
  @FunctionalInterface
  interface Decoder {
    InputStream decode(DatasetFile file, InputStream entry) throws IOException;
  }

  private PackageEntries() {}

  /**
   * Stores the entries of {@code tar} named in {@code byEntry} in {@code directory}.
   *
   * @param byEntry the wanted files by their entry name; consumed
   * @param source how the files got here, for {@link FetchedFile#source()}
   * @throws IOException naming every file that failed its check or was not in the package
   */
  static List<FetchedFile> extract(
      InputStream tar,
      Map<String, DatasetFile> byEntry,
      Path directory,
      String source,
      FetchListener listener,
      Decoder decoder)
      throws IOException {
    List<FetchedFile> installed = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    TarReader.forEachFile(
        tar,
        TarLimits.GENEROUS,
        (entry, content) -> {
          long size = entry.size();
          DatasetFile file = byEntry.remove(entry.name());
          if (file == null) {
            return;
          }
          try (StagedFile staged = new StagedFile(directory, file)) {
            staged.write(
                decoder.decode(
                    file, new ProgressInputStream(content, file.storedName(), size, listener)));
            FetchedFile done = new FetchedFile(file, staged.commit(), source);
            installed.add(done);
            listener.ready(done);
          } catch (IOException e) {
            problems.add(e.getMessage());
          }
        });
    byEntry.keySet().forEach(entry -> problems.add(entry + " is not in the package"));
    if (!problems.isEmpty()) {
      throw new IOException(String.join("; ", problems));
    }
    return installed;
  }
}
