package dev.digitlab.ml.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/**
 * Builds a Debian package the way {@code dpkg-deb} lays it out: an {@code ar} archive of {@code
 * debian-binary}, {@code control.tar.xz} and {@code data.tar.xz} (ustar entries under {@code ./}).
 */
final class DebianPackages {

  private DebianPackages() {}

  static byte[] deb(Map<String, byte[]> dataFiles) {
    ByteArrayOutputStream ar = new ByteArrayOutputStream();
    ar.writeBytes("!<arch>\n".getBytes(StandardCharsets.US_ASCII));
    member(ar, "debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII));
    member(ar, "control.tar.xz", xz(tar(Map.of("./control", "Package: test\n".getBytes()))));
    member(ar, "data.tar.xz", xz(tar(dataFiles)));
    return ar.toByteArray();
  }

  private static void member(ByteArrayOutputStream ar, String name, byte[] content) {
    String header =
        pad(name, 16)
            + pad("0", 12)
            + pad("0", 6)
            + pad("0", 6)
            + pad("100644", 8)
            + pad(Integer.toString(content.length), 10)
            + "`\n";
    ar.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
    ar.writeBytes(content);
    if (content.length % 2 == 1) {
      ar.write('\n');
    }
  }

  private static String pad(String value, int width) {
    return value + " ".repeat(width - value.length());
  }

  static byte[] tar(Map<String, byte[]> files) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      byte[] header = new byte[512];
      put(header, 0, file.getKey());
      put(header, 100, "0000644\0");
      put(header, 108, "0000000\0");
      put(header, 116, "0000000\0");
      put(header, 124, String.format("%011o\0", file.getValue().length));
      put(header, 136, "00000000000\0");
      header[156] = '0';
      put(header, 257, "ustar\0");
      put(header, 263, "00");
      Arrays.fill(header, 148, 156, (byte) ' ');
      int sum = 0;
      for (byte b : header) {
        sum += b & 0xFF;
      }
      put(header, 148, String.format("%06o\0 ", sum));
      out.writeBytes(header);
      out.writeBytes(file.getValue());
      out.writeBytes(new byte[(512 - file.getValue().length % 512) % 512]);
    }
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  private static void put(byte[] header, int offset, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }

  private static byte[] xz(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (XZOutputStream xz = new XZOutputStream(out, new LZMA2Options(1))) {
      xz.write(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
