package dev.digitlab.server.code;

import dev.digitlab.server.api.RequestLimits;
import dev.digitlab.server.security.CommandPermission;
import dev.digitlab.server.security.Ownership;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Upload of a command experiment's packed code ({@code .tar.gz}), which the experiment then names
 * as {@code code: sha256:<hex>}. Idempotent: the same bytes again answer 200 with the same hash.
 * Needs the run-commands permission, as submitting the experiment does.
 */
@RestController
class CodeController {

  private final CodeStore store;
  private final CommandPermission commands;
  private final Ownership ownership;

  CodeController(CodeStore store, CommandPermission commands, Ownership ownership) {
    this.store = store;
    this.commands = commands;
    this.ownership = ownership;
  }

  /**
   * Stores the body (at most {@code digitlab.limits.max-code-size}); {@code sha256}, when given, is
   * checked against what arrived. {@code 201} when stored now, {@code 200} when it was already.
   */
  @PostMapping(path = RequestLimits.CODE_UPLOAD, produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Map<String, Object>> upload(
      @RequestParam(name = "sha256", required = false) String sha256,
      InputStream body,
      HttpServletRequest request)
      throws IOException {
    commands.checkMaySubmitCommands(request, "code for a command experiment");
    CodeStore.Stored stored = store.store(body, sha256, ownership.ownerOf(request));
    return ResponseEntity.status(stored.created() ? HttpStatus.CREATED : HttpStatus.OK)
        .body(
            Map.of(
                "sha256", stored.sha256(),
                "sizeBytes", stored.sizeBytes(),
                "code", stored.reference()));
  }
}
