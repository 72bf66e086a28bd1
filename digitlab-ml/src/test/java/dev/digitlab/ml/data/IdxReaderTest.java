package dev.digitlab.ml.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

  @TempDir Path dir;

  private final ImageSet set = SyntheticImages.cycling(25, 10);

  @Test
  void raw_files_read_back_what_was_written() {
    IdxWriter.write(set, dir.resolve("images"), dir.resolve("labels"), false);

    ImageSet read = IdxReader.read(dir.resolve("images"), dir.resolve("labels"));

    assertSameImages(read, set);
  }

  @Test
  void gzip_files_are_recognised_by_content_not_by_name() {
    IdxWriter.write(set, dir.resolve("images.idx"), dir.resolve("labels.idx"), true);

    ImageSet read = IdxReader.read(dir.resolve("images.idx"), dir.resolve("labels.idx"));

    assertSameImages(read, set);
  }

  @Test
  void labels_given_as_images_are_rejected_by_magic_number() {
    IdxWriter.write(set, dir.resolve("images"), dir.resolve("labels"), false);

    assertThatThrownBy(() -> IdxReader.read(dir.resolve("labels"), dir.resolve("labels")))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(dir.resolve("labels").toString())
        .hasMessageContaining("magic number is 0x00000801, expected 0x00000803")
        .hasMessageContaining("digitlab data fetch");
  }

  @Test
  void truncated_image_file_is_rejected_with_its_path_and_sizes() throws IOException {
    Path images = dir.resolve("images");
    IdxWriter.write(set, images, dir.resolve("labels"), false);
    byte[] bytes = Files.readAllBytes(images);
    Files.write(images, Arrays.copyOf(bytes, bytes.length - 5));

    assertThatThrownBy(() -> IdxReader.read(images, dir.resolve("labels")))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(images + " is truncated")
        .hasMessageContaining(
            "declares " + bytes.length + " bytes but it holds " + (bytes.length - 5));
  }

  @Test
  void truncated_gzip_file_is_rejected_with_its_path() throws IOException {
    Path labels = dir.resolve("labels.gz");
    IdxWriter.write(set, dir.resolve("images.gz"), labels, true);
    byte[] bytes = Files.readAllBytes(labels);
    Files.write(labels, Arrays.copyOf(bytes, bytes.length - 10));

    assertThatThrownBy(() -> IdxReader.read(dir.resolve("images.gz"), labels))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(labels.toString());
  }

  @Test
  void zero_rows_are_rejected() throws IOException {
    Path images = dir.resolve("images");
    Files.write(
        images, ByteBuffer.allocate(16).putInt(0x803).putInt(1).putInt(0).putInt(3).array());

    assertThatThrownBy(() -> IdxReader.read(images, dir.resolve("labels")))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("row count of 0");
  }

  @Test
  void images_and_labels_of_different_counts_are_rejected() {
    IdxWriter.write(set, dir.resolve("images"), dir.resolve("ignored"), false);
    IdxWriter.write(
        SyntheticImages.cycling(24, 10), dir.resolve("ignored2"), dir.resolve("labels"), false);

    assertThatThrownBy(() -> IdxReader.read(dir.resolve("images"), dir.resolve("labels")))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("holds 25 images but")
        .hasMessageContaining("holds 24 labels");
  }

  @Test
  void missing_file_says_how_to_get_it() {
    assertThatThrownBy(() -> IdxReader.read(dir.resolve("nope"), dir.resolve("labels")))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining(dir.resolve("nope") + " does not exist")
        .hasMessageContaining("digitlab data fetch");
  }

  static void assertSameImages(ImageSet actual, ImageSet expected) {
    assertThat(actual.rows()).isEqualTo(expected.rows());
    assertThat(actual.cols()).isEqualTo(expected.cols());
    assertThat(actual.pixels()).isEqualTo(expected.pixels());
    assertThat(actual.labels()).isEqualTo(expected.labels());
  }
}
