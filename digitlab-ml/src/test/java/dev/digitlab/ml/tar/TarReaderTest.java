package dev.digitlab.ml.tar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarReaderTest {

  private final ByteArrayOutputStream tar = new ByteArrayOutputStream();
  @TempDir Path temp;

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
    byte[] pax = "26 path=package/data/long\n".getBytes(StandardCharsets.US_ASCII);
    entry("PaxHeader/long", 'x', pax, "");
    entry("package/data/trunc", '0', new byte[4], "");
    tar.write(new byte[1024]);

    assertThat(read())
        .containsExactly(Map.entry("package/data/a", 3), Map.entry("package/data/long", 4));
  }

  @Test
  void what_the_writer_writes_reads_back_with_long_names_and_leading_dots_cleaned()
      throws IOException {
    String deep = "a".repeat(70) + "/" + "b".repeat(70) + ".bin";
    try (TarWriter writer = new TarWriter(tar)) {
      writer.directory("dir");
      writer.file("./dir/x", "xyz".getBytes(StandardCharsets.UTF_8));
      writer.file(deep, new byte[513], true);
    }
    TarReader reader =
        new TarReader(new ByteArrayInputStream(tar.toByteArray()), TarLimits.GENEROUS);
    assertThat(reader.next()).isEqualTo(new TarEntry("dir", TarEntry.Kind.DIRECTORY, 0, 0755));
    assertThat(reader.next()).isEqualTo(new TarEntry("dir/x", TarEntry.Kind.FILE, 3, 0644));
    assertThat(reader.content().readAllBytes()).asString().isEqualTo("xyz");
    TarEntry last = reader.next();
    assertThat(last.name()).isEqualTo(deep);
    assertThat(last.executable()).isTrue();
    assertThat(reader.next()).isNull();
  }

  @Test
  void names_escaping_the_root_are_refused_by_reader_and_writer() throws IOException {
    for (String name : new String[] {"../evil", "a/../../evil", "/etc/passwd", "C:/x", "a\\b"}) {
      ByteArrayOutputStream one = new ByteArrayOutputStream();
      tar.reset();
      entry(name, '0', new byte[1], "");
      tar.write(new byte[1024]);
      assertThatThrownBy(() -> read())
          .as(name)
          .isInstanceOf(TarException.class)
          .hasMessageContaining(name);
      assertThatThrownBy(() -> new TarWriter(one).file(name, new byte[1]))
          .isInstanceOf(TarException.class);
    }
  }

  @Test
  void links_come_out_as_other_and_unpacking_refuses_them() throws IOException {
    entry("escape", '2', new byte[0], "");
    tar.write(new byte[1024]);
    assertThat(read()).isEmpty(); // forEachFile skips them
    Path archive = gzipped();
    assertThatThrownBy(() -> TarFolder.unpack(archive, temp.resolve("out")))
        .isInstanceOf(TarException.class)
        .hasMessageContaining("symbolic link");
    tar.reset();
    entry("hard", '1', new byte[0], "");
    tar.write(new byte[1024]);
    Path hard = gzipped();
    assertThatThrownBy(() -> TarFolder.unpack(hard, temp.resolve("out")))
        .hasMessageContaining("hard link");
  }

  @Test
  void limits_a_damaged_header_and_a_truncated_entry_are_refused() throws IOException {
    entry("big", '0', new byte[2000], "");
    tar.write(new byte[1024]);
    byte[] archive = tar.toByteArray();
    assertThatThrownBy(() -> readAll(archive, new TarLimits(1000, 10_000, 10)))
        .hasMessageContaining("more than the 1000 allowed");
    assertThatThrownBy(() -> readAll(archive, new TarLimits(10_000, 1000, 10)))
        .hasMessageContaining("in all");
    assertThatThrownBy(() -> readAll(archive, new TarLimits(10_000, 10_000, 0)))
        .hasMessageContaining("entries");
    byte[] damaged = archive.clone();
    damaged[3] ^= 1;
    assertThatThrownBy(() -> readAll(damaged, TarLimits.GENEROUS)).hasMessageContaining("checksum");
    byte[] cut = Arrays.copyOf(archive, 512 + 700);
    assertThatThrownBy(() -> readAll(cut, TarLimits.GENEROUS)).isInstanceOf(EOFException.class);
  }

  @Test
  void a_folder_packs_and_unpacks_through_a_link_nowhere() throws IOException {
    Path src = Files.createDirectories(temp.resolve("src/sub"));
    Files.writeString(src.resolve("f.txt"), "one");
    Path packed = temp.resolve("p.tar.gz");
    TarFolder.pack(temp.resolve("src"), packed);
    assertThat(TarFolder.names(packed)).containsExactly("sub/", "sub/f.txt");
    Path out = temp.resolve("out");
    TarFolder.unpack(packed, out);
    assertThat(out.resolve("sub/f.txt")).hasContent("one");

    Path withLink = Files.createDirectories(temp.resolve("with-link"));
    Files.createSymbolicLink(withLink.resolve("sub"), temp);
    assertThatThrownBy(() -> TarPaths.inside(withLink.toRealPath(), "sub/f.txt"))
        .hasMessageContaining("through a link");
  }

  private Path gzipped() throws IOException {
    Path file = Files.createTempFile(temp, "t", ".tar.gz");
    try (GZIPOutputStream gzip = new GZIPOutputStream(Files.newOutputStream(file))) {
      gzip.write(tar.toByteArray());
    }
    return file;
  }

  private static void readAll(byte[] archive, TarLimits limits) throws IOException {
    TarReader reader = new TarReader(new ByteArrayInputStream(archive), limits);
    while (reader.next() != null) {
      reader.content().readAllBytes();
    }
  }

  /** Entry names with the number of bytes the consumer read from each. */
  private Map<String, Integer> read() throws IOException {
    Map<String, Integer> entries = new LinkedHashMap<>();
    TarReader.forEachFile(
        new ByteArrayInputStream(tar.toByteArray()),
        TarLimits.GENEROUS,
        (entry, content) -> entries.put(entry.name(), content.readAllBytes().length));
    return entries;
  }

  private void entry(String name, char type, byte[] content, String prefix) throws IOException {
    byte[] header = new byte[512];
    put(header, 0, name);
    put(header, 100, "0000644");
    put(header, 124, String.format("%011o", content.length));
    header[156] = (byte) type;
    put(header, 257, "ustar");
    put(header, 345, prefix);
    Arrays.fill(header, 148, 156, (byte) ' ');
    int sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, String.format("%06o\0", sum));
    tar.write(header);
    tar.write(content);
    tar.write(new byte[(512 - content.length % 512) % 512]);
  }

  private static void put(byte[] header, int offset, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }
}
