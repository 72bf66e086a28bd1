package dev.digitlab.worker.command;

import dev.digitlab.worker.run.RunArtifact;
import java.util.Locale;
import java.util.Set;

/**
 * The artifact name of a file a command wrote to its output folder: its relative path in lower
 * case, {@code /} as {@code .}, any other character an artifact name cannot hold as {@code -}
 * ({@code plots/ROC Curve.png} → {@code plots.roc-curve.png}). A name that a built-in artifact or
 * an earlier file already has gets a {@code -2}, {@code -3}… before its extension.
 */
final class OutputNames {

  private static final int MAX = 100;

  private OutputNames() {}

  static String of(String relativePath, Set<String> taken) {
    StringBuilder name = new StringBuilder();
    for (char c : relativePath.replace('\\', '/').toLowerCase(Locale.ROOT).toCharArray()) {
      if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
        name.append(c);
      } else if (c == '/') {
        name.append('.');
      } else {
        name.append('-');
      }
    }
    if (name.isEmpty() || name.charAt(0) < 'a' || name.charAt(0) > 'z') {
      name.insert(0, "file-");
    }
    String base = name.length() > MAX - 4 ? name.substring(0, MAX - 4) : name.toString();
    String candidate = base;
    for (int n = 2; taken.contains(candidate) || RunArtifact.named(candidate).isPresent(); n++) {
      int dot = base.lastIndexOf('.');
      candidate = dot > 0 ? base.substring(0, dot) + "-" + n + base.substring(dot) : base + "-" + n;
    }
    return candidate;
  }
}
