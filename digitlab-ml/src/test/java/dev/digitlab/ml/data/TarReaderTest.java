package dev.digitlab.ml.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TarReaderTest {

  private final ByteArrayOutputStream tar = new ByteArrayOutputStream();

  @Test
  void regular_files_are_read_and_directories_skipped() throws IOException {
    entry("package/", '5', new byte[0], "");
    entry("package/data/a", '0', "hello".getBytes(StandardCharsets.US_ASCII), "");
    entry("package/data/b", '0', new byte[700], ""); // spans two blocks
    tar.write(new byte[1024]);

    assertThat(read())
        .containsExactly(Map.entry("package/data/a", 5), Map.entry("package/data/b", 700));
  }

  @Test
  void ustar_prefix_and_pax_path_make_the_full_name() throws IOException {
    entry("a", '0', new byte[3], "package/data");
    byte[] pax = "27 path=package/data/long\n".getBytes(StandardCharsets.US_ASCII);
    entry("PaxHeader/long", 'x', pax, "");
    entry("package/data/trunc", '0', new byte[4], "");
    tar.write(new byte[1024]);

    assertThat(read())
        .containsExactly(Map.entry("package/data/a", 3), Map.entry("package/data/long", 4));
  }

  /** Entry names with the number of bytes the consumer read from each. */
  private Map<String, Integer> read() throws IOException {
    Map<String, Integer> entries = new LinkedHashMap<>();
    TarReader.forEachFile(
        new ByteArrayInputStream(tar.toByteArray()),
        (name, size, content) -> entries.put(name, content.readAllBytes().length));
    return entries;
  }

  private void entry(String name, char type, byte[] content, String prefix) throws IOException {
    byte[] header = new byte[512];
    put(header, 0, name);
    put(header, 124, String.format("%011o", content.length));
    header[156] = (byte) type;
    put(header, 257, "ustar");
    put(header, 345, prefix);
    tar.write(header);
    tar.write(content);
    tar.write(new byte[(512 - content.length % 512) % 512]);
  }

  private static void put(byte[] header, int offset, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }
}
