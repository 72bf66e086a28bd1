package dev.digitlab.server.security;

import dev.digitlab.server.api.ForbiddenException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A user tried to change something another owner owns; answered 403 with the owner and the role
 * that may (see {@link Ownership}).
 */
public final class NotOwnerException extends ForbiddenException {

  private static final long serialVersionUID = 1L;

  private final String owner;
  private final String callerName;
  private final Role callerRole;

  NotOwnerException(String what, String owner, Caller caller) {
    super(
        "Not the owner",
        capitalise(what)
            + " belongs to '"
            + owner
            + "': token '"
            + caller.name()
            + "' (role "
            + caller.role().dbValue()
            + ") may change only its own experiments; changing another owner's needs role "
            + Role.ADMIN.dbValue()
            + ". Ask '"
            + owner
            + "' or an admin, or clone the experiment to run it as your own.");
    this.owner = owner;
    this.callerName = caller.name();
    this.callerRole = caller.role();
  }

  /** Who owns what the request wanted to change. */
  public String owner() {
    return owner;
  }

  /** The name of the token that asked. */
  public String callerName() {
    return callerName;
  }

  public String callerRole() {
    return callerRole.dbValue();
  }

  /** The role that may change anything, whoever owns it. */
  public String requiredRole() {
    return Role.ADMIN.dbValue();
  }

  @Override
  public Map<String, Object> properties() {
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("owner", owner);
    properties.put("caller", callerName);
    properties.put("callerRole", callerRole());
    properties.put("requiredRole", requiredRole());
    return properties;
  }

  private static String capitalise(String text) {
    return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
  }
}
