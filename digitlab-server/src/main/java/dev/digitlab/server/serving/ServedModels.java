package dev.digitlab.server.serving;

import dev.digitlab.ml.infer.DigitClassifier;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.registry.AliasListener;
import dev.digitlab.server.registry.ModelAlias;
import dev.digitlab.server.registry.ModelRegistry;
import jakarta.annotation.PreDestroy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.annotation.Lazy;
import org.springframework.stereotype.Component;

/**
 * The loaded models and where each alias points, in memory, so a prediction touches neither the
 * database nor the disk.
 *
 * <p>Hot swap: a promotion first loads the new version ({@link #warm}), then the alias moves in the
 * database, then {@link #aliasMoved} replaces one map entry. A request resolves its alias once and
 * keeps the classifier it got; versions are immutable and a loaded one is never closed while the
 * server runs, so no request fails or is dropped during a swap.
 */
@Component
public class ServedModels implements AliasListener {

  private final ModelRegistry registry;
  private final Map<String, DigitClassifier> loaded = new ConcurrentHashMap<>();
  private final Map<String, AliasEntry> aliases = new ConcurrentHashMap<>();

  /**
   * How long a resolved alias is trusted before it is read again: a move made through this server
   * shows at once, one made through another server (same database) within this time.
   */
  static final Duration ALIAS_REFRESH = Duration.ofSeconds(1);

  private record AliasEntry(int version, long readAtNanos) {
    boolean fresh() {
      return System.nanoTime() - readAtNanos < ALIAS_REFRESH.toNanos();
    }
  }

  /** The registry calls back into this listener, hence the lazy reference. */
  ServedModels(@Lazy ModelRegistry registry) {
    this.registry = registry;
  }

  /** A version ready to predict. */
  public record Served(String model, int version, String alias, DigitClassifier classifier) {}

  /**
   * The version {@code alias} points at, loaded.
   *
   * @throws NotFoundException when the model or alias does not exist
   */
  public Served byAlias(String model, String alias) {
    AliasEntry entry = aliases.get(key(model, alias));
    Integer version = entry == null || !entry.fresh() ? null : entry.version();
    if (version == null) {
      // First use, or not read for a while (another server may have moved it): ask the registry.
      version =
          registry
              .alias(model, alias)
              .map(ModelAlias::version)
              .orElseThrow(
                  () -> {
                    // A mistyped model name is "no model named …", not "promote a version first".
                    registry.get(model);
                    return new NotFoundException(
                        "Model "
                            + model
                            + " has no alias "
                            + alias
                            + ". Promote a version first: digitlab model promote "
                            + model
                            + " VERSION --alias "
                            + alias);
                  });
      aliases.put(key(model, alias), new AliasEntry(version, System.nanoTime()));
    }
    return new Served(model, version, alias, classifier(model, version));
  }

  /**
   * A version by number, loaded.
   *
   * @throws NotFoundException when the model has no such version
   */
  public Served byVersion(String model, int version) {
    if (!loaded.containsKey(key(model, version))) {
      registry.version(model, version); // 404 with a message when it does not exist
    }
    return new Served(model, version, null, classifier(model, version));
  }

  @Override
  public void warm(String model, int version) {
    classifier(model, version);
  }

  @Override
  public void aliasMoved(String model, String alias, int version) {
    aliases.put(key(model, alias), new AliasEntry(version, System.nanoTime()));
  }

  private DigitClassifier classifier(String model, int version) {
    // DJL for Digit Lab's own models, ONNX Runtime for imported ones: the registry knows which.
    return loaded.computeIfAbsent(
        key(model, version), k -> registry.loadClassifier(model, version));
  }

  private static String key(String model, Object aliasOrVersion) {
    return model + "\u0000" + aliasOrVersion;
  }

  @PreDestroy
  void close() {
    loaded.values().forEach(DigitClassifier::close);
    loaded.clear();
  }
}
