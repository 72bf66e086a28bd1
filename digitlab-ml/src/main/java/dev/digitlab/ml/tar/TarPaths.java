package dev.digitlab.ml.tar;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The rules an archive entry's name must follow to stay inside the folder it unpacks to. */
public final class TarPaths {

  private TarPaths() {}

  /**
   * The entry name without leading {@code ./} and trailing {@code /}, or an exception when it is
   * absolute, climbs out with {@code ..}, uses backslashes, a drive letter or NUL. {@code "./"}
   * alone becomes {@code ""} (the root itself).
   */
  public static String relative(String name) throws TarException {
    String clean = name;
    while (clean.startsWith("./")) {
      clean = clean.substring(2);
    }
    while (clean.endsWith("/") && clean.length() > 1) {
      clean = clean.substring(0, clean.length() - 1); // a folder's trailing slash
    }
    if (clean.equals(".") || clean.isEmpty() && !name.isEmpty()) {
      return "";
    }
    if (clean.isEmpty()
        || clean.startsWith("/")
        || clean.contains("\\")
        || clean.indexOf('\0') >= 0
        || clean.matches("^[A-Za-z]:.*")) {
      throw new TarException("archive entry '" + name + "' is not a relative path");
    }
    for (String segment : clean.split("/")) {
      if (segment.equals("..")) {
        throw new TarException("archive entry '" + name + "' climbs out with '..'");
      }
    }
    return clean;
  }

  /**
   * {@code name} resolved inside {@code root} (a real path), or an exception if it would leave it,
   * also through a link already inside {@code root}.
   */
  public static Path inside(Path root, String name) throws IOException {
    // "" is what the reader makes of "./": the root itself.
    String clean = name.isEmpty() ? "" : relative(name);
    if (clean.isEmpty()) {
      return root;
    }
    Path path = root.resolve(clean).normalize();
    if (!path.startsWith(root)) {
      throw new TarException("archive entry '" + name + "' is outside the folder");
    }
    // A folder made by an earlier entry cannot be a link (links are refused), but the target
    // folder's own contents could be: check every existing parent really is inside.
    Path parent = path.getParent();
    while (parent != null && !parent.equals(root) && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (parent != null && !parent.toRealPath().startsWith(root)) {
      throw new TarException("archive entry '" + name + "' would be written through a link");
    }
    return path;
  }
}
