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
import tools.jackson.databind.JsonNode;

/**
 * A dataset registered on a server, for {@code digitlab train --dataset NAME --server URL}: its
 * digests come from {@code GET /api/v1/datasets/NAME}, its files from {@code
 * /api/v1/datasets/NAME/files/FILE} into {@code <home>/datasets/<digest>/}, the cache a remote
 * worker keeps ({@link DatasetCache}): each file's SHA-256 and the digest over them are checked
 * before the folder is kept, and a kept folder is not fetched again.
 */
final class ServerDataset {

  private ServerDataset() {}

  static LoadedDataset fetch(ApiClient client, String name, Path home, PrintWriter err)
      throws IOException, InterruptedException {
    String path = "/api/v1/datasets/" + Uploads.segment(name);
    JsonNode shown = client.get(path);
    List<String> files = new ArrayList<>();
    for (String file : RegisteredDataset.FILE_NAMES) {
      files.add(shown.path("files").path(file).asString(""));
    }
    DatasetTask task =
        new DatasetTask(
            name, shown.path("sha256").asString(""), files, shown.path("classes").asInt(10));
    DatasetCache cache = new DatasetCache(home.resolve("datasets"));
    Path folder = cache.directory(task.sha256());
    if (Files.isDirectory(folder)) {
      err.println("Dataset " + name + " (" + task.sha256() + ") from " + folder);
    } else {
      err.println("Fetching dataset " + name + " (" + task.sha256() + ") from " + client.server());
    }
    folder =
        cache.get(
            task, (sha, file, target) -> client.download(path + "/files/" + file, target, file));
    return RegisteredDataset.read(folder);
  }
}
