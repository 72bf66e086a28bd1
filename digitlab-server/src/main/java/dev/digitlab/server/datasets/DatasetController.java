package dev.digitlab.server.datasets;

import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.api.RequestLimits;
import dev.digitlab.server.security.Ownership;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.core.io.FileSystemResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/datasets}: register a dataset from a tar archive (plain or gzipped) of its four
 * IDX files, list, show and delete them. Registering and deleting need the user role (viewers get
 * 403 from the security rules); a dataset an experiment uses is not deleted (409).
 */
@RestController
class DatasetController {

  private final DatasetRegistry registry;
  private final Ownership ownership;
  private final long maxDatasetBytes;

  DatasetController(DatasetRegistry registry, Ownership ownership, RequestLimits limits) {
    this.registry = registry;
    this.ownership = ownership;
    this.maxDatasetBytes = limits.maxDatasetSize().toBytes();
  }

  /**
   * Registers the archive in the body as {@code name}; {@code classes} (default 10) is how many
   * labels it has, 2-10. 201 with the dataset; 400 for files that are no such dataset, 409 for a
   * name taken, 413 past {@code digitlab.limits.max-dataset-size}; nothing is stored then.
   */
  @PostMapping(path = RequestLimits.DATASET_UPLOAD, produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> add(
      @RequestParam("name") String name,
      @RequestParam(name = "classes", defaultValue = "10") int classes,
      InputStream body,
      HttpServletRequest request)
      throws IOException {
    registry.checkNewName(name);
    Path staging = registry.newStaging();
    try {
      DatasetUpload upload = new DatasetUpload(staging, maxDatasetBytes);
      upload.readArchive(body);
      upload.checkComplete();
    } catch (RuntimeException | IOException e) {
      DatasetRegistry.deleteTree(staging);
      throw e;
    }
    DatasetRegistry.Entry entry = registry.add(name, classes, staging, ownership.ownerOf(request));
    return ResponseEntity.status(HttpStatus.CREATED).body(view(entry));
  }

  @GetMapping(path = RequestLimits.DATASET_UPLOAD, produces = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> list() {
    return Map.of("items", registry.list().stream().map(DatasetController::view).toList());
  }

  @GetMapping(
      path = RequestLimits.DATASET_UPLOAD + "/{name}",
      produces = MediaType.APPLICATION_JSON_VALUE)
  Map<String, Object> get(@PathVariable String name) {
    return view(registry.get(name));
  }

  /**
   * One of the dataset's four files, raw, for anyone who may read datasets ({@code digitlab train
   * --dataset NAME --server URL} fetches them; it checks each against the SHA-256 {@link #get}
   * lists). 404 for a name not registered or a file that is not one of the four.
   */
  @GetMapping(path = RequestLimits.DATASET_UPLOAD + "/{name}/files/{file}")
  ResponseEntity<FileSystemResource> file(@PathVariable String name, @PathVariable String file) {
    DatasetRegistry.Entry entry = registry.get(name);
    if (!RegisteredDataset.FILE_NAMES.contains(file)) {
      throw new NotFoundException(
          "A dataset has the files "
              + String.join(", ", RegisteredDataset.FILE_NAMES)
              + "; not '"
              + file
              + "'");
    }
    Path path = registry.directory(entry.dataset()).resolve(file);
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .body(new FileSystemResource(path));
  }

  /**
   * Deletes the registration: its creator or an admin only (403 naming the creator otherwise), as
   * for experiments; 409 while something uses it.
   */
  @DeleteMapping(path = RequestLimits.DATASET_UPLOAD + "/{name}")
  ResponseEntity<Void> delete(@PathVariable String name, HttpServletRequest request)
      throws IOException {
    ownership.checkMayChange(request, "dataset " + name, registry.get(name).createdBy());
    registry.delete(name);
    return ResponseEntity.noContent().build();
  }

  static Map<String, Object> view(DatasetRegistry.Entry entry) {
    RegisteredDataset d = entry.dataset();
    Map<String, Object> files = new LinkedHashMap<>();
    for (int i = 0; i < 4; i++) {
      files.put(RegisteredDataset.FILE_NAMES.get(i), d.fileSha256().get(i));
    }
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("name", d.name());
    view.put("sha256", d.sha256());
    view.put("classes", d.classes());
    view.put("trainCount", d.trainCount());
    view.put("testCount", d.testCount());
    view.put("sizeBytes", d.sizeBytes());
    view.put("files", files);
    view.put("createdBy", entry.createdBy());
    view.put("createdAt", entry.createdAt().toString());
    return view;
  }
}
