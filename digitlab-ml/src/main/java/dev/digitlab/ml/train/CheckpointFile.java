package dev.digitlab.ml.train;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import dev.digitlab.ml.json.Json;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;

/**
 * Reads and writes checkpoints and model files: a magic number, a JSON {@link CheckpointHeader},
 * the network's parameters and (checkpoints only) the optimizer state. Writes go to a temporary
 * file that is then renamed, so a crash never leaves a half-written checkpoint behind.
 */
public final class CheckpointFile {

  /**
   * Current format version. 2: the fast recipe pools before its batch norm; format 1 files, which
   * normalise first, are still read (and a run resumed from one goes on writing format 1).
   */
  public static final int FORMAT = 2;

  private static final int OLDEST_FORMAT = 1;

  private static final int MAGIC = 0x444C434B; // "DLCK"

  // Unknown header properties are ignored: files written by a newer version stay readable.
  private static final ObjectReader HEADER =
      Json.mapper()
          .readerFor(CheckpointHeader.class)
          .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private static final ObjectMapper JSON = Json.mapper();

  private CheckpointFile() {}

  /** What a file holds besides the parameters, which were loaded into the given block. */
  record Loaded(CheckpointHeader header, NDList optimizerState) {}

  /** Writes {@code file} atomically; {@code optimizerState} is null for a model file. */
  static void write(Path file, CheckpointHeader header, Block block, NDList optimizerState) {
    try {
      ByteArrayOutputStream parameters = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(parameters)) {
        block.saveParameters(out);
      }
      byte[] headerBytes = JSON.writeValueAsBytes(header);
      byte[] state = optimizerState == null ? new byte[0] : optimizerState.encode();
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path temp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
      try {
        try (DataOutputStream out =
            new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(temp)))) {
          out.writeInt(MAGIC);
          out.writeInt(header.format());
          writeSection(out, headerBytes);
          writeSection(out, parameters.toByteArray());
          writeSection(out, state);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write checkpoint " + file + ": " + e, e);
    }
  }

  /** Reads only the header of a checkpoint or model file. */
  public static CheckpointHeader readHeader(Path file) {
    try (DataInputStream in = open(file)) {
      return HEADER.<CheckpointHeader>readValue(readSection(in, file));
    } catch (IOException | JacksonException e) {
      throw unreadable(file, e);
    }
  }

  /** Loads the parameters into {@code block} (already initialised) and returns the rest. */
  static Loaded read(Path file, Block block, NDManager manager) {
    try (DataInputStream in = open(file)) {
      CheckpointHeader header = HEADER.<CheckpointHeader>readValue(readSection(in, file));
      byte[] parameters = readSection(in, file);
      try (DataInputStream p = new DataInputStream(new ByteArrayInputStream(parameters))) {
        block.loadParameters(manager, p);
      }
      byte[] state = readSection(in, file);
      return new Loaded(header, state.length == 0 ? null : NDList.decode(manager, state));
    } catch (IOException | MalformedModelException | RuntimeException e) {
      throw unreadable(file, e);
    }
  }

  /**
   * Loads a model or checkpoint file's parameters into {@code block}, which must be initialised for
   * the architecture of the file's config, and returns the file's header; optimizer state is
   * dropped.
   *
   * @throws IllegalArgumentException when the file is not a Digit Lab model or does not fit {@code
   *     block}
   */
  public static CheckpointHeader readParameters(Path file, Block block, NDManager manager) {
    Loaded loaded = read(file, block, manager);
    if (loaded.optimizerState() != null) {
      loaded.optimizerState().close();
    }
    return loaded.header();
  }

  private static DataInputStream open(Path file) throws IOException {
    DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)));
    try {
      if (in.readInt() != MAGIC) {
        throw new IOException("not a Digit Lab checkpoint (wrong magic number)");
      }
      int format = in.readInt();
      if (format < OLDEST_FORMAT || format > FORMAT) {
        throw new IOException(
            "checkpoint format "
                + format
                + " is not supported (this version reads "
                + OLDEST_FORMAT
                + " to "
                + FORMAT
                + ")");
      }
      return in;
    } catch (IOException e) {
      in.close();
      throw e;
    }
  }

  private static void writeSection(DataOutputStream out, byte[] bytes) throws IOException {
    out.writeLong(bytes.length);
    out.write(bytes);
  }

  private static byte[] readSection(DataInputStream in, Path file) throws IOException {
    long length = in.readLong();
    if (length < 0 || length > Files.size(file)) {
      throw new IOException("corrupt section length " + length);
    }
    return in.readNBytes((int) length);
  }

  private static IllegalArgumentException unreadable(Path file, Exception e) {
    return new IllegalArgumentException(
        "cannot read checkpoint "
            + file
            + ": "
            + e.getMessage()
            + " (was it written by Digit Lab?)",
        e);
  }

  /** Header bytes for tests and tools that inspect a header without a network. */
  static String headerJson(CheckpointHeader header) {
    return new String(JSON.writeValueAsBytes(header), StandardCharsets.UTF_8);
  }
}
