package dev.digitlab.server.registry;

import dev.digitlab.server.artifacts.TrialArtifactStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The registry's artifact folder, {@code <home>/registry/<model>/v<version>/model.dlm}: a copy of
 * the trial's weights, so a version stays servable when its experiment is deleted. With a shared
 * object store the weights are published there too, and a server that lacks them (another replica)
 * fetches them before loading.
 */
@Component
public class RegistryArtifacts {

  static final String MODEL_FILE = "model.dlm";
  static final String ONNX_FILE = "model.onnx";

  private final Path root;
  private final TrialArtifactStore shared;

  RegistryArtifacts(@Value("${digitlab.home}") Path home, TrialArtifactStore shared) {
    this.root = home.resolve("registry");
    this.shared = shared;
  }

  /** Where the weights of a registered version live on this server. */
  public Path modelFile(String model, int version) {
    return root.resolve(model).resolve("v" + version).resolve(MODEL_FILE);
  }

  /**
   * The weights of a registered version, fetched from the shared store when this server does not
   * have them; empty when neither has them.
   */
  public Optional<Path> localModelFile(String model, int version) {
    Path file = modelFile(model, version);
    return shared.fetchFile(key(model, version), file) ? Optional.of(file) : Optional.empty();
  }

  private static String key(String model, int version) {
    return key(model, version, MODEL_FILE);
  }

  private static String key(String model, int version, String file) {
    return "registry/" + model + "/v" + version + "/" + file;
  }

  /** Where the ONNX form of a registered version lives on this server. */
  Path onnxFile(String model, int version) {
    return root.resolve(model).resolve("v" + version).resolve(ONNX_FILE);
  }

  /** The ONNX form of a version, fetched from the shared store when this server lacks it. */
  Optional<Path> localOnnxFile(String model, int version) {
    Path file = onnxFile(model, version);
    return shared.fetchFile(key(model, version, ONNX_FILE), file)
        ? Optional.of(file)
        : Optional.empty();
  }

  /** Stores (and publishes) the ONNX form of a version, written whole or not at all. */
  void storeOnnx(String model, int version, byte[] onnx) {
    Path target = onnxFile(model, version);
    try {
      Files.createDirectories(target.getParent());
      Path temporary = target.resolveSibling("incoming-" + UUID.randomUUID() + ".onnx");
      Files.write(temporary, onnx);
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
      shared.publishFile(key(model, version, ONNX_FILE), target);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot store the ONNX form of " + model + " v" + version, e);
    }
  }

  /** A copy of {@code source} in the model's folder, not yet a version's, with its SHA-256. */
  Staged stage(String model, Path source) {
    try {
      Path dir = Files.createDirectories(root.resolve(model));
      Path staged = dir.resolve("incoming-" + UUID.randomUUID() + ".dlm");
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (InputStream in = Files.newInputStream(source);
          OutputStream out = new DigestOutputStream(Files.newOutputStream(staged), sha)) {
        in.transferTo(out);
      }
      return new Staged(staged, HexFormat.of().formatHex(sha.digest()));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot copy the model file " + source + ": " + e, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Moves a staged copy to where the version's weights live. */
  void commit(Staged staged, String model, int version) {
    Path target = modelFile(model, version);
    try {
      Files.createDirectories(target.getParent());
      Files.move(staged.file(), target, StandardCopyOption.ATOMIC_MOVE);
      shared.publishFile(key(model, version), target);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot store the weights of " + model + " v" + version, e);
    }
  }

  void discard(Staged staged) {
    try {
      Files.deleteIfExists(staged.file());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A copied file and its digest. */
  record Staged(Path file, String sha256) {}
}
