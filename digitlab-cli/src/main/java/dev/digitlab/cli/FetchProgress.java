package dev.digitlab.cli;

import dev.digitlab.ml.data.FetchListener;
import dev.digitlab.ml.data.FetchedFile;
import java.io.PrintWriter;

/** Prints one line per dataset file and source, and a percentage every quarter of a transfer. */
final class FetchProgress implements FetchListener {
  private final PrintWriter out;
  private String lastFile = "";
  private long lastQuarter = -1;

  FetchProgress(PrintWriter out) {
    this.out = out;
  }

  @Override
  public void trying(String file, String source) {
    out.println("  " + file + ": trying " + source);
    out.flush();
  }

  @Override
  public void failed(String file, String source, String reason) {
    out.println("  " + file + ": " + source + " failed: " + reason);
    out.flush();
  }

  @Override
  public void progress(String file, long done, long total) {
    if (total <= 0) {
      return;
    }
    long quarter = done * 4 / total;
    if (!file.equals(lastFile)) {
      lastFile = file;
      lastQuarter = -1;
    }
    if (quarter != lastQuarter && quarter < 4) {
      lastQuarter = quarter;
      out.printf("  %s: %d%% of %.1f MB%n", file, quarter * 25, total / 1e6);
      out.flush();
    }
  }

  @Override
  public void ready(FetchedFile file) {
    out.println(file.file().storedName() + ": " + file.source());
    out.flush();
  }
}
