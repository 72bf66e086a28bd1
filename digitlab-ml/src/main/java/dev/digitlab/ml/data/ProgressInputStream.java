package dev.digitlab.ml.data;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/** Counts the bytes read from a download and tells the {@link FetchListener}. */
final class ProgressInputStream extends FilterInputStream {

  private final String file;
  private final long total;
  private final FetchListener listener;
  private long done;

  ProgressInputStream(InputStream in, String file, long total, FetchListener listener) {
    super(in);
    this.file = file;
    this.total = total;
    this.listener = listener;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      advance(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n > 0) {
      advance(n);
    }
    return n;
  }

  private void advance(int n) {
    done += n;
    listener.progress(file, done, total);
  }
}
