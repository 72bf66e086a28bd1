package dev.digitlab.ml.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.testing.SyntheticIdx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checks a dataset's four files pass before the server keeps them, and its digest. */
class RegisteredDatasetTest {

  @TempDir Path dir;

  @Test
  void good_files_pass_and_give_their_counts() {
    SyntheticIdx.write(dir, 120, 40, 10, 1);
    RegisteredDataset.Summary summary = RegisteredDataset.check(dir, 10);
    assertThat(summary.trainCount()).isEqualTo(120);
    assertThat(summary.testCount()).isEqualTo(40);
    LoadedDataset loaded = RegisteredDataset.read(dir);
    assertThat(loaded.train().size()).isEqualTo(120);
    assertThat(loaded.test().label(3)).isEqualTo(3);
  }

  @Test
  void gzipped_files_read_the_same() throws IOException {
    SyntheticIdx.write(dir, 50, 20, 4, 2);
    Path images = dir.resolve(SyntheticIdx.TRAIN_IMAGES);
    Files.write(images, IdxWriter.gzip(Files.readAllBytes(images)));
    assertThat(RegisteredDataset.check(dir, 4).trainCount()).isEqualTo(50);
  }

  @Test
  void a_wrong_magic_number_is_named() throws IOException {
    SyntheticIdx.write(dir, 50, 20, 10, 3);
    Path labels = dir.resolve(SyntheticIdx.TRAIN_LABELS);
    byte[] bytes = Files.readAllBytes(labels);
    bytes[3] = 0x03; // 0x803: an image file's magic in a label file
    Files.write(labels, bytes);
    assertThatThrownBy(() -> RegisteredDataset.check(dir, 10))
        .isInstanceOf(DatasetException.class)
        .hasMessageContaining("train-labels-idx1-ubyte is not an IDX label")
        .hasMessageContaining("0x00000803")
        .hasMessageNotContaining(dir.toString())
        .hasMessageNotContaining("digitlab data fetch");
  }

  @Test
  void a_truncated_file_is_named() throws IOException {
    SyntheticIdx.write(dir, 50, 20, 10, 4);
    Path images = dir.resolve(SyntheticIdx.TEST_IMAGES);
    byte[] bytes = Files.readAllBytes(images);
    Files.write(images, java.util.Arrays.copyOf(bytes, bytes.length - 100));
    assertThatThrownBy(() -> RegisteredDataset.check(dir, 10))
        .hasMessageContaining("t10k-images-idx3-ubyte is truncated");
  }

  @Test
  void images_and_labels_of_different_counts_are_refused() throws IOException {
    SyntheticIdx.write(dir, 50, 20, 10, 5);
    Files.write(dir.resolve(SyntheticIdx.TRAIN_LABELS), SyntheticIdx.labelFile(new byte[49]));
    assertThatThrownBy(() -> RegisteredDataset.check(dir, 10))
        .hasMessageContaining("holds 50 images but")
        .hasMessageContaining("holds 49 labels");
  }

  @Test
  void a_label_past_the_class_count_is_refused_with_where_it_is() {
    SyntheticIdx.write(dir, 50, 20, 10, 6);
    assertThatThrownBy(() -> RegisteredDataset.check(dir, 5))
        .hasMessageContaining("train-labels-idx1-ubyte gives label 5 to item 5")
        .hasMessageContaining("5 classes (labels 0-4)");
    assertThatThrownBy(() -> RegisteredDataset.check(dir, 11))
        .hasMessageContaining("classes must be between 2 and 10");
  }

  @Test
  void images_of_another_size_are_refused() throws IOException {
    SyntheticIdx.write(dir, 50, 20, 10, 7);
    Files.write(
        dir.resolve(SyntheticIdx.TRAIN_IMAGES),
        SyntheticIdx.imageFile(50, 32, 32, new byte[50 * 32 * 32]));
    assertThatThrownBy(() -> RegisteredDataset.check(dir, 10))
        .hasMessageContaining("train-images-idx3-ubyte holds 32x32 images")
        .hasMessageContaining("28x28");
  }

  @Test
  void the_digest_is_over_the_four_file_digests_in_order() throws IOException {
    SyntheticIdx.write(dir, 30, 10, 10, 8);
    List<String> shas = new ArrayList<>();
    for (String file : RegisteredDataset.FILE_NAMES) {
      shas.add(RegisteredDataset.sha256(dir.resolve(file)));
    }
    String digest = RegisteredDataset.digest(shas);
    assertThat(digest).matches("[0-9a-f]{64}").isEqualTo(RegisteredDataset.digest(shas));
    assertThat(
            RegisteredDataset.digest(List.of(shas.get(1), shas.get(0), shas.get(2), shas.get(3))))
        .isNotEqualTo(digest);
    assertThatThrownBy(() -> new RegisteredDataset("x", "0".repeat(64), shas, 10, 30, 10, 1))
        .isInstanceOf(IllegalArgumentException.class);
    // The header bytes are part of the digest: a changed count is another dataset.
    assertThat(
            ByteBuffer.wrap(Files.readAllBytes(dir.resolve(SyntheticIdx.TRAIN_LABELS))).getInt(4))
        .isEqualTo(30);
  }

  @Test
  void file_names_as_mnist_ships_them_are_recognised() {
    assertThat(RegisteredDataset.role("train-images-idx3-ubyte")).hasValue(0);
    assertThat(RegisteredDataset.role("dir/train-labels.idx1-ubyte.gz")).hasValue(1);
    assertThat(RegisteredDataset.role("t10k-images-idx3-ubyte.gz")).hasValue(2);
    assertThat(RegisteredDataset.role("test-labels-idx1-ubyte")).hasValue(3);
    assertThat(RegisteredDataset.role("README.md")).isEmpty();
  }

  @Test
  void names_follow_the_config_rule_and_leave_built_in_names_alone() {
    assertThat(RegisteredDataset.nameProblem("my-digits")).isNull();
    assertThat(RegisteredDataset.nameProblem("mnist")).contains("built-in");
    assertThat(RegisteredDataset.nameProblem("Bad Name")).contains("lower-case");
    assertThat(RegisteredDataset.nameProblem("a".repeat(64).replace('a', 'f'))).contains("hex");
  }
}
