package dev.digitlab.server.security;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/tokens}: admins create, list and revoke API tokens ({@code digitlab token}). */
@RestController
@RequestMapping("/api/v1/tokens")
class TokenController {

  private static final Logger log = LoggerFactory.getLogger(TokenController.class);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}");

  private final TokenStore tokens;
  private final boolean authEnabled;

  TokenController(TokenStore tokens, AuthSettings auth) {
    this.tokens = tokens;
    this.authEnabled = auth.enabled();
  }

  /**
   * What {@code POST /api/v1/tokens} takes: the role, a name saying whose it is, and whether it may
   * run programs (pipeline {@code command} steps; only for role {@code user}, admins may anyway).
   */
  record TokenRequest(String name, String role, Boolean canRunCommands) {}

  /** A token as listed: never its secret, which is not stored. */
  record TokenView(
      long id,
      String name,
      String role,
      boolean active,
      Instant createdAt,
      Instant lastUsedAt,
      Instant revokedAt,
      boolean canRunCommands) {

    static TokenView of(ApiToken token) {
      return new TokenView(
          token.id(),
          token.name(),
          token.role().dbValue(),
          token.active(),
          token.createdAt(),
          token.lastUsedAt(),
          token.revokedAt(),
          token.mayRunCommands());
    }
  }

  /** A new token, with its secret: shown this once. */
  record CreatedToken(
      long id, String name, String role, Instant createdAt, boolean canRunCommands, String token) {}

  /** Creates a token; the answer is the only place its secret appears. */
  // produces: a client that cannot take JSON gets its 406 before a token it would never see is
  // made.
  @PostMapping(produces = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<CreatedToken> create(@RequestBody TokenRequest request) {
    if (!authEnabled) {
      // Anyone who can connect could mint one, and it would count once authentication is on.
      log.warn("403: a token was asked for while authentication is off");
      ProblemDetail problem =
          ProblemDetail.forStatusAndDetail(
              HttpStatus.FORBIDDEN,
              "Tokens are made only while authentication is on: with it off anyone who can"
                  + " connect could make an admin token for later. Restart the server with --auth"
                  + " (env DIGITLAB_AUTH=true, property digitlab.auth.enabled=true); its first"
                  + " start writes an admin token to <home>/admin-token.");
      problem.setTitle("Authentication is off");
      throw new ErrorResponseException(HttpStatus.FORBIDDEN, problem, null);
    }
    if (request == null || request.role() == null) {
      throw new InvalidParameterException("role", "is required: admin, user, worker or viewer");
    }
    Role role =
        Role.of(request.role())
            .orElseThrow(
                () ->
                    new InvalidParameterException(
                        "role",
                        "must be admin, user, worker or viewer, got '"
                            + abbreviate(request.role())
                            + "'"));
    String name = request.name() == null ? role.dbValue() : request.name().strip();
    if (!NAME.matcher(name).matches()) {
      throw new InvalidParameterException(
          "name",
          "must be 1 to 100 letters, digits, spaces or . _ @ - (starting with a letter or digit),"
              + " got '"
              + abbreviate(name)
              + "'");
    }
    if (Ownership.reserved(name)) {
      // A user token named so would own every experiment made without authentication, or by
      // the server itself (retraining); those stay for admins to manage.
      throw new InvalidParameterException(
          "name",
          "'"
              + name
              + "' is reserved: it owns experiments made without a token ('"
              + Ownership.LOCAL
              + "') or by the server itself ('"
              + Ownership.SYSTEM
              + "'). Choose another name.");
    }
    boolean commands = Boolean.TRUE.equals(request.canRunCommands());
    if (commands && role != Role.USER && role != Role.ADMIN) {
      throw new InvalidParameterException(
          "canRunCommands",
          "only a user token can be granted the permission to run programs (admins have it);"
              + " a "
              + role.dbValue()
              + " token never runs them");
    }
    NewToken created = tokens.create(name, role, commands);
    ApiToken token = created.token();
    log.info(
        "Token {} ({}, {}{}) created",
        token.id(),
        token.name(),
        role.dbValue(),
        commands ? ", may run commands" : "");
    return ResponseEntity.created(URI.create("/api/v1/tokens/" + token.id()))
        .body(
            new CreatedToken(
                token.id(),
                token.name(),
                role.dbValue(),
                token.createdAt(),
                token.mayRunCommands(),
                created.secret()));
  }

  /** Every token, valid and revoked, oldest first. */
  @GetMapping
  List<TokenView> list() {
    return tokens.list().stream().map(TokenView::of).toList();
  }

  /** Revokes a token: its requests and browser sessions are refused from now on. */
  @DeleteMapping("/{id}")
  ResponseEntity<Void> revoke(@PathVariable long id) {
    if (!tokens.revoke(id)) {
      throw new NotFoundException("token", id);
    }
    log.info("Token {} revoked", id);
    return ResponseEntity.noContent().build();
  }

  private static String abbreviate(String value) {
    return value.length() > 40 ? value.substring(0, 40) + "…" : value;
  }
}
