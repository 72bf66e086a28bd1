package dev.digitlab.server.trials;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;

/**
 * A walk of a trial folder that another thread may be deleting (an import rolling back, the orphan
 * sweep, a trial's own delete): an entry that is gone by the time the walk reads it is passed over
 * instead of ending the walk, as {@link SimpleFileVisitor} would. Other failures still end it.
 */
class SkipVanished extends SimpleFileVisitor<Path> {

  @Override
  public FileVisitResult visitFileFailed(Path entry, IOException e) throws IOException {
    if (e instanceof NoSuchFileException) {
      return FileVisitResult.CONTINUE;
    }
    throw e;
  }

  @Override
  public FileVisitResult postVisitDirectory(Path directory, IOException e) throws IOException {
    if (e != null && !(e instanceof NoSuchFileException)) {
      throw e;
    }
    return FileVisitResult.CONTINUE;
  }
}
