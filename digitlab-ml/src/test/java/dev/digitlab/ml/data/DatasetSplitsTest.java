package dev.digitlab.ml.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class DatasetSplitsTest {

  /** 1000 images: label 0 ×500, 1 ×300, 2 ×200. */
  private final ImageSet skewed = skewed();

  @Test
  void same_seed_gives_the_same_split() {
    TrainValidation a = DatasetSplits.trainValidation(skewed, 0.2, 42);
    TrainValidation b = DatasetSplits.trainValidation(skewed, 0.2, 42);

    assertThat(a.validation().pixels()).isEqualTo(b.validation().pixels());
    assertThat(a.train().pixels()).isEqualTo(b.train().pixels());
  }

  @Test
  void another_seed_gives_another_split() {
    TrainValidation a = DatasetSplits.trainValidation(skewed, 0.2, 42);
    TrainValidation b = DatasetSplits.trainValidation(skewed, 0.2, 43);

    assertThat(a.validation().pixels()).isNotEqualTo(b.validation().pixels());
  }

  @Test
  void validation_keeps_class_proportions() {
    TrainValidation split = DatasetSplits.trainValidation(skewed, 0.2, 7);

    assertThat(counts(split.validation())).isEqualTo(Map.of(0, 100, 1, 60, 2, 40));
    assertThat(counts(split.train())).isEqualTo(Map.of(0, 400, 1, 240, 2, 160));
  }

  @Test
  void train_and_validation_are_disjoint_and_cover_the_set() {
    TrainValidation split = DatasetSplits.trainValidation(skewed, 0.3, 7);

    Set<String> train = images(split.train());
    Set<String> validation = images(split.validation());
    assertThat(train).doesNotContainAnyElementsOf(validation);
    Set<String> all = new HashSet<>(train);
    all.addAll(validation);
    assertThat(all).isEqualTo(images(skewed));
    assertThat(split.train().size() + split.validation().size()).isEqualTo(skewed.size());
  }

  @Test
  void zero_ratio_gives_an_empty_validation_set() {
    TrainValidation split = DatasetSplits.trainValidation(skewed, 0, 1);

    assertThat(split.validation().size()).isZero();
    assertThat(split.train().pixels()).isEqualTo(skewed.pixels());
  }

  @Test
  void ratio_of_one_is_rejected() {
    assertThatThrownBy(() -> DatasetSplits.trainValidation(skewed, 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("less than 1");
  }

  @Test
  void subset_keeps_proportions_by_largest_remainder() {
    // Exact shares of 7 are 3.5, 2.1, 1.4: floors 3+2+1, the one left goes to label 0.
    ImageSet subset = DatasetSplits.stratifiedSubset(skewed, 7, 3);

    assertThat(counts(subset)).isEqualTo(Map.of(0, 4, 1, 2, 2, 1));
  }

  @Test
  void subset_is_deterministic_and_drawn_from_the_set() {
    ImageSet a = DatasetSplits.stratifiedSubset(skewed, 100, 5);
    ImageSet b = DatasetSplits.stratifiedSubset(skewed, 100, 5);

    assertThat(a.pixels()).isEqualTo(b.pixels());
    assertThat(images(skewed)).containsAll(images(a));
    assertThat(counts(a)).isEqualTo(Map.of(0, 50, 1, 30, 2, 20));
  }

  @Test
  void subset_larger_than_the_set_is_the_whole_set() {
    assertThat(DatasetSplits.stratifiedSubset(skewed, 5000, 5)).isSameAs(skewed);
  }

  private static ImageSet skewed() {
    byte[] labels = new byte[1000];
    for (int i = 0; i < labels.length; i++) {
      // Interleaved so that class membership does not follow position.
      labels[i] = (byte) (i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2);
    }
    return SyntheticImages.withLabels(labels);
  }

  private static Map<Integer, Integer> counts(ImageSet set) {
    Map<Integer, Integer> counts = new TreeMap<>();
    for (int i = 0; i < set.size(); i++) {
      counts.merge(set.label(i), 1, Integer::sum);
    }
    return counts;
  }

  /** Each image as text with its index-free content, to compare sets of images. */
  private static Set<String> images(ImageSet set) {
    Set<String> images = new HashSet<>();
    int n = set.imageSize();
    for (int i = 0; i < set.size(); i++) {
      StringBuilder image = new StringBuilder().append(set.label(i)).append(':');
      for (int k = 0; k < n; k++) {
        image.append(set.pixels()[i * n + k]).append(',');
      }
      images.add(image.toString());
    }
    return images;
  }
}
