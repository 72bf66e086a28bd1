package dev.digitlab.server.workers;

import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.worker.WorkerProtocol;
import dev.digitlab.server.api.ForbiddenException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.datasets.DatasetRegistry;
import java.util.UUID;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;

/**
 * {@code GET /api/v1/worker/datasets/{sha256}/{file}} ({@link WorkerProtocol#DATASET_FILE}): a file
 * of a registered dataset, only for a worker holding the lease of a running trial whose experiment
 * trains on that dataset ({@code Lease-Token}): 409 without such a lease, 403 for another dataset.
 * The worker role is checked by the security filter as for the whole worker protocol.
 */
@RestController
class DatasetDownloadController {

  private final LeasedSpecs leasedSpecs;
  private final DatasetRegistry registry;

  DatasetDownloadController(LeasedSpecs leasedSpecs, DatasetRegistry registry) {
    this.leasedSpecs = leasedSpecs;
    this.registry = registry;
  }

  @GetMapping(path = WorkerProtocol.DATASET_FILE)
  ResponseEntity<Resource> file(
      @PathVariable String sha256,
      @PathVariable String file,
      @RequestHeader(WorkerProtocol.LEASE_TOKEN_HEADER) UUID leaseToken) {
    if (!RegisteredDataset.isSha256(sha256)) {
      throw new InvalidParameterException(
          "sha256", "must be 64 lower-case hex digits, got '" + sha256 + "'");
    }
    if (!RegisteredDataset.FILE_NAMES.contains(file)) {
      throw new InvalidParameterException(
          "file", "must be one of " + RegisteredDataset.FILE_NAMES + ", got '" + file + "'");
    }
    String spec = leasedSpecs.spec(leaseToken);
    if (!sha256.equals(datasetOf(spec))) {
      throw new ForbiddenException(
          "Not this lease's dataset",
          "The leased trial's experiment does not train on the dataset "
              + sha256
              + ": a lease fetches only its own experiment's dataset");
    }
    RegisteredDataset dataset =
        registry
            .byDigest(sha256)
            .orElseThrow(() -> new NotFoundException("The dataset " + sha256 + " is not stored"));
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .body(new FileSystemResource(registry.directory(dataset).resolve(file)));
  }

  private static String datasetOf(String spec) {
    try {
      return Json.mapper().readTree(spec).path("datasetSha256").asString(null);
    } catch (JacksonException e) {
      return null;
    }
  }
}
