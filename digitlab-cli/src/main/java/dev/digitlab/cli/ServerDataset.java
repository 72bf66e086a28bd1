package dev.digitlab.cli;

import dev.digitlab.ml.data.LoadedDataset;
import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.protocol.worker.DatasetTask;
import dev.digitlab.worker.remote.DatasetCache;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import tools.jackson.databind.JsonNode;

/**
 * A dataset registered on a server, for {@code digitlab train --dataset NAME --server URL}: its
 * digests and size come from {@code GET /api/v1/datasets/NAME} ({@link #describe}), its files from
 * {@code /api/v1/datasets/NAME/files/FILE} into {@code <home>/datasets/<digest>/} ({@link #fetch}),
 * the cache a remote worker keeps ({@link DatasetCache}): each file's SHA-256 and the digest over
 * them are checked before the folder is kept, and a kept folder is not fetched again.
 *
 * @param trainImages the training images the server counted, empty when it does not say
 */
record ServerDataset(ApiClient client, String name, DatasetTask task, OptionalInt trainImages) {

  /** What the server says of the dataset; nothing is fetched or written yet. */
  static ServerDataset describe(ApiClient client, String name) {
    JsonNode shown = client.get(path(name));
    List<String> files = new ArrayList<>();
    for (String file : RegisteredDataset.FILE_NAMES) {
      files.add(shown.path("files").path(file).asString(""));
    }
    DatasetTask task =
        new DatasetTask(
            name, shown.path("sha256").asString(""), files, shown.path("classes").asInt(10));
    JsonNode count = shown.path("trainCount");
    return new ServerDataset(
        client, name, task, count.isInt() ? OptionalInt.of(count.asInt()) : OptionalInt.empty());
  }

  /** The dataset's files, from {@code home}'s cache or fetched into it. */
  LoadedDataset fetch(Path home, PrintWriter err) throws IOException, InterruptedException {
    DatasetCache cache = new DatasetCache(home.resolve("datasets"));
    Path folder = cache.directory(task.sha256());
    if (Files.isDirectory(folder)) {
      err.println("Dataset " + name + " (" + task.sha256() + ") from " + folder);
    } else {
      err.println("Fetching dataset " + name + " (" + task.sha256() + ") from " + client.server());
    }
    folder =
        cache.get(
            task,
            (sha, file, target) -> client.download(path(name) + "/files/" + file, target, file));
    return RegisteredDataset.read(folder);
  }

  private static String path(String name) {
    return "/api/v1/datasets/" + Uploads.segment(name);
  }
}
