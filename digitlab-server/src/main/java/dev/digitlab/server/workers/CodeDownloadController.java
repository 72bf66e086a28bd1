package dev.digitlab.server.workers;

import dev.digitlab.protocol.worker.WorkerProtocol;
import dev.digitlab.server.api.InvalidParameterException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/worker/code/{sha256}} ({@link WorkerProtocol#CODE}): a command experiment's
 * packed code, for a worker holding a lease on one of its trials ({@code Lease-Token}). The worker
 * role is checked by the security filter as for the whole worker protocol; {@link ExperimentCode}
 * checks the lease.
 */
@RestController
class CodeDownloadController {

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  private final ExperimentCode code;

  CodeDownloadController(ExperimentCode code) {
    this.code = code;
  }

  @GetMapping(path = WorkerProtocol.CODE)
  ResponseEntity<Resource> code(
      @PathVariable String sha256,
      @RequestHeader(WorkerProtocol.LEASE_TOKEN_HEADER) UUID leaseToken) {
    if (!SHA256.matcher(sha256).matches()) {
      throw new InvalidParameterException(
          "sha256", "must be 64 lower-case hex digits, got '" + sha256 + "'");
    }
    return ResponseEntity.ok()
        .contentType(MediaType.parseMediaType("application/gzip"))
        .body(new FileSystemResource(code.file(sha256, leaseToken)));
  }
}
