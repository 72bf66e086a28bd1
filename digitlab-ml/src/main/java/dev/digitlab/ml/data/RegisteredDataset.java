package dev.digitlab.ml.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * A dataset a user registered (issue 21): four IDX files in MNIST's format, known by the SHA-256 of
 * each file and by one digest over the four ({@link #digest}), which names its folder wherever it
 * is kept ({@code <home>/datasets/<digest>/} on a worker).
 *
 * <p>The rules, the same on the server, the CLI and the worker: images are 28×28 grey bytes (the
 * recipes' input); labels are {@code 0 … classes-1} with {@code classes} between {@value
 * #MIN_CLASSES} and {@value #MAX_CLASSES}. Every model keeps its 10 outputs, so a model trained on
 * fewer classes registers and serves like any other: its unused outputs simply never win.
 *
 * @param name the name users type ({@code dataset: NAME})
 * @param sha256 the digest over the four files' digests ({@link #digest})
 * @param fileSha256 the SHA-256 of the raw (uncompressed) train images, train labels, test images
 *     and test labels, in that order
 */
public record RegisteredDataset(
    String name,
    String sha256,
    List<String> fileSha256,
    int classes,
    int trainCount,
    int testCount,
    long sizeBytes) {

  public static final int MIN_CLASSES = 2;
  public static final int MAX_CLASSES = 10;
  public static final int ROWS = 28;
  public static final int COLS = 28;

  /** What a dataset name looks like (the config's rule for {@code dataset}). */
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  /**
   * The four files' names as kept, in {@link #fileSha256}'s order: MNIST's own, so that {@link
   * LoadedDataset#read} reads a registered dataset exactly like MNIST.
   */
  public static final List<String> FILE_NAMES =
      DatasetId.MNIST.spec().files().stream().map(DatasetFile::storedName).toList();

  public RegisteredDataset {
    Objects.requireNonNull(name, "name");
    fileSha256 = List.copyOf(fileSha256);
    if (fileSha256.size() != 4 || !fileSha256.stream().allMatch(RegisteredDataset::isSha256)) {
      throw new IllegalArgumentException("four SHA-256 digests expected, got " + fileSha256);
    }
    if (!digest(fileSha256).equals(sha256)) {
      throw new IllegalArgumentException(
          "the dataset digest " + sha256 + " is not that of its files " + fileSha256);
    }
  }

  /** Whether {@code text} is 64 lower-case hex digits. */
  public static boolean isSha256(String text) {
    return text != null && SHA256.matcher(text).matches();
  }

  /**
   * The problem with {@code name} as a new dataset's name, or null: the config's rule, not a
   * built-in name, and not 64 hex digits (which name cached folders).
   */
  public static String nameProblem(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      return "must be 1-64 lower-case letters, digits and '-', starting with a letter or digit, got '"
          + name
          + "'";
    }
    if (DatasetId.find(name).isPresent()) {
      return "'" + name + "' is a built-in dataset; choose another name";
    }
    if (isSha256(name)) {
      return "must not be 64 hex digits (that names a cached dataset folder)";
    }
    return null;
  }

  /**
   * The digest of a dataset whose files have these digests: the SHA-256 of their four hex digests,
   * one a line, in {@link #FILE_NAMES}' order. Renaming nothing, reordering nothing: the same four
   * files always give the same digest.
   */
  public static String digest(List<String> fileSha256) {
    StringBuilder manifest = new StringBuilder();
    fileSha256.forEach(sha -> manifest.append(sha).append('\n'));
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256")
                  .digest(manifest.toString().getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * Which of the four files {@code fileName} is (its index in {@link #FILE_NAMES}), by the names
   * MNIST's files go by: {@code train-images-idx3-ubyte}, {@code train-images.idx3-ubyte}, with or
   * without {@code .gz}, and {@code t10k-…} or {@code test-…} for the test set.
   */
  public static OptionalInt role(String fileName) {
    String name = fileName.toLowerCase(Locale.ROOT);
    int slash = name.lastIndexOf('/');
    name = slash >= 0 ? name.substring(slash + 1) : name;
    if (name.endsWith(".gz")) {
      name = name.substring(0, name.length() - 3);
    }
    name = name.replace('.', '-');
    String[] prefixes = {
      "train-images-idx3", "train-labels-idx1", "t10k-images-idx3", "t10k-labels-idx1"
    };
    for (int i = 0; i < prefixes.length; i++) {
      String test = prefixes[i].replace("t10k", "test");
      if (name.equals(prefixes[i] + "-ubyte") || name.equals(test + "-ubyte")) {
        return OptionalInt.of(i);
      }
    }
    return OptionalInt.empty();
  }

  /**
   * The four files in {@code dir}, in {@link #FILE_NAMES}' order, found by the names {@link #role}
   * knows; other files are ignored.
   *
   * @throws DatasetException when {@code dir} is not a folder, lacks one of the four, or has two
   *     files for one of them
   */
  public static List<Path> filesIn(Path dir) {
    if (!java.nio.file.Files.isDirectory(dir)) {
      throw new DatasetException(dir + " is not a folder");
    }
    Path[] found = new Path[4];
    try (var files = java.nio.file.Files.list(dir)) {
      for (Path file : files.filter(java.nio.file.Files::isRegularFile).sorted().toList()) {
        OptionalInt role = role(file.getFileName().toString());
        if (role.isEmpty()) {
          continue;
        }
        int i = role.getAsInt();
        if (found[i] != null) {
          throw new DatasetException(
              "two files in "
                  + dir
                  + " are "
                  + FILE_NAMES.get(i)
                  + ": "
                  + found[i].getFileName()
                  + " and "
                  + file.getFileName());
        }
        found[i] = file;
      }
    } catch (IOException e) {
      throw new DatasetException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    for (int i = 0; i < 4; i++) {
      if (found[i] == null) {
        throw new DatasetException(dir + " has no " + FILE_NAMES.get(i) + " (or .gz, or test-…)");
      }
    }
    return List.of(found);
  }

  /** What {@link #check} found in four good files. */
  public record Summary(int trainCount, int testCount) {}

  /**
   * Checks the four files of {@link #FILE_NAMES} in {@code dir} (raw or gzip-compressed) as a
   * dataset of {@code classes} classes: IDX magic numbers, lengths that match their headers, 28×28
   * images, as many labels as images, and every label below {@code classes}.
   *
   * @throws DatasetException saying what is wrong, naming the file as users know it
   */
  public static Summary check(Path dir, int classes) {
    LoadedDataset read = check(FILE_NAMES.stream().map(dir::resolve).toList(), classes);
    return new Summary(read.train().size(), read.test().size());
  }

  /**
   * Checks four files (train images, train labels, test images, test labels, wherever they are and
   * however named, raw or gzip-compressed) as {@link #check(Path, int)} does, and returns what they
   * hold: {@code digitlab train --dataset-dir} trains on files it never stores.
   *
   * @throws DatasetException saying what is wrong, naming the file by its own name
   */
  public static LoadedDataset check(List<Path> files, int classes) {
    if (files.size() != 4) {
      throw new IllegalArgumentException("four files expected, got " + files);
    }
    if (classes < MIN_CLASSES || classes > MAX_CLASSES) {
      throw new DatasetException(
          "classes must be between "
              + MIN_CLASSES
              + " and "
              + MAX_CLASSES
              + " (every model has 10 outputs), got "
              + classes);
    }
    ImageSet train = readSet(files.get(0), files.get(1));
    checkLabels(train, name(files.get(1)), classes);
    ImageSet test = readSet(files.get(2), files.get(3));
    checkLabels(test, name(files.get(3)), classes);
    return new LoadedDataset(train, test);
  }

  private static String name(Path file) {
    return file.getFileName().toString();
  }

  private static ImageSet readSet(Path images, Path labels) {
    ImageSet set;
    try {
      set = IdxReader.read(images, labels);
    } catch (DatasetException e) {
      // IdxReader speaks of a fetched dataset's paths; an upload's user knows only the file names.
      String message = e.getMessage().replace(" " + IdxReader.REFETCH_HINT, "");
      for (Path file : List.of(images, labels)) {
        message = message.replace(file.toString(), name(file));
      }
      throw new DatasetException(message, e);
    }
    if (set.rows() != ROWS || set.cols() != COLS) {
      throw new DatasetException(
          name(images)
              + " holds "
              + set.rows()
              + "x"
              + set.cols()
              + " images; Digit Lab's models take 28x28 grey images");
    }
    return set;
  }

  private static void checkLabels(ImageSet set, String file, int classes) {
    for (int i = 0; i < set.size(); i++) {
      int label = set.label(i);
      if (label >= classes) {
        throw new DatasetException(
            file
                + " gives label "
                + label
                + " to item "
                + i
                + ", but the dataset has "
                + classes
                + " classes (labels 0-"
                + (classes - 1)
                + "); state the class count with --classes");
      }
    }
  }

  /** The SHA-256 of a file, as lower-case hex. */
  public static String sha256(Path file) throws IOException {
    return VerifiedFile.sha256(file);
  }

  /** The training and test images of a registered dataset kept in {@code dir}. */
  public static LoadedDataset read(Path dir) {
    return LoadedDataset.read(DatasetId.MNIST.spec(), dir);
  }
}
