package dev.digitlab.protocol.worker;

import java.util.List;
import java.util.Objects;

/**
 * A registered dataset as a worker gets it: carried in {@link LeaseGrant#dataset()}. The worker
 * keeps it in {@code <data home>/datasets/<sha256>/} and fetches each missing file from {@link
 * WorkerProtocol#DATASET_FILE}, checking it against {@code fileSha256} before keeping it.
 *
 * @param name the name the config gives ({@code dataset: NAME})
 * @param sha256 the dataset's digest: the SHA-256 of the four files' digests, one a line
 * @param fileSha256 the SHA-256 of train images, train labels, test images and test labels, in that
 *     order, each of the raw IDX file
 * @param classes the number of classes; every label is below it
 */
public record DatasetTask(String name, String sha256, List<String> fileSha256, int classes) {

  public DatasetTask {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sha256, "sha256");
    fileSha256 = List.copyOf(fileSha256);
  }
}
